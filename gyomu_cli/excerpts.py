"""Excerpts: the minimum part of a recording that was asked for (Art. 8, 10).

Audio is cut sample-exact with soundfile, optionally one channel (one party of
a two-channel call). Video is copied packet by packet with PyAV, without
re-encoding: the copy starts at the keyframe at or before the asked start, so
it may begin up to one keyframe interval early; how early is reported, and
nothing past the asked end is copied.

A video excerpt for a pipe (`streamable`) is a fragmented MP4: an empty
index first, then self-contained fragments, so a player reading it from
stdin never needs to seek. An ordinary MP4 has its index at the end and
cannot be played that way.

Both are written through a Sink (gyomu_cli.sink): an excerpt is kept only when
every byte of it reached the disk; a full disk raises StorageFull and leaves
no unfinished file behind.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from gyomu_cli.errors import MediaError
from gyomu_cli.i18n import _
from gyomu_cli.sink import written


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as data:
        while chunk := data.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def cut_audio(source: Path, target: Path, start: float, end: float, channel: int | None = None) -> dict:
    import soundfile

    with soundfile.SoundFile(source) as sound:
        rate = sound.samplerate
        first = int(round(start * rate))
        last = min(int(round(end * rate)), sound.frames)
        if first >= last:
            raise MediaError(_("the range {start:.3f}-{end:.3f} s holds no audio").format(start=start, end=end))
        if channel is not None and channel >= sound.channels:
            raise MediaError(
                _("the recording has {channels} channel(s); there is no channel {channel}").format(
                    channels=sound.channels, channel=channel + 1
                )
            )
        subtype = "PCM_24" if sound.subtype == "PCM_24" else "PCM_16"
        sound.seek(first)
        samples = sound.read(last - first, dtype="int32", always_2d=True)
    if channel is not None:
        samples = samples[:, channel : channel + 1]
    with written(target, quiet=True) as sink:
        soundfile.write(sink, samples, rate, subtype=subtype, format="WAV")
    return {
        "first_frame": first,
        "frames": last - first,
        "sample_rate": rate,
        "channels": samples.shape[1],
        "starts_early_by": 0.0,
    }


# Fragments that each begin at a keyframe, behind an index with no samples.
STREAMABLE = {"movflags": "frag_keyframe+empty_moov+default_base_moof"}


def cut_video(source: Path, target: Path, start: float, end: float, streamable: bool = False) -> dict:
    import av

    try:
        inp = av.open(str(source))
    except av.FFmpegError as error:
        raise MediaError(_("the stored segment cannot be read: {error}").format(error=error)) from None
    with inp:
        video = inp.streams.video[0] if inp.streams.video else None
        if video is None:
            raise MediaError(_("the stored segment holds no video"))
        streams = [s for s in (video, *inp.streams.audio[:1]) if s is not None]
        inp.seek(int(start / video.time_base), stream=video, backward=True, any_frame=False)
        with written(target) as sink, av.open(sink, "w", format="mp4", options=STREAMABLE if streamable else {}) as out:
            mapping = {s.index: out.add_stream_from_template(s) for s in streams}
            origin, shown_from, copied, last_time = None, 0.0, 0, 0.0
            for packet in inp.demux(streams):
                if packet.dts is None or packet.size == 0:
                    continue
                moment = float(packet.pts * packet.time_base) if packet.pts is not None else float(packet.dts * packet.time_base)
                if origin is None:
                    if packet.stream.index != video.index or not packet.is_keyframe:
                        continue
                    origin = float(packet.dts * packet.time_base)  # rebased on DTS: B-frames keep dts >= 0
                    shown_from = moment
                if moment < origin:
                    continue
                if moment >= end:
                    if packet.stream.index == video.index:
                        break
                    continue
                shift = int(round(origin / packet.time_base))
                packet.dts -= shift
                if packet.pts is not None:
                    packet.pts -= shift
                packet.stream = mapping[packet.stream.index]
                out.mux(packet)
                copied += 1
                last_time = max(last_time, moment + float((packet.duration or 0) * packet.time_base))
    if origin is None or copied == 0:
        raise MediaError(_("the range {start:.3f}-{end:.3f} s holds no video").format(start=start, end=end))
    return {
        "starts_early_by": round(max(start - shown_from, 0.0), 3),
        "duration": round(last_time - shown_from, 3),
        "packets": copied,
    }

