"""Viewing (Art. 8-2): excerpts of what a granted request names, for its requester.

Only within a granted request, only the granted ranges, each viewing logged:
who viewed, who operated, when, which recording and range.

An excerpt reaches the requester one of two ways. As a copy: written
owner-only into a folder with a manifest of hashes, recorded in the ledger
with its path, and erased by purge once `viewing_copy_hours` have passed. Or
streamed (`stream`): one excerpt is made in the home's tmp/, its bytes are
copied to a pipe into the viewer's player, and the work file is overwritten
and removed; the ledger records the viewing with its hash and no path, so
purge has nothing to erase.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import BinaryIO

from gyomu_cli import clock, excerpts, objects, requests, shred, users
from gyomu_cli.errors import StorageFull, UsageError
from gyomu_cli.i18n import _, english
from gyomu_cli.session import Session
from gyomu_cli.sink import if_full, written

CHUNK = 1 << 16  # what goes into the pipe at a time; a pipe holds 64 KiB on Linux


def _output(folder: Path) -> Path:
    if folder.exists() and not folder.is_dir():
        raise UsageError(_("--output {folder} is not a folder").format(folder=folder))
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as error:
        raise if_full(error, folder) from None
    return folder


EPSILON = 0.0005  # half a millisecond: times are given to the millisecond


def _narrowed(session: Session, request: dict, recording: int | None, start: str | None, end: str | None) -> list[dict]:
    """The granted items to view, narrowed to one recording or a part of its range."""
    items = [i for i in request["items"] if recording is None or i["recording_id"] == recording]
    if not items:
        session.refuse(
            _("recording {recording} is not part of request {request_id} (Art. 8-2)").format(recording=recording, request_id=request["id"]),
            f"request:{request['id']}",
        )
    if start is None and end is None:
        return items
    narrowed = []
    for item in items:
        row = requests.recording_row(session, item["recording_id"])
        wanted = requests.parse_range(session, row, start, end, None, clamp=False)
        if wanted.start < item["start_offset"] - EPSILON or wanted.end > item["end_offset"] + EPSILON:
            session.refuse(
                _("that range of recording {recording} is outside what request {request_id} granted (Art. 8-2)").format(
                    recording=item["recording_id"], request_id=request["id"]
                ),
                f"request:{request['id']}",
            )
        narrowed.append(dict(item, start_offset=wanted.start, end_offset=wanted.end))
    return narrowed


def _granted(session: Session, request_id: int, viewer: str, recording: int | None, start: str | None,
             end: str | None) -> list[dict]:
    """The items `viewer` may view now under the request; an audited refusal otherwise."""
    request = requests.step(session, "view", request_id)
    if viewer != request["requester"]:
        session.refuse(
            _("the viewing under request {request_id} is for {requester}, who requested it (Art. 8-2)").format(
                request_id=request_id, requester=request["requester"]
            ),
            f"request:{request_id}",
        )
    return _narrowed(session, request, recording, start, end)


def view(session: Session, request_id: int, *, viewer: str, output: Path, recording: int | None = None,
         start: str | None = None, end: str | None = None) -> list[dict]:
    items = _granted(session, request_id, viewer, recording, start, end)
    viewer_row = users.get(session, viewer)
    users.confirm_actor(session)
    folder = _output(output)
    copies = []
    for item in items:
        copies.append(_excerpt(session, request_id, item, viewer_row, folder))
    manifest = {"request": request_id, "viewer": viewer, "operator": session.actor, "copies": copies}
    with written(folder / f"request-{request_id}-manifest.json") as out:
        out.write(json.dumps(manifest, ensure_ascii=False, indent=2).encode())
    return copies


def _stored(session: Session, item: dict) -> dict:
    row = session.ledger.one("SELECT * FROM recordings WHERE id = ?", [item["recording_id"]])
    if row["state"] != "stored" or row["storage_key"] is None:
        raise UsageError(_("recording {recording} holds no stored media to view").format(recording=row["id"]))
    return row


def _cut(session: Session, row: dict, item: dict, target: Path, streamable: bool = False) -> dict:
    """Write the item's excerpt of the stored recording `row` to `target`; its media facts."""
    with objects.plaintext(session, row) as plain:
        if row["kind"] == "call":
            return excerpts.cut_audio(plain, target, item["start_offset"], item["end_offset"], item["channel"])
        return excerpts.cut_video(plain, target, item["start_offset"], item["end_offset"], streamable=streamable)


def _record(session: Session, request_id: int, item: dict, row: dict, viewer: dict, path: Path | None,
            digest: str) -> int:
    """The viewing in the ledger, with its audit event; its id."""
    with session.write() as db:
        viewing_id = db["viewings"].insert(
            {
                "request_id": request_id,
                "item_id": item["id"],
                "viewer_id": viewer["id"],
                "operator": session.actor,
                "at": clock.to_db(clock.now()),
                "path": None if path is None else str(path.absolute()),
                "sha256": digest,
            }
        ).last_pk
        where = {"streamed": True} if path is None else {}
        session.audit(
            "recording.viewed", f"recording:{row['id']}", request=request_id, viewer=viewer["login"],
            viewing=viewing_id, start_offset=item["start_offset"], end_offset=item["end_offset"],
            channel=item["channel"], **where,
        )
    return viewing_id


def _excerpt(session: Session, request_id: int, item: dict, viewer: dict, folder: Path) -> dict:
    row = _stored(session, item)
    suffix = ".wav" if row["kind"] == "call" else ".mp4"
    target = folder / f"request-{request_id}-recording-{row['id']}-item-{item['id']}{suffix}"
    if target.exists():
        raise UsageError(_("{target} exists already; remove it or choose another --output").format(target=target))
    try:
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError as error:
        raise if_full(error, target) from None
    try:
        facts = _cut(session, row, item, target)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    digest = excerpts.sha256_of(target)
    _record(session, request_id, item, row, viewer, target, digest)
    return {
        "file": target.name,
        "recording": row["id"],
        "start_offset": item["start_offset"],
        "end_offset": item["end_offset"],
        "channel": item["channel"],
        "sha256": digest,
        **facts,
    }


def stream(session: Session, request_id: int, *, viewer: str, out: BinaryIO, recording: int | None = None,
           start: str | None = None, end: str | None = None) -> dict:
    """View one excerpt without a copy: its bytes go to `out`, a pipe into the viewer's player.

    The viewing is recorded before the first byte goes out: once the player
    has begun, the requester has begun to view. A player that stops reading
    (BrokenPipeError) ends the viewing early; that is audited as
    `viewing.stream_stopped` with how many bytes went into the pipe, and is
    not an error. The work file is overwritten and removed whatever happens.
    """
    items = _granted(session, request_id, viewer, recording, start, end)
    if len(items) != 1:
        raise UsageError(
            _("--output - streams one excerpt, and request {request_id} names {count}: "
              "choose one with --recording ({recordings})").format(
                request_id=request_id, count=len(items),
                recordings=", ".join(str(i["recording_id"]) for i in items),
            )
        )
    [item] = items
    viewer_row = users.get(session, viewer)
    users.confirm_actor(session)
    row = _stored(session, item)
    work = session.home.tmp / f"{uuid.uuid4().hex}{'.wav' if row['kind'] == 'call' else '.mp4'}"
    kept = os.open(work, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # reaches the bytes even once unlinked
    try:
        try:
            facts = _cut(session, row, item, work, streamable=True)
        except StorageFull:
            raise StorageFull(
                _("no space left in {folder} to make the excerpt of recording {recording}; "
                  "free space there (nothing was viewed)").format(folder=session.home.tmp, recording=row["id"])
            ) from None
        size = work.stat().st_size
        digest = excerpts.sha256_of(work)
        viewing_id = _record(session, request_id, item, row, viewer_row, None, digest)
        sent, stopped = _send(session, work, out, viewing_id, size)
    finally:
        _erase(kept, work)
    return {
        "viewing": viewing_id,
        "recording": row["id"],
        "start_offset": item["start_offset"],
        "end_offset": item["end_offset"],
        "channel": item["channel"],
        "sha256": digest,
        "size": size,
        "sent": sent,
        "stopped": stopped,
        **facts,
    }


def _send(session: Session, work: Path, out: BinaryIO, viewing_id: int, size: int) -> tuple[int, bool]:
    """Copy the work file to `out`: bytes sent, and whether the reader stopped early."""
    sent = 0
    try:
        with open(work, "rb") as data:
            while chunk := data.read(CHUNK):
                out.write(chunk)
                out.flush()
                sent += len(chunk)
    except BrokenPipeError:
        session.audit("viewing.stream_stopped", f"viewing:{viewing_id}", sent=sent, size=size,
                      reason="the player stopped reading")
        return sent, True
    except BaseException as error:
        session.audit("viewing.stream_stopped", f"viewing:{viewing_id}", outcome="failed", sent=sent, size=size,
                      reason=str(english(error)) or type(error).__name__)
        raise
    return sent, False


def _erase(fd: int, path: Path) -> None:
    """Overwrite the work file's bytes through `fd` (also once the path is gone), then remove it."""
    try:
        shred.overwrite(fd)
    finally:
        os.close(fd)
        path.unlink(missing_ok=True)
