"""Timestamps for the packets a connection hands over without them.

FFmpeg's RTSP reader hands over the first video keyframe of a connection with
neither DTS nor PTS; the packets after it have both. That keyframe is the start
of the recording: without it, nothing up to the next keyframe can be decoded.
So a connection's packets are held back until the first video packet with a
known DTS, however many come without one before it. Each earlier packet of a
stream is given the DTS of the packet after it minus its own duration (or,
when the packet states none, one frame at the stream's rate). A packet without
a DTS later on gets the DTS of the packet before it plus that packet's
duration. A missing PTS is taken to be the DTS, and a derived DTS never passes
the PTS. Held packets are then handed on in the order they came, so that
segments open on that first keyframe.

A packet whose DTS cannot be derived (no neighbour with one, no duration, no
rate) is left out and counted, and so is one still held when the hold grows
past HOLD_MAX packets or the connection ends before any video DTS came.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from fractions import Fraction

import av

log = logging.getLogger(__name__)

# Packets held while no video DTS is known: some seconds of video and audio.
HOLD_MAX = 500


class Stamps:
    """Gives every packet of one connection a DTS: `place` each as it comes."""

    def __init__(self, video, streams):
        self.video = video
        self.steps = {s.index: _step(s) for s in streams if s is not None}
        self.held: list[tuple[av.Packet, dt.datetime]] = []
        self.timed = False  # a video DTS is known
        self.last: dict[int, tuple[int, int]] = {}  # stream: its last (dts, duration)
        self.left_out = 0

    def place(
        self, packet, arrived: dt.datetime
    ) -> Iterator[tuple[av.Packet, dt.datetime]]:
        """The packets ready to be written, each with a DTS and when it came."""
        if self.timed:
            if self._follow(packet):
                yield packet, arrived
            return
        self.held.append((packet, arrived))
        if packet.stream.index != self.video.index or packet.dts is None:
            if len(self.held) > HOLD_MAX:
                oldest, _ = self.held.pop(0)
                if oldest.dts is None:
                    self._leave_out("no video timestamp came in time")
            return
        self.timed = True
        held, self.held = self.held, []
        self._count_back([p for p, _ in held])
        for packet, arrived in held:
            if self._follow(packet):
                yield packet, arrived

    def drop_held(self) -> None:
        """The connection ended before any video DTS: what is held goes."""
        for packet, _ in self.held:
            if packet.dts is None:
                self._leave_out("the connection ended before a video timestamp")
        self.held = []

    def _count_back(self, held: list[av.Packet]) -> None:
        """Give the held packets before each stream's first known DTS their own."""
        for index in {p.stream.index for p in held}:
            own = [p for p in held if p.stream.index == index]
            known = next((i for i, p in enumerate(own) if p.dts is not None), None)
            if known is None:
                continue
            dts = own[known].dts
            for packet in reversed(own[:known]):
                step = packet.duration or self.steps.get(index)
                if not step:
                    break  # the ones before stay without; _follow leaves them out
                dts -= step
                _set(packet, dts)
                dts = packet.dts

    def _follow(self, packet) -> bool:
        """Give a packet without DTS the one after its stream's last; False if none."""
        index = packet.stream.index
        if packet.dts is None:
            last_dts, last_duration = self.last.get(index, (None, 0))
            step = last_duration or self.steps.get(index)
            if last_dts is None or not step:
                self._leave_out("no timestamp to count on from")
                return False
            _set(packet, last_dts + step)
        self.last[index] = (packet.dts, packet.duration or 0)
        return True

    def _leave_out(self, why: str) -> None:
        self.left_out += 1
        log.debug("a packet without a timestamp is left out: %s", why)


def _set(packet, dts: int) -> None:
    """Set a derived DTS (and a missing PTS), never past the packet's PTS."""
    if packet.pts is None:
        packet.pts = dts
    packet.dts = min(dts, packet.pts)


def _step(stream) -> int | None:
    """One frame of `stream` in its own time base, when its rate is known."""
    seconds = None
    if stream.type == "video":
        rate = stream.average_rate or stream.guessed_rate
        seconds = 1 / Fraction(rate) if rate else None
    elif stream.type == "audio":
        context = stream.codec_context
        if context.frame_size and context.sample_rate:
            seconds = Fraction(context.frame_size, context.sample_rate)
    if seconds is None or not stream.time_base:
        return None
    return max(1, round(seconds / stream.time_base))
