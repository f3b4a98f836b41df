"""Holds: what keeps a recording from erasure past its retention, and why.

A dispute (Art. 7-1 (1)) or an open request or disclosure keeps the
recordings it concerns until it is settled. Holds only ever lengthen
retention; releasing one makes the recording erasable at the next purge if
its retention has run out.
"""

from __future__ import annotations

import logging

from gyomu_cli import clock
from gyomu_cli.errors import NotFound, StorageError, UsageError
from gyomu_cli.i18n import _
from gyomu_cli.session import Session

log = logging.getLogger(__name__)

REASONS = ("dispute", "manual", "request", "disclosure")


def _stored_recording(session: Session, recording_id: int) -> dict:
    row = session.ledger.one("SELECT id, state FROM recordings WHERE id = ?", [recording_id])
    if row is None:
        raise NotFound(_("no recording {recording_id}; see `gyomu recordings list`").format(recording_id=recording_id))
    if row["state"] != "stored":
        raise UsageError(_("recording {recording_id} is already erased; there is nothing to hold").format(recording_id=recording_id))
    return row


def add(session: Session, recording_id: int, reason: str, note: str, ref: str | None = None) -> dict:
    if reason not in REASONS:
        raise UsageError(_("hold reason {reason!r} is unknown; use one of: {reasons}").format(reason=reason, reasons=", ".join(REASONS)))
    if reason in ("request", "disclosure") and ref is None:
        raise UsageError(_("{reason} holds are placed by the viewing and disclosure commands themselves; "
                           "a hold by hand is dispute or manual").format(reason=reason))
    if not note.strip():
        raise UsageError(_("a hold needs --note saying why the recording must be kept"))
    with session.write() as db:
        _stored_recording(session, recording_id)
        row = {
            "recording_id": recording_id,
            "reason": reason,
            "note": note.strip(),
            "ref": ref,
            "created_at": clock.to_db(clock.now()),
            "created_by": session.actor,
        }
        hold_id = db["holds"].insert(row).last_pk
        session.audit(
            "hold.added", f"hold:{hold_id}", recording=recording_id, reason=reason
        )
    _mirror(session, recording_id, True)
    return get(session, hold_id)


def release(session: Session, hold_id: int) -> dict:
    with session.write() as db:
        hold = get(session, hold_id)
        if hold["released_at"] is not None:
            raise UsageError(_("hold {hold_id} was already released").format(hold_id=hold_id))
        db["holds"].update(
            hold_id,
            {"released_at": clock.to_db(clock.now()), "released_by": session.actor},
        )
        session.audit("hold.released", f"hold:{hold_id}", recording=hold["recording_id"])
    if not list_holds(session, recording_id=hold["recording_id"]):
        _mirror(session, hold["recording_id"], False)
    return get(session, hold_id)


def _mirror(session: Session, recording_id: int, on: bool) -> None:
    """A store that keeps legal holds itself (S3 Object Lock) gets gyomu's hold too."""
    row = session.ledger.one("SELECT storage_backend, storage_key FROM recordings WHERE id = ?", [recording_id])
    if not row or not row["storage_key"]:
        return
    store = session.storage_named(row["storage_backend"])
    if not hasattr(store, "legal_hold"):
        return
    try:
        store.legal_hold(row["storage_key"], on)
    except StorageError as error:
        if on:
            failed = _("recording {recording_id}: the store's legal hold could not be set: {error} (gyomu's hold stands)")
        else:
            failed = _("recording {recording_id}: the store's legal hold could not be lifted: {error} (gyomu's hold is released; the store still holds the object)")
        log.error(failed.format(recording_id=recording_id, error=error))


def get(session: Session, hold_id: int) -> dict:
    row = session.ledger.one("SELECT * FROM holds WHERE id = ?", [hold_id])
    if row is None:
        raise NotFound(_("no hold {hold_id}; see `gyomu hold list`").format(hold_id=hold_id))
    return _shown(session, row)


def list_holds(session: Session, *, include_released: bool = False, recording_id: int | None = None) -> list[dict]:
    where, params = [], []
    if not include_released:
        where.append("released_at IS NULL")
    if recording_id is not None:
        where.append("recording_id = ?")
        params.append(recording_id)
    sql = "SELECT * FROM holds" + (" WHERE " + " AND ".join(where) if where else "")
    return [_shown(session, row) for row in session.db.query(sql + " ORDER BY id", params)]


def _shown(session: Session, row: dict) -> dict:
    for key in ("created_at", "released_at"):
        row[key] = clock.show(row[key], session.tz)
    row["active"] = row["released_at"] is None
    return row
