"""The rtsp camera backend: one camera's stream into segment files.

`RtspCamera.record(out_dir, stop)` runs in the calling thread (the core runs
one thread per camera). It connects with PyAV, copies the video and, when
present and the container takes it, the audio without re-encoding, and cuts
a new segment on the first keyframe once the segment length has passed. When
the connection breaks or stays silent for `timeout` seconds, the open segment
is closed and yielded, and the recorder reconnects with a growing pause
(1, 2, 4 ... up to 30 seconds). When `stop` is set, the open segment is closed
and yielded and `record` returns: at once while packets flow, otherwise once
the read or connection attempt under way gives up (at worst twice `timeout`).
Before connecting, it hands over what a crashed recorder left (recovery.py).

Each closed segment is yielded as a dict:

    path         Path of the closed file in out_dir, named
                 PREFIX-YYYYMMDDTHHMMSSZ.mp4 (or .mkv): the device's name, or
                 a random token, and the UTC start; nothing personal
    started_at   aware UTC datetime of its first keyframe, by the camera's
                 clock when it is believable, else by this machine's (take.py)
    ended_at     started_at + duration
    duration     seconds of video, from the stream's timestamps
    codec        the video codec, e.g. "h264"
    audio_codec  the audio codec, e.g. "aac", or None when no audio was kept
    closed_by    why it ended: "length", "stop", "disconnect",
                 "discontinuity" (the camera's timestamps jumped),
                 "error", or "recovered" (a `.part` left by a crash)

While the consumer handles a yielded segment, the stream is not read; the
network buffers a second or two, so hand segments on quickly.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path

import av

from gyomu_camera_rtsp.messages import _
from gyomu_camera_rtsp.options import CameraOptions, read_options
from gyomu_camera_rtsp.recovery import exclusive, recover
from gyomu_camera_rtsp.take import Take
from gyomu_cli.errors import MediaError, StorageError

log = logging.getLogger(__name__)

BACKOFF_FIRST = 1.0
BACKOFF_MAX = 30.0


class RtspCamera:
    """A CameraBackend for one RTSP camera."""

    def __init__(self, options: CameraOptions):
        self.options = options
        self._formats: dict[str, set[str]] = {}

    @classmethod
    def from_options(cls, home: Path, options: dict) -> RtspCamera:
        return cls(read_options(options))

    def record(self, out_dir: Path, stop) -> Iterator[dict]:
        out_dir = Path(out_dir)
        try:
            out_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as error:
            raise StorageError(
                _("cannot create {folder}: {reason}").format(
                    folder=out_dir, reason=error.strerror
                )
            ) from None
        with exclusive(out_dir, self.options.prefix):
            yield from recover(out_dir, self.options.prefix)
            yield from self._reconnecting(out_dir, stop)

    def _reconnecting(self, out_dir: Path, stop) -> Iterator[dict]:
        delay = BACKOFF_FIRST
        while not stop.is_set():
            try:
                source = self._connect()
            except (av.error.FFmpegError, OSError) as error:
                log.warning(
                    _(
                        "{camera}: cannot connect ({reason}); trying again in {delay:g} s"
                    ).format(
                        camera=self.options.shown_url,
                        reason=_reason(error, self.options.timeout * 2),
                        delay=delay,
                    )
                )
                stop.wait(delay)
                delay = min(delay * 2, BACKOFF_MAX)
                continue
            try:
                recorded = yield from self._session(source, out_dir, stop)
            except MediaError as error:
                # One camera sending what cannot be recorded must not stop the
                # others: say so, and look again after a growing pause.
                log.error("%s: %s", self.options.shown_url, error)
                recorded = False
            finally:
                source.close()
            if stop.is_set():
                break
            delay = BACKOFF_FIRST if recorded else min(delay * 2, BACKOFF_MAX)
            stop.wait(delay)

    def _connect(self) -> av.container.InputContainer:
        # FFmpeg's RTSP reader tries once more after its first timeout, so a
        # silent camera is given up after twice the wait set here.
        wait = self.options.timeout / 2
        options = {
            "rtsp_transport": self.options.transport,
            "timeout": str(int(wait * 1_000_000)),
        }
        # Opening waits for the stream's parameters, which takes a GOP or two.
        opening = self.options.timeout * 2
        return av.open(self.options.url, options=options, timeout=(opening, wait))

    def _session(self, source, out_dir: Path, stop):
        """Record one connection; returns whether any segment was started."""
        video, audio = self._streams(source)
        packets = source.demux(*([video] if audio is None else [video, audio]))
        take = Take(self.options, source, out_dir, video, audio)
        closed_by = "stop"
        try:
            while not stop.is_set():
                try:
                    packet = next(packets)
                except (StopIteration, av.error.FFmpegError, OSError) as error:
                    log.warning(
                        _("{camera}: connection lost ({reason}); reconnecting").format(
                            camera=self.options.shown_url,
                            reason=_reason(error, self.options.timeout),
                        )
                    )
                    closed_by = "disconnect"
                    break
                yield from take.add(packet)
        except BaseException:
            take.abandon()
            raise
        yield from take.finish(closed_by)
        return take.recorded

    def _streams(self, source):
        supported = self._supported(self.options.format)
        video = next(iter(source.streams.video), None)
        if video is None:
            raise MediaError(_("the stream has no video; check the device option url"))
        if video.codec_context.name not in supported:
            other = "mkv" if self.options.format == "mp4" else "mp4"
            raise MediaError(
                _(
                    "{container} cannot hold the camera's {codec} video without re-encoding; try the device option container={other}"
                ).format(
                    container=self.options.format,
                    codec=video.codec_context.name,
                    other=other,
                )
            )
        audio = next(iter(source.streams.audio), None)
        if audio is not None and audio.codec_context.name not in supported:
            log.warning(
                _(
                    "{camera}: {codec} audio cannot go into {container} without re-encoding; recording video only"
                ).format(
                    camera=self.options.shown_url,
                    codec=audio.codec_context.name,
                    container=self.options.format,
                )
            )
            audio = None
        return video, audio

    def _supported(self, format_name: str) -> set[str]:
        if format_name not in self._formats:
            probe = av.open(os.devnull, "w", format=format_name)
            self._formats[format_name] = set(probe.supported_codecs)
            probe.close()
        return self._formats[format_name]


def _reason(error: BaseException, waited: float) -> str:
    """An FFmpeg error in words, without the address (it may hold a password)."""
    if isinstance(error, StopIteration):
        return _("the stream ended")
    if isinstance(error, (av.error.ExitError, TimeoutError)):
        return _("nothing received for {waited:g} s").format(waited=waited)
    text = getattr(error, "strerror", None) or str(error)
    return re.sub(r"\w+://\S+", "the camera", text).strip(" :'\"")
