"""Written documents (Art. 8, 10, 11): requests, opinions, decisions, receipts.

A scanned document is stored like a recording: encrypted under its own key
and hashed. Where the city allows it (`[requests] allow_reference = true`), a
paper document may be recorded by its reference number instead of a scan.
"""

from __future__ import annotations

from pathlib import Path

from gyomu_cli import clock, objects
from gyomu_cli.errors import UsageError
from gyomu_cli.session import Session



def attach(session: Session, kind: str, path: Path | None, reference: str | None, *, article: str) -> int:
    """Store a document (or its reference, where allowed); its id. Call inside a write."""
    if path is None and not reference:
        session.refuse(f"a written {kind} is required (Art. {article}): give --document FILE")
    if path is None and not session.home.settings.allow_document_reference:
        session.refuse(
            f"a scan of the written {kind} is required (Art. {article}); a reference number alone is "
            "accepted only when gyomu.toml sets [requests] allow_reference = true"
        )
    row = {
        "kind": kind,
        "title": path.name if path else reference,
        "reference": reference,
        "created_at": clock.to_db(clock.now()),
        "created_by": session.actor,
    }
    if path is not None:
        if not path.is_file():
            raise UsageError(f"document {path} does not exist or is not a file")
        row.update(objects.put_encrypted(session, objects.new_key("doc", path.suffix), path))
    document_id = session.db["documents"].insert(row).last_pk
    session.audit("document.stored", f"document:{document_id}", kind=kind, sha256=row.get("sha256"))
    return document_id
