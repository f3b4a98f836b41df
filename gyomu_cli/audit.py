"""The audit log: append-only events, each chained to the one before (Art. 13).

An event names who did what to which object and how it ended. It refers to
recordings by id only: the log is permanent, personal data is not, so no
phone number, name of a citizen or exact call time ever goes into `detail`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field

from sqlite_utils import Database

from gyomu_cli import clock

GENESIS = "0" * 64


@dataclass(frozen=True)
class Event:
    """One audited action.

    actor: the gyomu login (or OS account) that ran the command.
    acting_as: the login the actor acted as (root's --as), else None.
    command: the command line's name for what ran, e.g. "device add".
    action: what happened, e.g. "device.added", "recording.erased".
    object: what it happened to, e.g. "device:3", "recording:12".
    outcome: "ok", "refused" or "failed".
    detail: non-personal facts that explain the event.
    """

    actor: str
    command: str
    action: str
    object: str | None = None
    outcome: str = "ok"
    acting_as: str | None = None
    detail: dict = field(default_factory=dict)


def event_hash(row: dict) -> str:
    """SHA-256 over the event's fields and the previous hash, canonical JSON."""
    body = {key: row[key] for key in sorted(row) if key != "hash"}
    text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def append(db: Database, event: Event) -> int:
    """Add one event at the head of the chain; call inside a write transaction."""
    head = db.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev_hash = (head[0] + 1, head[1]) if head else (1, GENESIS)
    row = asdict(event)
    row["detail"] = json.dumps(event.detail, ensure_ascii=False, sort_keys=True)
    row.update(seq=seq, at=clock.to_db(clock.now()), prev_hash=prev_hash)
    row["hash"] = event_hash(row)
    db["audit"].insert(row)
    return seq
