"""Viewing requests (Art. 7, 8): request, opinion, grant or deny, view, close.

Art. 8-1: the head of the responsible section asks, in writing, to view a
recording for a dispute (Art. 7-1 (1)) or a special business need (Art. 7-1
(4)). Art. 8-2: the administrator then lets them view it. Art. 8-3: the head of
another section may view only when the administrator finds it especially
necessary, after asking the responsible section head's opinion.

    submitted ──────────────┐
    awaiting-opinion ─(all opinions)→ opinion-given ─┤
                                                     ├→ granted ─→ closed
                                                     └→ denied ──→ closed

The rule for each step is `check()`: a pure function of the request's state
that returns the refusal, naming the article, or None.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from gyomu_cli import access, clock, documents, holds, users
from gyomu_cli.errors import NotFound, UsageError
from gyomu_cli.i18n import _
from gyomu_cli.session import Session

PURPOSES = {"dispute": "Art. 7-1 (1)", "business": "Art. 7-1 (4)"}
CHANNELS = {"caller": 0, "staff": 1}
OPEN = ("submitted", "awaiting-opinion", "opinion-given", "granted", "denied")

STEPS = {
    "opinion": {"awaiting-opinion"},
    "grant": {"submitted", "opinion-given"},
    "deny": {"submitted", "awaiting-opinion", "opinion-given"},
    "view": {"granted"},
    "close": set(OPEN),
}


def check(step: str, request_id: int, state: str, waiting_for: list[str]) -> str | None:
    """Why `step` may not happen to a request in `state`, or None when it may."""
    if state in STEPS[step]:
        return None
    if step == "grant" and state == "awaiting-opinion":
        heads = ", ".join(waiting_for)
        return _("request {request_id} awaits the opinion of the head of {heads} before it can be granted (Art. 8-3)").format(
            request_id=request_id, heads=heads
        )
    if step in ("grant", "deny"):
        return _("request {request_id} is already {state}; a decision is not taken twice (Art. 8-2)").format(
            request_id=request_id, state=state
        )
    if step == "view":
        return _("request {request_id} is {state}: recordings are viewed only within a granted request (Art. 8-2)").format(
            request_id=request_id, state=state
        )
    if step == "opinion":
        return _("request {request_id} is {state}: it does not await an opinion (Art. 8-3)").format(
            request_id=request_id, state=state
        )
    return _("request {request_id} is already closed").format(request_id=request_id)


@dataclass
class Range:
    recording_id: int
    start: float
    end: float
    channel: int | None


def recording_row(session: Session, recording_id: int) -> dict:
    row = session.ledger.one(
        "SELECT r.id, r.kind, r.state, r.started_at, r.duration, r.section_id, s.name AS section "
        "FROM recordings r JOIN sections s ON s.id = r.section_id WHERE r.id = ?",
        [recording_id],
    )
    if row is None:
        raise NotFound(_("no recording {recording_id}; see `gyomu recordings list`").format(recording_id=recording_id))
    if row["state"] != "stored":
        raise UsageError(_("recording {recording_id} was erased; there is nothing left to view").format(recording_id=recording_id))
    return row


def _moment(text: str, started: dt.datetime, tz, what: str) -> dt.datetime:
    """A wall-clock time on the recording's date, or a full ISO timestamp."""
    if not re.fullmatch(r"\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?", text.strip()):
        return clock.parse(text, tz, what)
    try:
        wall = dt.time.fromisoformat(text)
    except ValueError:
        raise UsageError(_("{what} {text!r} is not a time; write it like 10:16:00").format(what=what, text=text)) from None
    return dt.datetime.combine(started.astimezone(tz).date(), wall, tzinfo=tz).astimezone(dt.timezone.utc)


def parse_range(session: Session, recording: dict, start: str | None, end: str | None, channel: str | None,
                clamp: bool = True) -> Range:
    """A range of a recording from wall-clock or ISO times, as offsets in seconds.

    With `clamp`, a range reaching past either end of the recording is cut to
    it (a request never gets more than the recording holds).
    """
    tz = session.tz
    began = clock.from_db(recording["started_at"])
    length = recording["duration"] or 0.0
    first = 0.0 if start is None else (_moment(start, began, tz, "--from") - began).total_seconds()
    last = length if end is None else (_moment(end, began, tz, "--to") - began).total_seconds()
    if last <= first:
        raise UsageError(_("--to must come after --from; for a range across midnight give full ISO timestamps"))
    if last <= 0 or first >= length:
        shown = clock.show(recording["started_at"], tz)
        raise UsageError(
            _("the range lies outside recording {recording} (it starts {shown} and lasts {length:.0f} s)").format(
                recording=recording["id"], shown=shown, length=length
            )
        )
    code = None
    if channel is not None:
        if recording["kind"] != "call":
            raise UsageError(_("--channel applies to calls only"))
        if channel not in CHANNELS:
            raise UsageError(_("--channel is caller or staff, not {channel!r}").format(channel=channel))
        code = CHANNELS[channel]
    if clamp:
        first, last = max(first, 0.0), min(last, length)
    return Range(recording["id"], first, last, code)


def _user(session: Session, login: str) -> dict:
    user = users.get(session, login)
    if not user["active"]:
        raise UsageError(_("user {login} is disabled").format(login=login))
    return user


def new(
    session: Session,
    *,
    requester: str,
    purpose: str,
    recordings: list[int],
    start: str | None,
    end: str | None,
    channel: str | None,
    reason: str,
    document: Path | None,
    reference: str | None,
) -> dict:
    if purpose not in PURPOSES:
        if purpose == "provision":
            wrong = _("a viewing request's purpose is dispute (Art. 7-1 (1)) or business (Art. 7-1 (4)), not {purpose!r}; "
                      "provision goes through a disclosure (Art. 9)")
        else:
            wrong = _("a viewing request's purpose is dispute (Art. 7-1 (1)) or business (Art. 7-1 (4)), not {purpose!r}")
        raise UsageError(wrong.format(purpose=purpose))
    if not recordings:
        raise UsageError(_("name the recordings with --recording ID (repeat for several)"))
    if not reason.strip():
        raise UsageError(_("give --reason: what happened and why the recording must be seen"))
    head = _user(session, requester)
    if access.SECTION_HEAD not in head["roles"].split(","):
        session.refuse(
            _("{requester} is not a section head: viewings are requested by section heads (Art. 8-1)").format(requester=requester)
        )
    rows = [recording_row(session, r) for r in dict.fromkeys(recordings)]
    ranges = [parse_range(session, row, start, end, channel) for row in rows]
    others = sorted({row["section"] for row in rows if row["section_id"] != head["section_id"]})
    state = "awaiting-opinion" if others else "submitted"
    with session.write() as db:
        document_id = documents.attach(session, "request", document, reference, article="8-1")
        request_id = db["requests"].insert(
            {
                "requester_id": head["id"],
                "section_id": head["section_id"],
                "purpose": purpose,
                "reason": reason.strip(),
                "state": state,
                "document_id": document_id,
                "created_at": clock.to_db(clock.now()),
                "created_by": session.actor,
            }
        ).last_pk
        for item in ranges:
            db["request_items"].insert(
                {
                    "request_id": request_id,
                    "recording_id": item.recording_id,
                    "start_offset": item.start,
                    "end_offset": item.end,
                    "channel": item.channel,
                }
            )
        session.audit(
            "request.submitted", f"request:{request_id}", purpose=purpose, requester=requester,
            recordings=[r.recording_id for r in ranges], state=state,
        )
    return get(session, request_id)


def get(session: Session, request_id: int) -> dict:
    row = session.ledger.one(
        "SELECT q.*, u.login AS requester, s.name AS section FROM requests q "
        "JOIN users u ON u.id = q.requester_id JOIN sections s ON s.id = q.section_id WHERE q.id = ?",
        [request_id],
    )
    if row is None:
        raise NotFound(_("no request {request_id}; see `gyomu request list`").format(request_id=request_id))
    row["items"] = list(
        session.db.query(
            "SELECT i.id, i.recording_id, i.start_offset, i.end_offset, i.channel, s.name AS section "
            "FROM request_items i JOIN recordings r ON r.id = i.recording_id "
            "JOIN sections s ON s.id = r.section_id WHERE i.request_id = ? ORDER BY i.id",
            [request_id],
        )
    )
    row["opinions"] = [
        dict(opinion, created_at=clock.show(opinion["created_at"], session.tz))
        for opinion in session.db.query(
            "SELECT o.id, s.name AS section, u.login AS by, o.agree, o.note, o.document_id, o.created_at "
            "FROM opinions o JOIN users u ON u.id = o.user_id JOIN sections s ON s.id = o.section_id "
            "WHERE o.request_id = ? ORDER BY o.id",
            [request_id],
        )
    ]
    row["waiting_for"] = _waiting_for(row)
    for key in ("created_at", "decided_at", "closed_at"):
        row[key] = clock.show(row[key], session.tz)
    return row


def _waiting_for(request: dict) -> list[str]:
    given = {o["section"] for o in request["opinions"]}
    needed = {i["section"] for i in request["items"] if i["section"] != request["section"]}
    return sorted(needed - given)


def step(session: Session, action: str, request_id: int) -> dict:
    """The request, if `action` may happen to it now; else an audited refusal."""
    request = get(session, request_id)
    refusal = check(action, request_id, request["state"], request["waiting_for"])
    if refusal:
        session.refuse(refusal, f"request:{request_id}")
    return request


def opinion(session: Session, request_id: int, *, by: str, agree: bool, note: str,
            document: Path | None, reference: str | None) -> dict:
    request = step(session, "opinion", request_id)
    head = _user(session, by)
    section = session.ledger.one("SELECT name FROM sections WHERE id = ?", [head["section_id"]])["name"]
    if access.SECTION_HEAD not in head["roles"].split(",") or section not in request["waiting_for"]:
        heads = ", ".join(request["waiting_for"])
        session.refuse(
            _("the opinion on request {request_id} comes from the head of {heads} (Art. 8-3)").format(request_id=request_id, heads=heads),
            f"request:{request_id}",
        )
    with session.write() as db:
        document_id = documents.attach(session, "opinion", document, reference, article="8-3")
        db["opinions"].insert(
            {
                "request_id": request_id, "section_id": head["section_id"], "user_id": head["id"],
                "agree": int(agree), "note": note, "document_id": document_id,
                "created_at": clock.to_db(clock.now()),
            }
        )
        remaining = [s for s in request["waiting_for"] if s != section]
        if not remaining:
            db["requests"].update(request_id, {"state": "opinion-given"})
        session.audit("request.opinion", f"request:{request_id}", by=by, agree=agree)
    return get(session, request_id)


def decide(session: Session, request_id: int, *, grant: bool, reason: str) -> dict:
    action = "grant" if grant else "deny"
    request = step(session, action, request_id)
    if not grant and not reason.strip():
        raise UsageError(_("give --reason: a denial says why"))
    users.confirm_actor(session)
    with session.write() as db:
        db["requests"].update(
            request_id,
            {
                "state": "granted" if grant else "denied",
                "decided_at": clock.to_db(clock.now()),
                "decided_by": session.actor,
                "decision": action,
                "decision_reason": reason.strip(),
            },
        )
        if grant:
            for recording_id in sorted({i["recording_id"] for i in request["items"]}):
                holds.add(session, recording_id, "request", f"viewing request {request_id}", ref=f"request:{request_id}")
        session.audit(f"request.{'granted' if grant else 'denied'}", f"request:{request_id}", reason=reason.strip() or None)
    return get(session, request_id)


def close(session: Session, request_id: int) -> dict:
    step(session, "close", request_id)
    with session.write() as db:
        db["requests"].update(request_id, {"state": "closed", "closed_at": clock.to_db(clock.now()), "closed_by": session.actor})
        for hold in holds.list_holds(session):
            if hold["ref"] == f"request:{request_id}":
                holds.release(session, hold["id"])
        session.audit("request.closed", f"request:{request_id}")
    return get(session, request_id)


def list_requests(session: Session, *, open_only: bool = False) -> list[dict]:
    where = f" WHERE q.state IN ({', '.join(repr(s) for s in OPEN)})" if open_only else ""
    rows = session.db.query(
        "SELECT q.id, q.state, q.purpose, u.login AS requester, s.name AS section, q.created_at, "
        "(SELECT count(*) FROM request_items i WHERE i.request_id = q.id) AS recordings "
        "FROM requests q JOIN users u ON u.id = q.requester_id JOIN sections s ON s.id = q.section_id"
        + where + " ORDER BY q.id"
    )
    return [dict(row, created_at=clock.show(row["created_at"], session.tz)) for row in rows]
