"""One segment file: packets copied as they came, under a `.part` name until closed.

A segment starts on a video keyframe. Every packet's timestamps are moved so
that this keyframe's decoding time is zero, in each stream's own time base, and
the packets are muxed without decoding. Fragmented MP4 writes a fragment at
every keyframe and Matroska a cluster every few seconds, so a crash leaves a
readable `.part` holding everything up to its last fragment.

The file is created owner-only and written through a Sink, so that no failed
write goes unnoticed. It gets its final name only once the muxer has written
its trailer and the bytes are on disk: the stem it was opened with, or the one
given when closing (its start as known by then). Out of space, the partial file
is removed and StorageFull raised: nothing already closed is touched.
"""

from __future__ import annotations

import errno
import logging
import os
from fractions import Fraction
from pathlib import Path

import av

from gyomu_camera_rtsp.messages import _
from gyomu_camera_rtsp.sink import Sink
from gyomu_cli.errors import MediaError, StorageError, StorageFull

log = logging.getLogger(__name__)

PART = ".part"
FULL = (errno.ENOSPC, errno.EDQUOT)
# Hand each packet to the kernel at once: a crash then loses only what the
# muxer itself still holds (the MP4 fragment or Matroska cluster being built).
WRITE_OPTIONS = {"flush_packets": "1"}
MP4_OPTIONS = {
    **WRITE_OPTIONS,
    "movflags": "frag_keyframe+empty_moov+default_base_moof",
}


class Segment:
    """An open segment file. `write` each packet, then `close` or `discard`."""

    def __init__(
        self,
        out_dir: Path,
        stem: str,
        suffix: str,
        format_name: str,
        video: av.stream.Stream,
        audio: av.stream.Stream | None,
        keyframe: av.Packet,
    ):
        self.video_in = video
        self.first_pts = keyframe.pts if keyframe.pts is not None else keyframe.dts
        self.base = {video.index: keyframe.dts}
        if audio is not None:
            seconds = keyframe.dts * video.time_base
            self.base[audio.index] = round(seconds / audio.time_base)
        self.last_dts: dict[int, int] = {}
        self.end = 0  # video end, in the video time base, from the keyframe
        self.refused = 0  # packets the muxer would not take
        self.done = False  # closed or discarded
        self.path, self.part, fd = _reserve(out_dir, stem, suffix)
        self.sink = Sink(fd)
        self.output = None

        options = MP4_OPTIONS if format_name == "mp4" else WRITE_OPTIONS
        try:
            self.output = av.open(self.sink, "w", format=format_name, options=options)
            self.streams = {video.index: self.output.add_stream_from_template(video)}
            if audio is not None:
                self.streams[audio.index] = self.output.add_stream_from_template(audio)
            self.output.start_encoding()
        except (av.error.FFmpegError, OSError, ValueError) as error:
            if self.sink.error is not None or isinstance(error, OSError):
                raise self._failed(self.sink.error or error) from None
            self.discard()
            raise MediaError(
                _(
                    "the camera's {codec} stream cannot be copied into {container}: {error}"
                ).format(
                    codec=video.codec_context.name, container=format_name, error=error
                )
            ) from None

    def elapsed(self, dts: int) -> Fraction:
        """Seconds from this segment's first keyframe to a video DTS."""
        return (dts - self.base[self.video_in.index]) * self.video_in.time_base

    def write(self, packet: av.Packet) -> None:
        index = packet.stream.index
        dts = packet.dts - self.base[index]
        pts = packet.pts - self.base[index] if packet.pts is not None else dts
        if dts < 0:
            return  # audio from before the first keyframe
        last = self.last_dts.get(index)
        if last is not None and dts <= last:
            dts = last + 1  # the muxer needs rising DTS; a camera sometimes repeats one
        pts = max(pts, dts)
        self.last_dts[index] = dts
        packet.dts, packet.pts = dts, pts
        if index == self.video_in.index:
            self.end = max(self.end, dts + (packet.duration or 0))
        packet.stream = self.streams[index]
        try:
            self.output.mux_one(packet)
        except (av.error.FFmpegError, OSError, ValueError) as error:
            if self.sink.error is not None or isinstance(error, OSError):
                raise self._failed(self.sink.error or error) from None
            self.refused += 1
            if self.refused == 1:
                log.warning(
                    _(
                        "{segment}: the muxer refused a packet ({error}); skipping such packets"
                    ).format(segment=self.path.name, error=error)
                )

    def close(
        self, closed_by: str, end_dts: int | None = None, stem: str | None = None
    ) -> dict:
        """Finish the file, give it its final name, and describe it.

        `end_dts` is the video DTS where the next segment starts, when known;
        `stem` the final name without suffix, when it is not the one opened.
        The description has every key of a yielded segment but the times.
        """
        if end_dts is not None:
            self.end = end_dts - self.base[self.video_in.index]
        try:
            self.output.close()
        except (av.error.FFmpegError, OSError) as error:
            if self.sink.error is None and not isinstance(error, OSError):
                log.warning(
                    _(
                        "{segment}: the muxer could not finish the file ({error}); "
                        "it is kept, readable up to its last fragment"
                    ).format(segment=self.path.name, error=error)
                )
        try:
            if self.sink.error is not None:
                raise self.sink.error
            self.sink.sync()
            self.sink.close()
            if stem is not None:
                self.path = self.path.with_name(f"{stem}{self.path.suffix}")
            self.path = free_name(self.path)
            os.rename(self.part, self.path)
            _sync(self.path.parent)
        except OSError as error:
            raise self._failed(self.sink.error or error) from None
        self.done = True

        audio = [s for i, s in self.streams.items() if i != self.video_in.index]
        return {
            "path": self.path,
            "duration": float(self.end * self.video_in.time_base),
            "codec": self.video_in.codec_context.name,
            "audio_codec": audio[0].codec_context.name if audio else None,
            "closed_by": closed_by,
        }

    def _failed(self, error: OSError) -> StorageError:
        """The error to raise for a failed write, after dealing with the file.

        Out of space, the partial file is removed. Any other failure (a disk
        error, a lost mount) keeps it as `.part` for the next recorder to
        recover.
        """
        if error.errno in FULL:
            self.discard()
            return StorageFull(
                _(
                    "no space left in {folder} while recording: recording stopped, the unfinished segment was removed and nothing stored was deleted; free space or add storage, then start capture again"
                ).format(folder=self.part.parent)
            )
        self.done = True
        self.sink.close()
        reason = error.strerror or str(error)
        return StorageError(
            _(
                "cannot write the segment {segment}: {reason}; recording stopped and the partial file was kept"
            ).format(segment=self.part, reason=reason)
        )

    def discard(self) -> None:
        """Drop the unfinished file (only ever the `.part` of this segment)."""
        self.done = True
        try:
            if self.output is not None:
                self.output.close()
        except (av.error.FFmpegError, OSError):
            pass  # the file goes anyway; its writer's error is the one that counts
        self.sink.close()
        self.part.unlink(missing_ok=True)


def _reserve(out_dir: Path, stem: str, suffix: str) -> tuple[Path, Path, int]:
    """A final name no file has, and its `.part` created owner-only and opened."""
    for attempt in range(1000):
        name = f"{stem}{suffix}" if attempt == 0 else f"{stem}-{attempt}{suffix}"
        path = out_dir / name
        part = out_dir / f"{name}{PART}"
        if path.exists():
            continue
        try:
            fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        except OSError as error:
            if error.errno in FULL:
                raise StorageFull(
                    _(
                        "no space left in {folder} for a new segment: recording stopped and nothing stored was deleted; free space or add storage, then start capture again"
                    ).format(folder=out_dir)
                ) from None
            raise StorageError(
                _("cannot create a segment in {folder}: {reason}").format(
                    folder=out_dir, reason=error.strerror
                )
            ) from None
        return path, part, fd
    raise StorageError(
        _("{folder} already holds 1000 segments named {stem}; move them away").format(
            folder=out_dir, stem=stem
        )
    )


def free_name(path: Path) -> Path:
    """`path`, or a numbered variant when a file took that name meanwhile."""
    for attempt in range(1000):
        name = path if attempt == 0 else path.with_stem(f"{path.stem}-{attempt}")
        if not name.exists():
            return name
    raise FileExistsError(
        errno.EEXIST, _("1000 files already have this name"), str(path)
    )


def _sync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
