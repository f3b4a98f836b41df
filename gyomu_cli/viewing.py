"""Viewing (Art. 8-2): excerpts of what a granted request names, for its requester.

Only within a granted request, only the granted ranges, each viewing logged:
who viewed, who operated, when, which recording and range. The viewing copy
is written owner-only with a manifest of hashes, recorded in the ledger, and
erased by purge once `viewing_copy_hours` have passed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from gyomu_cli import clock, excerpts, objects, requests, users
from gyomu_cli.errors import UsageError
from gyomu_cli.i18n import _
from gyomu_cli.session import Session
from gyomu_cli.sink import if_full, written


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


def view(session: Session, request_id: int, *, viewer: str, output: Path, recording: int | None = None,
         start: str | None = None, end: str | None = None) -> list[dict]:
    request = requests.step(session, "view", request_id)
    if viewer != request["requester"]:
        session.refuse(
            _("the viewing under request {request_id} is for {requester}, who requested it (Art. 8-2)").format(
                request_id=request_id, requester=request["requester"]
            ),
            f"request:{request_id}",
        )
    items = _narrowed(session, request, recording, start, end)
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


def _excerpt(session: Session, request_id: int, item: dict, viewer: dict, folder: Path) -> dict:
    row = session.ledger.one("SELECT * FROM recordings WHERE id = ?", [item["recording_id"]])
    if row["state"] != "stored" or row["storage_key"] is None:
        raise UsageError(_("recording {recording} holds no stored media to view").format(recording=row["id"]))
    suffix = ".wav" if row["kind"] == "call" else ".mp4"
    target = folder / f"request-{request_id}-recording-{row['id']}-item-{item['id']}{suffix}"
    if target.exists():
        raise UsageError(_("{target} exists already; remove it or choose another --output").format(target=target))
    try:
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError as error:
        raise if_full(error, target) from None
    try:
        with objects.plaintext(session, row) as plain:
            if row["kind"] == "call":
                facts = excerpts.cut_audio(plain, target, item["start_offset"], item["end_offset"], item["channel"])
            else:
                facts = excerpts.cut_video(plain, target, item["start_offset"], item["end_offset"])
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    digest = excerpts.sha256_of(target)
    with session.write() as db:
        viewing_id = db["viewings"].insert(
            {
                "request_id": request_id,
                "item_id": item["id"],
                "viewer_id": viewer["id"],
                "operator": session.actor,
                "at": clock.to_db(clock.now()),
                "path": str(target.absolute()),
                "sha256": digest,
            }
        ).last_pk
        session.audit(
            "recording.viewed", f"recording:{row['id']}", request=request_id, viewer=viewer["login"],
            viewing=viewing_id, start_offset=item["start_offset"], end_offset=item["end_offset"],
            channel=item["channel"],
        )
    return {
        "file": target.name,
        "recording": row["id"],
        "start_offset": item["start_offset"],
        "end_offset": item["end_offset"],
        "channel": item["channel"],
        "sha256": digest,
        **facts,
    }
