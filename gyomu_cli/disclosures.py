"""Provision to third parties (Art. 9-12): a basis, the minimum excerpt, and its return.

Art. 9 allows provision only on five bases; Art. 10 gives the committee only
the minimum necessary part and asks for its return or erasure once its
deliberation ends; Art. 11 applies the same to the other bases on a written
request, and lets an emergency (Art. 9 (5)) go out before the document
arrives. Art. 12 makes recordings retained personal information and
administrative documents: a data subject's request and an information
disclosure request are disclosures with a legal clock (30 days from the day
after receipt, extendable once by 30 days).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
from pathlib import Path

from gyomu_cli import clock, documents, excerpts, holds, objects, package, requests, users
from gyomu_cli.errors import NotFound, StorageError, UsageError
from gyomu_cli.i18n import _
from gyomu_cli.session import Session
from gyomu_cli.sink import if_full

log = logging.getLogger(__name__)

BASES = {
    "committee": "Art. 9 (1)",
    "law": "Art. 9 (2)",
    "investigation": "Art. 9 (3)",
    "staff-crime": "Art. 9 (4)",
    "emergency": "Art. 9 (5)",
    "subject-access": "Art. 12 (個人情報保護法)",
    "information-disclosure": "Art. 12 (情報公開条例)",
}
BASIS_TEXT = {
    "committee": "第三者相談委員会からの資料請求(第9条第1号)",
    "law": "法令の規定に基づく提供(第9条第2号)",
    "investigation": "捜査機関からの文書による要請(第9条第3号)",
    "staff-crime": "職員に対する犯罪への対応(第9条第4号)",
    "emergency": "市長が緊急かつやむを得ないと認めたもの(第9条第5号)",
    "subject-access": "保有個人情報の開示請求(第12条)",
    "information-disclosure": "行政文書の開示請求(第12条)",
}
CLOCKED = {"subject-access", "information-disclosure"}
DECISION_DAYS = 30
ITEM = re.compile(r"(?P<id>\d+)(?:@(?P<start>[\d:.]+)-(?P<end>[\d:.]+))?(?::(?P<party>caller|staff))?")
OBLIGATION = "審議終了後は、議事録の一部として保管するものを除き、返却又は消去をお願いします(第10条第2項)。"


def parse_item(text: str) -> dict:
    match = ITEM.fullmatch(text.strip())
    if not match:
        raise UsageError(_("--item {text!r} is not RECORDING[@FROM-TO][:caller|:staff], e.g. 42@10:16:00-10:19:00").format(text=text))
    return match.groupdict()


def new(
    session: Session,
    *,
    basis: str,
    recipient: str,
    items: list[str],
    output: Path,
    document: Path | None,
    reference: str | None,
    document_pending: bool,
    mayor: str | None,
    received_on: str | None,
    note: str = "",
) -> dict:
    if basis not in BASES:
        raise UsageError(_("basis {basis!r} is not one of Art. 9's: {bases}").format(basis=basis, bases=", ".join(BASES)))
    if not recipient.strip():
        raise UsageError(_("give --recipient: who receives the recordings"))
    if not items:
        raise UsageError(_("give at least one --item RECORDING[@FROM-TO][:caller|:staff]"))
    if document_pending and basis != "emergency":
        session.refuse(
            _("only an emergency (Art. 9 (5)) may go out before its written request (Art. 11-2); {basis} needs --document").format(basis=basis)
        )
    if basis == "emergency" and not mayor:
        raise UsageError(_("an emergency provision records the mayor's decision: give --decided-by (who decided for the mayor)"))
    due = None
    if basis in CLOCKED:
        if not received_on:
            raise UsageError(_("a {basis} request runs on a legal clock: give --received-on DATE (the day it arrived)").format(basis=basis))
        try:
            received = dt.date.fromisoformat(received_on)
        except ValueError:
            raise UsageError(_("--received-on {received_on!r} is not a date like 2026-11-20").format(received_on=received_on)) from None
        due = received + dt.timedelta(days=DECISION_DAYS)
    if output.exists() and any(output.iterdir()):
        raise UsageError(_("--output {output} is not empty; a package goes into a new folder").format(output=output))
    cuts = []
    for text in items:
        wanted = parse_item(text)
        row = requests.recording_row(session, int(wanted["id"]))
        cuts.append((row, requests.parse_range(session, row, wanted["start"], wanted["end"], wanted["party"])))
    users.confirm_actor(session)

    data = output / "data"
    made = [folder for folder in (data, *data.parents) if not folder.exists()]  # deepest first
    try:
        data.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as error:
        _unmake(session, output, made)
        raise if_full(error, data) from None
    os.chmod(output, 0o700)
    now = clock.now()
    stored_document = None  # its object is erased again if the package cannot be made
    try:
        with session.write() as db:
            document_id = None if document_pending else documents.attach(session, "request", document, reference, article="10-1, 11-1")
            if document_id is not None:
                stored_document = session.ledger.one(
                    "SELECT storage_backend, storage_key FROM documents WHERE id = ?", [document_id])
            disclosure_id = db["disclosures"].insert(
                {
                    "basis": basis, "recipient": recipient.strip(), "state": "open", "document_id": document_id,
                    "decided_by": session.actor, "decided_at": clock.to_db(now),
                    "mayor_decided_by": mayor, "mayor_decided_at": clock.to_db(now) if mayor else None,
                    "package_path": str(output.absolute()), "received_on": received_on,
                    "due_on": due.isoformat() if due else None, "note": note, "created_at": clock.to_db(now),
                }
            ).last_pk
            listed = [_cut(session, disclosure_id, n, row, cut, data) for n, (row, cut) in enumerate(cuts, start=1)]
            info = _info(session, disclosure_id, basis, recipient, document_id, mayor, now, reference)
            digest = package.seal(output, info, listed)
            db["disclosures"].update(disclosure_id, {"package_sha256": digest})
            for recording_id in sorted({row["id"] for row, cut in cuts}):
                holds.add(session, recording_id, "disclosure", f"disclosure {disclosure_id}", ref=f"disclosure:{disclosure_id}")
            session.audit(
                "disclosure.made", f"disclosure:{disclosure_id}", basis=basis, recipient=recipient.strip(),
                recordings=sorted({row["id"] for row, cut in cuts}), package_sha256=digest,
                document_pending=document_pending,
            )
    except StorageError as error:
        _unmake(session, output, made, stored_document)
        raise type(error)(_("{error}; the package was not made and no disclosure was recorded").format(error=error)) from None
    except BaseException:
        _unmake(session, output, made, stored_document)
        raise
    return get(session, disclosure_id)


def _unmake(session: Session, output: Path, made: list[Path], stored_document: dict | None = None) -> None:
    """Undo a package that could not be finished: its files, the folders this run made, its document's object."""
    if stored_document and stored_document["storage_key"]:
        key = stored_document["storage_key"]
        try:
            session.storage_named(stored_document["storage_backend"]).erase(key)
        except StorageError as error:
            log.error(_("{key} stays in the store until it may be erased: {error}").format(key=key, error=error))
    for path in sorted(output.rglob("*"), reverse=True):
        if path.is_file():
            os.unlink(path)
    for folder in made:
        try:
            folder.rmdir()
        except OSError:
            return  # something else is in it; it stays


def _cut(session: Session, disclosure_id: int, number: int, row: dict, cut: requests.Range, data: Path) -> dict:
    stored = session.ledger.one("SELECT * FROM recordings WHERE id = ?", [row["id"]])
    if stored["storage_key"] is None:
        raise UsageError(_("recording {recording} holds no stored media to hand out").format(recording=row["id"]))
    suffix = ".wav" if row["kind"] == "call" else ".mp4"
    target = data / f"{number:02d}-recording-{row['id']}{suffix}"
    try:
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError as error:
        raise if_full(error, target) from None
    with objects.plaintext(session, stored) as plain:
        if row["kind"] == "call":
            facts = excerpts.cut_audio(plain, target, cut.start, cut.end, cut.channel)
        else:
            facts = excerpts.cut_video(plain, target, cut.start, cut.end)
    digest = excerpts.sha256_of(target)
    session.db["disclosure_items"].insert(
        {
            "disclosure_id": disclosure_id, "recording_id": row["id"], "start_offset": cut.start,
            "end_offset": cut.end, "channel": cut.channel, "file": target.name, "sha256": digest,
        }
    )
    party = {0: "caller", 1: "staff"}.get(cut.channel)
    return {"file": target.name, "recording": row["id"], "start_offset": cut.start, "end_offset": cut.end,
            "party": party, "sha256": digest, **facts}


def _info(session, disclosure_id, basis, recipient, document_id, mayor, now, reference) -> dict:
    return {
        "id": disclosure_id,
        "organization": session.home.settings.organization,
        "recipient": recipient.strip(),
        "basis_text": BASIS_TEXT[basis],
        "date": now.astimezone(session.tz).date().isoformat(),
        "decided_by": session.actor,
        "mayor": mayor,
        "document": f"document {document_id}" if document_id else "後日受領予定(第11条第2項)",
        "obligation": OBLIGATION,
    }


def get(session: Session, disclosure_id: int) -> dict:
    row = session.ledger.one("SELECT * FROM disclosures WHERE id = ?", [disclosure_id])
    if row is None:
        raise NotFound(_("no disclosure {disclosure_id}; see `gyomu disclose list`").format(disclosure_id=disclosure_id))
    row["items"] = list(session.db.query(
        "SELECT recording_id, start_offset, end_offset, channel, file, sha256 FROM disclosure_items "
        "WHERE disclosure_id = ? ORDER BY id", [disclosure_id]))
    row["document_pending"] = row["document_id"] is None
    row["article"] = BASES[row["basis"]]
    for key in ("decided_at", "mayor_decided_at", "return_requested_at", "returned_at", "closed_at", "created_at"):
        row[key] = clock.show(row[key], session.tz)
    return row


def _open(session: Session, disclosure_id: int) -> dict:
    row = get(session, disclosure_id)
    if row["state"] == "closed":
        raise UsageError(_("disclosure {disclosure_id} is closed").format(disclosure_id=disclosure_id))
    return row


def attach_document(session: Session, disclosure_id: int, path: Path) -> dict:
    if not get(session, disclosure_id)["document_pending"]:
        raise UsageError(_("disclosure {disclosure_id} has its written request already").format(disclosure_id=disclosure_id))
    users.confirm_actor(session)  # the administrator, in person (Art. 9, 11-2)
    with session.write() as db:
        document_id = documents.attach(session, "request", path, None, article="11-2")
        db["disclosures"].update(disclosure_id, {"document_id": document_id})
        session.audit("disclosure.document_recorded", f"disclosure:{disclosure_id}", document=document_id)
    return get(session, disclosure_id)


def return_requested(session: Session, disclosure_id: int, path: Path | None, reference: str | None) -> dict:
    _open(session, disclosure_id)
    users.confirm_actor(session)
    with session.write() as db:
        document_id = documents.attach(session, "other", path, reference, article="10-2")
        db["disclosures"].update(disclosure_id, {
            "state": "return-requested", "return_requested_at": clock.to_db(clock.now()),
            "return_request_document_id": document_id})
        session.audit("disclosure.return_requested", f"disclosure:{disclosure_id}", document=document_id)
    return get(session, disclosure_id)


def returned(session: Session, disclosure_id: int, how: str, path: Path | None, reference: str | None) -> dict:
    row = _open(session, disclosure_id)
    if row["basis"] == "committee" and row["state"] != "return-requested":
        session.refuse(
            _("ask the committee for the return or erasure first (Art. 10-2): `gyomu disclose return-requested {disclosure_id}`").format(
                disclosure_id=disclosure_id
            )
        )
    users.confirm_actor(session)  # closing lifts the holds: the recordings may then be erased
    with session.write() as db:
        document_id = documents.attach(session, "receipt", path, reference, article="10-2")
        now = clock.to_db(clock.now())
        db["disclosures"].update(disclosure_id, {
            "state": "closed", "returned_at": now, "returned_how": how, "return_document_id": document_id, "closed_at": now})
        for hold in holds.list_holds(session):
            if hold["ref"] == f"disclosure:{disclosure_id}":
                holds.release(session, hold["id"])
        session.audit("disclosure.closed", f"disclosure:{disclosure_id}", how=how, document=document_id)
    return get(session, disclosure_id)


def extend(session: Session, disclosure_id: int, reason: str) -> dict:
    row = _open(session, disclosure_id)
    if row["basis"] not in CLOCKED:
        raise UsageError(_("disclosure {disclosure_id} ({basis}) runs on no legal clock").format(disclosure_id=disclosure_id, basis=row["basis"]))
    if row["extension_reason"]:
        session.refuse(_("the decision on disclosure {disclosure_id} was extended once already (30 days)").format(disclosure_id=disclosure_id))
    if not reason.strip():
        raise UsageError(_("an extension gives its reason: --reason"))
    due = dt.date.fromisoformat(row["due_on"]) + dt.timedelta(days=DECISION_DAYS)
    users.confirm_actor(session)
    with session.write() as db:
        db["disclosures"].update(disclosure_id, {"due_on": due.isoformat(), "extension_reason": reason.strip()})
        session.audit("disclosure.extended", f"disclosure:{disclosure_id}", due_on=due.isoformat())
    return get(session, disclosure_id)


def list_disclosures(session: Session, *, open_only: bool = False) -> list[dict]:
    where = " WHERE state != 'closed'" if open_only else ""
    rows = session.db.query(
        "SELECT id, basis, recipient, state, document_id IS NULL AS document_pending, due_on, created_at, "
        "(SELECT count(*) FROM disclosure_items i WHERE i.disclosure_id = d.id) AS items FROM disclosures d"
        + where + " ORDER BY id")
    return [dict(r, document_pending=bool(r["document_pending"]), created_at=clock.show(r["created_at"], session.tz)) for r in rows]


def pending_documents(session: Session) -> list[dict]:
    return list(session.db.query(
        "SELECT id, basis, recipient FROM disclosures WHERE document_id IS NULL ORDER BY id"))
