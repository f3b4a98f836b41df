"""Looking recordings up in the ledger: lists with filters, one in full."""

from __future__ import annotations

import json
from dataclasses import dataclass

from gyomu_cli import clock
from gyomu_cli.errors import NotFound, UsageError
from gyomu_cli.i18n import _
from gyomu_cli.indexing import normalise_number
from gyomu_cli.session import Session

COLUMNS = """
    r.id, r.kind, d.name AS device, s.name AS section, r.state,
    r.started_at, r.ended_at, r.duration, r.direction, r.caller, r.callee,
    r.retain_until, r.size, r.sha256, r.pcm_sha256, r.storage_backend, r.storage_key,
    r.media, r.started_month, r.erased_at,
    (SELECT count(*) FROM holds h WHERE h.recording_id = r.id AND h.released_at IS NULL) AS holds
"""
FROM = " FROM recordings r JOIN devices d ON d.id = r.device_id JOIN sections s ON s.id = r.section_id"


@dataclass
class Filters:
    device: str | None = None
    kind: str | None = None
    number: str | None = None
    since: str | None = None
    until: str | None = None
    state: str | None = "stored"
    limit: int | None = 100
    request: int | None = None  # the viewing request this search serves; else maintenance


def _audit_search(session: Session, action: str, request: int | None, **detail) -> None:
    """Looking up recordings is access to personal data: say what for (Art. 7)."""
    if request is not None:
        row = session.ledger.one("SELECT state FROM requests WHERE id = ?", [request])
        if row is None:
            raise NotFound(_("no request {request}; see `gyomu request list`").format(request=request))
        purpose = {"request": request}
    else:
        purpose = {"purpose": "maintenance"}
    session.audit(action, None, **purpose, **detail)


def list_recordings(session: Session, filters: Filters) -> list[dict]:
    tz = session.tz
    where, params = [], {}
    if filters.device:
        row = session.ledger.one("SELECT id FROM devices WHERE name = ?", [filters.device])
        if row is None:
            raise NotFound(_("no device named {name!r}; see `gyomu device list`").format(name=filters.device))
        where.append("r.device_id = :device")
        params["device"] = row["id"]
    if filters.kind:
        if filters.kind not in ("call", "image"):
            raise UsageError(_("kind {kind!r} is call or image").format(kind=filters.kind))
        where.append("r.kind = :kind")
        params["kind"] = filters.kind
    if filters.number:
        params["number"] = normalise_number(filters.number, "--number")
        # Alone, the number needs only its newest `limit` calls from each side's index.
        alone = not (filters.device or filters.kind or filters.since or filters.until)
        inner = f" ORDER BY started_at DESC LIMIT {int(filters.limit)}" if alone and filters.limit else ""
        where.append(
            f"r.id IN (SELECT id FROM (SELECT id FROM recordings WHERE caller = :number{inner}) "
            f"UNION SELECT id FROM (SELECT id FROM recordings WHERE callee = :number{inner}))"
        )
    if filters.since:
        where.append("r.started_at >= :since")
        params["since"] = clock.to_db(clock.parse(filters.since, tz, "--since"))
    if filters.until:
        where.append("r.started_at < :until")
        params["until"] = clock.to_db(clock.parse(filters.until, tz, "--until"))
    if filters.state and filters.state != "all":
        if filters.state not in ("stored", "erased"):
            raise UsageError(_("state {state!r} is stored, erased or all").format(state=filters.state))
        where.append("r.state = :state")
        params["state"] = filters.state
    _audit_search(session, "recordings.searched", filters.request, filters=sorted(params))
    sql = "SELECT" + COLUMNS + FROM
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY r.started_at DESC, r.id DESC"
    if filters.limit:
        sql += f" LIMIT {int(filters.limit)}"
    return [_shown(row, tz) for row in session.db.query(sql, params)]


def get(session: Session, recording_id: int, request: int | None = None) -> dict:
    row = session.ledger.one("SELECT" + COLUMNS + FROM + " WHERE r.id = ?", [recording_id])
    if row is None:
        raise NotFound(_("no recording {recording}; see `gyomu recordings list`").format(recording=recording_id))
    _audit_search(session, "recording.shown", request, recording=recording_id)
    return _shown(row, session.tz)


def _shown(row: dict, tz) -> dict:
    for key in ("started_at", "ended_at", "retain_until", "erased_at"):
        row[key] = clock.show(row[key], tz)
    row["media"] = json.loads(row["media"]) if row["media"] else None
    return row
