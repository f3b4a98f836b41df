"""Erasing recordings whose retention has run out (Art. 6-2), made for cron.

The rule is retention.decide(); this module applies it. It reads due
recordings in pages through the index on retain_until, so a run costs what
is due, not what is stored. For each recording it destroys the stored
content first, then reduces the ledger row to a tombstone in one transaction
with its audit event: if the run is interrupted between the two, the next
run finds the object already gone and finishes the row.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path

from gyomu_cli import clock, plugins, retention
from gyomu_cli.disclosures import pending_documents
from gyomu_cli.errors import StorageError
from gyomu_cli.i18n import N_, Text, _, english
from gyomu_cli.events import RecordingErased
from gyomu_cli.lock import exclusive
from gyomu_cli.session import Session
from gyomu_cli.shred import overwrite_and_unlink

log = logging.getLogger(__name__)

PAGE = 500

# The personal and identifying fields an erasure drops (see migrations.py). The
# duration stays, to the minute, for the yearly report's hours.
TOMBSTONE = """
    UPDATE recordings SET
        state = 'erased', erased_at = :now,
        started_at = NULL, ended_at = NULL, duration = round(duration / 60.0) * 60.0,
        caller = NULL, callee = NULL, retain_until = NULL,
        storage_key = NULL, size = NULL, sha256 = NULL,
        source_sha256 = NULL, pcm_sha256 = NULL, media = NULL, source_ref = NULL,
        wrapped_key = NULL, plain_sha256 = NULL
    WHERE id = :id AND state = 'stored'
"""


LINES = {
    "would erase": N_("Would erase recording {recording} ({kind}, {device}): {reason}"),
    "erase": N_("Erasing recording {recording} ({kind}, {device}): {reason}"),
    "erased": N_("Erased recording {recording} ({kind}, {device}): {reason}"),
    "keep": N_("Keeping recording {recording} ({kind}, {device}): {reason}"),
    "failed": N_("Could not erase recording {recording} ({kind}, {device}): {reason}"),
}


@dataclass
class Line:
    """One decision as reported: what, and why."""

    recording_id: int
    kind: str
    device: str
    action: str  # "erase", "erased", "keep", "failed"
    reason: str

    def text(self, dry_run: bool) -> str:
        shown = "would erase" if dry_run and self.action == "erase" else self.action
        return _(LINES[shown]).format(recording=self.recording_id, kind=self.kind, device=self.device, reason=self.reason)


@dataclass
class Report:
    dry_run: bool
    lines: list[Line] = field(default_factory=list)
    copies: list[str] = field(default_factory=list)
    checkpointed: bool = True

    @property
    def erased(self) -> list[Line]:
        return [line for line in self.lines if line.action in ("erased", "erase")]

    @property
    def kept(self) -> list[Line]:
        return [line for line in self.lines if line.action == "keep"]

    @property
    def failed(self) -> list[Line]:
        return [line for line in self.lines if line.action == "failed"]

    def as_dict(self) -> dict:
        return {
            "dry_run": self.dry_run,
            "erased": len(self.erased),
            "kept": len(self.kept),
            "failed": len(self.failed),
            "ledger_checkpointed": self.checkpointed,
            "decisions": [dict(line.__dict__, reason=english(line.reason)) for line in self.lines],
            "viewing_copies": [english(copy) for copy in self.copies],
        }


def _due(session: Session, now: str):
    """Stored recordings past retain_until, in pages, oldest first."""
    after = ("", 0)
    while True:
        rows = list(
            session.db.query(
                """
                SELECT r.id, r.kind, r.retain_until, r.storage_backend, r.storage_key,
                       d.name AS device
                FROM recordings r JOIN devices d ON d.id = r.device_id
                WHERE r.state = 'stored' AND r.retain_until <= :now
                  AND (r.retain_until, r.id) > (:after_at, :after_id)
                ORDER BY r.retain_until, r.id
                LIMIT :page
                """,
                {"now": now, "after_at": after[0], "after_id": after[1], "page": PAGE},
            )
        )
        if not rows:
            return
        yield rows
        after = (rows[-1]["retain_until"], rows[-1]["id"])


def _active_holds(session: Session, ids: list[int]) -> dict[int, list[tuple[int, str]]]:
    holds: dict[int, list[tuple[int, str]]] = {}
    marks = ",".join("?" * len(ids))
    for row in session.db.query(
        f"SELECT id, recording_id, reason FROM holds WHERE released_at IS NULL "
        f"AND recording_id IN ({marks}) ORDER BY id",
        ids,
    ):
        holds.setdefault(row["recording_id"], []).append((row["id"], row["reason"]))
    return holds


def purge(session: Session, *, dry_run: bool = False, wait: float = 0.0) -> Report:
    report = Report(dry_run=dry_run)
    if dry_run:
        _run(session, report, clock.now())
        return report
    # Translators: fills "another {what} is running" when the lock is taken.
    def busy(pid: str) -> str:
        return _("another purge is running (pid {pid}); wait for it, or pass --wait SECONDS").format(pid=pid)

    with exclusive(session.home.locks / "purge.lock", busy, wait):
        session.open_storage()  # a missing backend stops the run before any decision
        _run(session, report, clock.now())
        if report.erased:
            report.checkpointed = session.ledger.checkpoint()
            if not report.checkpointed:
                log.warning(
                    _("the ledger's write-ahead log could not be emptied while another process reads it; "
                      "erased fields leave it at the next checkpoint")
                )
    return report


def _viewing_copies(session: Session, report: Report, now: dt.datetime) -> None:
    """Viewing copies handed out for a request are erased once their time is up (Art. 6-2)."""
    hours = session.home.settings.viewing_copy_hours
    cutoff = clock.to_db(now - dt.timedelta(hours=hours))
    rows = list(session.db.query(
        "SELECT id, request_id, path, at FROM viewings WHERE erased_at IS NULL AND path IS NOT NULL AND at <= ?",
        [cutoff],
    ))
    copy_line = (
        _("Would erase viewing copy {path} (request {request}): handed out {at}, kept {hours:g} h")
        if report.dry_run
        else _("Erased viewing copy {path} (request {request}): handed out {at}, kept {hours:g} h")
    )
    for row in rows:
        if not report.dry_run:
            overwrite_and_unlink(Path(row["path"]))
            with session.write() as db:
                db["viewings"].update(row["id"], {"erased_at": clock.to_db(clock.now())})
                session.audit("viewing.copy_erased", f"viewing:{row['id']}", request=row["request_id"])
        report.copies.append(
            copy_line.format(path=row["path"], request=row["request_id"], at=clock.show(row["at"], session.tz), hours=hours)
        )


def _run(session: Session, report: Report, now: dt.datetime) -> None:
    for row in pending_documents(session):
        log.warning(
            _("disclosure {disclosure} ({basis}, to {recipient}) still lacks its written request (Art. 11-2); "
              "record it with `gyomu disclose document {disclosure} FILE`").format(
                disclosure=row["id"], basis=row["basis"], recipient=row["recipient"]
            )
        )
    _viewing_copies(session, report, now)
    tz = session.tz
    for rows in _due(session, clock.to_db(now)):
        holds = _active_holds(session, [row["id"] for row in rows])
        destroyed = []
        for row in rows:
            decision = retention.decide(
                row["id"], clock.from_db(row["retain_until"]), holds.get(row["id"], []), now, tz
            )
            line = Line(row["id"], row["kind"], row["device"], "keep", decision.reason)
            if decision.erase:
                line.action = "erase"
                if not report.dry_run:
                    failure = _destroy(session, row)
                    if failure:
                        line.action, line.reason = "failed", failure
                    else:
                        destroyed.append(row)
            report.lines.append(line)
        if destroyed:
            _tombstone(session, destroyed)
            erased = {row["id"] for row in destroyed}
            for line in report.lines:
                if line.recording_id in erased and line.action == "erase":
                    line.action = "erased"


def _destroy(session: Session, row: dict) -> str | None:
    """Destroy one recording's stored content; the reason when it could not be."""
    key = row["storage_key"]  # None for a call record without audio
    try:
        if key is not None and not _store_for(session, row["storage_backend"]).erase(key):
            log.warning(_("recording {recording}: its stored object was already gone; completing the erasure").format(recording=row["id"]))
    except StorageError as error:
        session.audit("recording.erase", f"recording:{row['id']}", outcome="failed", error=str(english(error)))
        return Text(str(error), str(english(error)))
    return None


def _tombstone(session: Session, rows: list[dict]) -> None:
    """One transaction per page: the rows lose their personal fields, each erasure is audited."""
    now = clock.to_db(clock.now())
    with session.write() as db:
        for row in rows:
            db.execute(TOMBSTONE, {"id": row["id"], "now": now})
            session.audit(
                "recording.erased", f"recording:{row['id']}", kind=row["kind"], device=row["device"],
                reason="retention ended",
            )
    for row in rows:
        plugins.notify(
            "recording_erased", RecordingErased(row["id"], row["kind"], row["device"], "retention ended")
        )


def _store_for(session: Session, name: str):
    """The storage that holds a recording, by the name its row records."""
    return session.storage_named(name)
