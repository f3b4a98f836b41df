"""What one connection records: where segments are cut, and when they started.

A segment opens on the connection's first video keyframe, and the next one on
the first keyframe once the segment length has passed. FFmpeg hands that first
keyframe over without timestamps; stamps.py derives them from the packets
after it, so that nothing of the connection is lost. A video DTS that jumps
(the camera restarted its clock) closes the segment at once; the next keyframe
opens a new one on the new timeline.

A segment's start is the camera's own clock, which FFmpeg learns from the
first RTCP report (`start_time_realtime`, often a second after the first
keyframe), as long as it is within five minutes of this machine's. Otherwise,
and for cameras that send no such report, it is this machine's clock at the
connection's first keyframe plus the stream time since, so that segments of one
connection follow each other without gaps or overlaps. The packets read while
FFmpeg probes the stream come in a burst, a second or more after that keyframe
was sent, so its time is taken as the earliest that any later video packet's
arrival allows (its arrival less the stream time between the two), until the
first segment is dated; from then on it stays. Segments are dated when they
close, when the camera's clock is most likely known, and named for that date
then (while open, a `.part` carries the date known at its first keyframe).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

from gyomu_camera_rtsp.messages import _
from gyomu_camera_rtsp.options import CameraOptions
from gyomu_camera_rtsp.segment import Segment
from gyomu_camera_rtsp.stamps import Stamps
from gyomu_cli.errors import GyomuError

log = logging.getLogger(__name__)

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
# Keyframe times carry jitter: a keyframe this close to the segment length cuts.
CUT_TOLERANCE = Fraction(1, 20)
# A video DTS this far backwards or forwards is a new timeline, not a late packet.
MAX_JUMP_BACK = Fraction(1)
MAX_JUMP_AHEAD = Fraction(10)
# A camera clock further than this from ours is not believed (unset, or drifted).
MAX_SKEW = dt.timedelta(minutes=5)


class Take:
    """The segments of one connection: `add` each packet, then `finish`."""

    def __init__(self, options: CameraOptions, source, out_dir: Path, video, audio):
        self.options = options
        self.source = source
        self.out_dir = out_dir
        self.video = video
        self.audio = audio
        self.segment: Segment | None = None
        self.anchor: tuple[int, dt.datetime] | None = None  # (pts, our clock)
        self.anchor_settled = False  # a segment was dated by it
        self.last_dts: int | None = None
        self.recorded = False
        self.skew_reported = False
        self.stamps = Stamps(video, (video, audio))

    def add(self, packet) -> Iterator[dict]:
        """Write one packet; yields a segment when this packet closes one."""
        if packet.size == 0:
            return
        arrived = dt.datetime.now(dt.UTC)
        for placed, when in self.stamps.place(packet, arrived):
            yield from self._write(placed, when)

    def _write(self, packet, arrived: dt.datetime) -> Iterator[dict]:
        if packet.stream.index == self.video.index:
            if self._jumped(packet.dts):
                log.warning(
                    _("{camera}: the camera's timestamps jumped").format(
                        camera=self.options.shown_url
                    )
                )
                yield from self._close("discontinuity")
                self.anchor, self.anchor_settled = None, False
            self.last_dts = packet.dts
            if packet.is_keyframe and self._due(packet.dts):
                yield from self._close("length", packet.dts)
                self._open(packet, arrived)
            self._settle(packet, arrived)
        if self.segment is not None:
            self.segment.write(packet)

    def finish(self, closed_by: str) -> Iterator[dict]:
        self.stamps.drop_held()
        yield from self._close(closed_by)
        if self.stamps.left_out:
            log.warning(
                _(
                    "{camera}: packets without timestamps that could not be derived were left out ({count} in this connection)"
                ).format(camera=self.options.shown_url, count=self.stamps.left_out)
            )

    def abandon(self) -> None:
        """Something went wrong: keep what the open segment holds, under its name."""
        segment, self.segment = self.segment, None
        if segment is None or segment.done:
            return
        try:
            closed = segment.close("error")
            log.warning(
                _("segment {segment} was closed but not handed over").format(
                    segment=closed["path"].name
                )
            )
        except GyomuError as error:
            log.error(
                _("segment {segment} could not be closed: {error}").format(
                    segment=segment.part.name, error=error
                )
            )

    def _jumped(self, dts: int) -> bool:
        if self.last_dts is None:
            return False
        seconds = (dts - self.last_dts) * self.video.time_base
        return seconds < -MAX_JUMP_BACK or seconds > MAX_JUMP_AHEAD

    def _due(self, dts: int) -> bool:
        if self.segment is None:
            return True
        return self.segment.elapsed(dts) >= self.options.segment - CUT_TOLERANCE

    def _open(self, keyframe, arrived: dt.datetime) -> None:
        if self.anchor is None:
            self.anchor = (_pts(keyframe), arrived)
        started_at = self._dated(_pts(keyframe))
        self.segment = Segment(
            self.out_dir,
            self._stem(started_at),
            self.options.suffix,
            self.options.format,
            self.video,
            self.audio,
            keyframe,
        )
        self.recorded = True

    def _close(self, closed_by: str, end_dts: int | None = None) -> Iterator[dict]:
        segment, self.segment = self.segment, None
        if segment is None:
            return
        started_at = self._dated(segment.first_pts)
        self.anchor_settled = True
        closed = segment.close(closed_by, end_dts, self._stem(started_at))
        yield {
            "path": closed.pop("path"),
            "started_at": started_at,
            "ended_at": started_at + dt.timedelta(seconds=closed["duration"]),
            **closed,
        }

    def _stem(self, started_at: dt.datetime) -> str:
        return f"{self.options.prefix}-{started_at:%Y%m%dT%H%M%SZ}"

    def _settle(self, packet, arrived: dt.datetime) -> None:
        """Move our clock's anchor earlier when a later packet shows it came sooner."""
        if self.anchor is None or self.anchor_settled:
            return
        first_pts, first_wall = self.anchor
        since = (_pts(packet) - first_pts) * self.video.time_base
        sent_by = arrived - dt.timedelta(seconds=float(since))
        if sent_by < first_wall:
            self.anchor = (first_pts, sent_by)

    def _dated(self, pts: int) -> dt.datetime:
        """When the video frame at `pts` was captured, as well as can be told."""
        first_pts, first_wall = self.anchor
        since = (pts - first_pts) * self.video.time_base
        ours = first_wall + dt.timedelta(seconds=float(since))
        realtime = self.source.start_time_realtime
        if realtime is None:
            return ours
        theirs = EPOCH + dt.timedelta(
            microseconds=realtime, seconds=float(pts * self.video.time_base)
        )
        if abs(theirs - ours) <= MAX_SKEW:
            return theirs
        if not self.skew_reported:
            self.skew_reported = True
            log.warning(
                _(
                    "{camera}: the camera's clock is {seconds} s off this machine's; using this machine's"
                ).format(
                    camera=self.options.shown_url,
                    seconds=int((theirs - ours).total_seconds()),
                )
            )
        return ours


def _pts(packet) -> int:
    return packet.pts if packet.pts is not None else packet.dts
