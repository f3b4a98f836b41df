"""Fixity: do the stored objects still match what the ledger recorded? (Art. 6-1)

Every stored recording's object, and every stored document's (the scanned
written requests, opinions and receipts), must exist and hash to the
recorded SHA-256 and size; with `deep`, it must also decrypt to the recorded
plaintext hash, and a call's audio must decode to the recorded sample hash.
Objects in the store that no ledger row names are orphans (for instance left
by a crash between storing and registering).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gyomu_cli import media, objects, storages
from gyomu_cli.errors import IntegrityError, MediaError, StorageError, StorageFull
from gyomu_cli.i18n import Text, _, english
from gyomu_cli.session import Session

PAGE = 1000


@dataclass(frozen=True)
class Finding:
    """One problem: what, which recording or document (if any), which object, and how."""

    problem: str  # "missing", "altered", "undecryptable", "orphan"
    recording_id: int | None
    key: str
    detail: str
    document_id: int | None = None

    def text(self) -> str:
        if self.recording_id:
            line = _("{problem}: {key} (recording {recording}): {detail}")
        elif self.document_id:
            line = _("{problem}: {key} (document {document}): {detail}")
        else:
            line = _("{problem}: {key} (no recording): {detail}")
        return line.format(
            problem=self.problem, key=self.key, recording=self.recording_id, document=self.document_id, detail=self.detail
        )


@dataclass
class Report:
    checked: int = 0  # stored recordings
    documents_checked: int = 0  # stored documents
    bytes: int = 0
    deep: bool = False
    findings: list[Finding] = field(default_factory=list)

    def as_dict(self) -> dict:
        counts: dict[str, int] = {}
        for finding in self.findings:
            counts[finding.problem] = counts.get(finding.problem, 0) + 1
        return {
            "checked": self.checked,
            "documents_checked": self.documents_checked,
            "bytes": self.bytes,
            "deep": self.deep,
            "problems": counts,
            "findings": [dict(f.__dict__, detail=english(f.detail)) for f in self.findings],
        }


# What each table's stored rows are, and the columns a check needs.
STORED = {
    "recording": "SELECT id, storage_key, storage_backend, size, sha256, wrapped_key, plain_sha256, pcm_sha256, kind "
    "FROM recordings WHERE state = 'stored' AND storage_backend = ? AND id > ? ORDER BY id LIMIT ?",
    "document": "SELECT id, storage_key, storage_backend, size, sha256, wrapped_key, plain_sha256 "
    "FROM documents WHERE storage_key IS NOT NULL AND storage_backend = ? AND id > ? ORDER BY id LIMIT ?",
}


def _stored(session: Session, what: str, storage: str):
    after = 0
    while True:
        rows = list(session.db.query(STORED[what], [storage, after, PAGE]))
        if not rows:
            return
        yield from rows
        after = rows[-1]["id"]


def verify(session: Session, *, deep: bool = False, storage: str | None = None) -> Report:
    """Check one storage, or every storage gyomu knows."""
    if storage is not None:
        storages.require(session, storage)
    if deep:
        session.open_vault()  # a missing or wrong master key stops the run, not each object
    report = Report(deep=deep)
    for name in [storage] if storage else storages.names(session):
        _verify_store(session, name, deep, report)
    summary = report.as_dict()
    session.audit(
        "storage.verified",
        None,
        outcome="ok" if not report.findings else "failed",
        checked=report.checked,
        documents_checked=report.documents_checked,
        deep=deep,
        problems=summary["problems"],
        recordings=sorted({f.recording_id for f in report.findings if f.recording_id}),
        documents=sorted({f.document_id for f in report.findings if f.document_id}),
    )
    return report


def _verify_store(session: Session, name: str, deep: bool, report: Report) -> None:
    store = session.storage_named(name)
    for what in STORED:
        for row in _stored(session, what, name):
            if what == "recording":
                report.checked += 1
            else:
                report.documents_checked += 1
            finding = _check(session, store, what, row, deep)
            if finding:
                report.findings.append(finding)
            else:
                report.bytes += row["size"] or 0
    for key in store.keys():
        table = "documents" if key.startswith("doc/") else "recordings"
        known = session.ledger.one(f"SELECT storage_backend FROM {table} WHERE storage_key = ?", [key])
        if known is None:
            detail = _("no ledger row names this object in {storage}").format(storage=name)
            report.findings.append(Finding("orphan", None, key, detail))
        elif known["storage_backend"] != name:
            detail = _("a copy left in {storage}; the ledger says {recorded}").format(storage=name, recorded=known["storage_backend"])
            report.findings.append(Finding("orphan", None, key, detail))


def _check(session: Session, store, what: str, row: dict, deep: bool) -> Finding | None:
    """The problem with one stored recording's or document's object, if any."""
    key = row["storage_key"]

    def found(problem: str, detail: str) -> Finding:
        if what == "recording":
            return Finding(problem, row["id"], key, detail)
        return Finding(problem, None, key, detail, document_id=row["id"])

    if not store.exists(key):
        return found("missing", _("the ledger names it, the store does not hold it"))
    stat = store.stat(key)
    if stat.sha256 != row["sha256"] or stat.size != row["size"]:
        detail = _("SHA-256 {found}… where the ledger recorded {recorded}…").format(found=stat.sha256[:12], recorded=row["sha256"][:12])
        return found("altered", detail)
    if not deep:
        return None
    try:
        with objects.plaintext(session, row) as plain:
            if what == "recording" and row["kind"] == "call" and row["pcm_sha256"] and media.pcm_sha256(plain) != row["pcm_sha256"]:
                return found("undecryptable", _("the audio no longer decodes to the recorded samples"))
    except StorageFull:
        raise  # no room to decrypt into says nothing about the object: stop, and say so
    except (IntegrityError, MediaError, StorageError) as error:
        return found("undecryptable", Text(str(error), str(english(error))))
    return None
