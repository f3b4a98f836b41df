"""Written documents (Art. 8, 10, 11): requests, opinions, decisions, receipts.

A scanned document is stored like a recording: encrypted under its own key
and hashed. Where the city allows it (`[requests] allow_reference = true`), a
paper document may be recorded by its reference number instead of a scan.
"""

from __future__ import annotations

from pathlib import Path

from gyomu_cli import clock, objects
from gyomu_cli.errors import UsageError
from gyomu_cli.i18n import N_, _
from gyomu_cli.session import Session

# What each written document the regulation asks for is called when it is
# missing, by (kind, article): (nothing given, only a reference number given).
REQUIRED = {
    ("request", "8-1"): (
        N_("a written request is required (Art. 8-1): give --document FILE"),
        N_("a scan of the written request is required (Art. 8-1); a reference number alone is "
           "accepted only when gyomu.toml sets [requests] allow_reference = true"),
    ),
    ("opinion", "8-3"): (
        N_("a written opinion is required (Art. 8-3): give --document FILE"),
        N_("a scan of the written opinion is required (Art. 8-3); a reference number alone is "
           "accepted only when gyomu.toml sets [requests] allow_reference = true"),
    ),
    ("request", "10-1, 11-1"): (
        N_("a written request is required (Art. 10-1, 11-1): give --document FILE"),
        N_("a scan of the written request is required (Art. 10-1, 11-1); a reference number alone is "
           "accepted only when gyomu.toml sets [requests] allow_reference = true"),
    ),
    ("request", "11-2"): (
        N_("a written request is required (Art. 11-2): give --document FILE"),
        N_("a scan of the written request is required (Art. 11-2); a reference number alone is "
           "accepted only when gyomu.toml sets [requests] allow_reference = true"),
    ),
    ("other", "10-2"): (
        N_("a written request for return or erasure is required (Art. 10-2): give --document FILE"),
        N_("a scan of the written request for return or erasure is required (Art. 10-2); a reference number alone is "
           "accepted only when gyomu.toml sets [requests] allow_reference = true"),
    ),
    ("receipt", "10-2"): (
        N_("a written receipt is required (Art. 10-2): give --document FILE"),
        N_("a scan of the written receipt is required (Art. 10-2); a reference number alone is "
           "accepted only when gyomu.toml sets [requests] allow_reference = true"),
    ),
}


def attach(session: Session, kind: str, path: Path | None, reference: str | None, *, article: str) -> int:
    """Store a document (or its reference, where allowed); its id. Call inside a write.

    `kind` and `article` name the document as REQUIRED lists it.
    """
    missing, scan_only = REQUIRED[(kind, article)]
    if path is None and not reference:
        session.refuse(_(missing))
    if path is None and not session.home.settings.allow_document_reference:
        session.refuse(_(scan_only))
    row = {
        "kind": kind,
        "title": path.name if path else reference,
        "reference": reference,
        "created_at": clock.to_db(clock.now()),
        "created_by": session.actor,
    }
    if path is not None:
        if not path.is_file():
            raise UsageError(_("document {path} does not exist or is not a file").format(path=path))
        row.update(objects.put_encrypted(session, objects.new_key("doc", path.suffix), path))
    document_id = session.db["documents"].insert(row).last_pk
    session.audit("document.stored", f"document:{document_id}", kind=kind, sha256=row.get("sha256"))
    return document_id
