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
from gyomu_cli.i18n import _

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


@dataclass(frozen=True)
class ChainReport:
    """The outcome of walking the chain.

    events: how many events were read.
    head_seq, head_hash: the last event, as it can be printed and kept.
    problem: the first break, in words (the reader's language; `english()`
      gives the English), or None when the chain is whole.
    bad_seq: the first event that does not hold, or None.
    """

    events: int
    head_seq: int
    head_hash: str
    problem: str | None = None
    bad_seq: int | None = None


COLUMNS = "seq, at, actor, acting_as, command, action, object, outcome, detail, prev_hash, hash"


def verify_chain(db: Database) -> ChainReport:
    """Recompute every hash from the first event: the first alteration, deletion or insertion."""
    expected_seq, prev_hash, count = 1, GENESIS, 0
    cursor = db.execute(f"SELECT {COLUMNS} FROM audit ORDER BY seq")
    names = [d[0] for d in cursor.description]
    for values in cursor:
        row = dict(zip(names, values))
        seq = row["seq"]
        if seq != expected_seq:
            if seq == expected_seq + 1:
                missing = _("event {seq} missing: deleted from the log").format(seq=expected_seq)
            else:
                missing = _("events {first}-{last} missing: deleted from the log").format(first=expected_seq, last=seq - 1)
            return ChainReport(count, expected_seq - 1, prev_hash, missing, expected_seq)
        if row["prev_hash"] != prev_hash:
            return ChainReport(
                count, seq - 1, prev_hash,
                _("event {seq} does not follow event {previous}: an event before it was deleted, inserted or altered").format(
                    seq=seq, previous=seq - 1
                ),
                seq,
            )
        if event_hash(row) != row["hash"]:
            problem = _("event {seq} was altered: its content does not match its hash").format(seq=seq)
            return ChainReport(count, seq - 1, prev_hash, problem, seq)
        expected_seq, prev_hash, count = seq + 1, row["hash"], count + 1
    return ChainReport(count, expected_seq - 1, prev_hash)


def hash_at(db: Database, seq: int) -> str | None:
    row = db.execute("SELECT hash FROM audit WHERE seq = ?", [seq]).fetchone()
    return row[0] if row else None
