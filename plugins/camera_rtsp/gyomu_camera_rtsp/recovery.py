"""Segments a crash left behind, and the lock that keeps two recorders apart.

A recorder killed mid-segment leaves `NAME.part`. Fragmented MP4 and Matroska
are readable up to their last fragment, so the next recorder of the same
camera gives such a file its final name and hands it over like any other
segment, before it connects. A `.part` that holds no readable video (the crash
came before the first fragment) is renamed `NAME.damaged` and reported: set
aside, never deleted.

Only one recorder may write a camera's files in a folder at a time, or one
would take the other's open `.part` for a leftover; a lock file enforces it.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import logging
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import av

from gyomu_camera_rtsp.messages import _
from gyomu_camera_rtsp.segment import PART, free_name
from gyomu_cli.errors import Locked, MediaError, StorageError

log = logging.getLogger(__name__)

NAME = re.compile(r"(?P<prefix>.+)-(?P<stamp>\d{8}T\d{6}Z)(?:-\d+)?\.(?:mp4|mkv)\.part")


@contextmanager
def exclusive(out_dir: Path, prefix: str):
    """Hold the camera's lock in `out_dir`, or raise Locked at once."""
    path = out_dir / f".{prefix}.lock"
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as error:
        raise StorageError(
            _("cannot create the lock file {path}: {reason}").format(
                path=path, reason=error.strerror
            )
        ) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Locked(
                _(
                    "another recorder is already writing camera {prefix}'s segments in {folder}"
                ).format(prefix=prefix, folder=out_dir)
            ) from None
        yield
    finally:
        os.close(fd)


def recover(out_dir: Path, prefix: str) -> Iterator[dict]:
    """Name and describe each readable `.part` of this camera; set aside the rest."""
    for part in sorted(out_dir.iterdir()):
        match = NAME.fullmatch(part.name)
        if match is None or match["prefix"] != prefix:
            continue
        final = part.with_name(part.name[: -len(PART)])
        try:
            facts = _probe(part)
        except MediaError as error:
            aside = free_name(final.with_name(f"{final.name}.damaged"))
            _rename(part, aside)
            log.warning(
                _(
                    "{part} holds no readable video ({error}); set aside as {aside}"
                ).format(part=part.name, error=error, aside=aside.name)
            )
            continue
        final = free_name(final)
        _rename(part, final)
        log.warning(
            _("{part} was left by an interrupted recorder; kept as {final}").format(
                part=part.name, final=final.name
            )
        )
        started_at = dt.datetime.strptime(match["stamp"], "%Y%m%dT%H%M%SZ")
        started_at = started_at.replace(tzinfo=dt.UTC)
        yield {
            "path": final,
            "started_at": started_at,
            "ended_at": started_at + dt.timedelta(seconds=facts["duration"]),
            **facts,
            "closed_by": "recovered",
        }


def _rename(source: Path, target: Path) -> None:
    try:
        os.rename(source, target)
    except OSError as error:
        raise StorageError(
            _("cannot rename {source} to {target}: {reason}").format(
                source=source, target=target.name, reason=error.strerror
            )
        ) from None


def _probe(path: Path) -> dict:
    """Duration and codecs of what a partial file holds, read packet by packet."""
    try:
        with av.open(str(path)) as media:
            video = next(iter(media.streams.video), None)
            if video is None:
                raise MediaError(_("no video stream"))
            audio = next(iter(media.streams.audio), None)
            first = end = None
            for packet in media.demux(video):
                if packet.dts is None:
                    continue
                first = packet.dts if first is None else first
                end = packet.dts + (packet.duration or 0)
            if first is None:
                raise MediaError(_("no video packet"))
            return {
                "duration": float((end - first) * video.time_base),
                "codec": video.codec_context.name,
                "audio_codec": audio.codec_context.name if audio else None,
            }
    except av.error.FFmpegError as error:
        raise MediaError(str(error.strerror or error)) from None
