"""Reading media files: what they hold, whether they are whole, their PCM hash.

Call audio is read with soundfile (libsndfile); camera media with PyAV. A file
that is damaged, empty or still being written raises MediaError with the
reason; nothing here writes to the ledger or the store.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import struct
from dataclasses import dataclass, field
from pathlib import Path

from gyomu_cli.errors import MediaError
from gyomu_cli.i18n import _

# PyAV and soundfile load on first use: most commands never read media.

BLOCK_FRAMES = 1 << 16
# libsndfile subtypes whose samples FLAC holds exactly, and the FLAC subtype for them.
FLAC_SUBTYPES = {
    "PCM_S8": "PCM_S8",
    "PCM_U8": "PCM_S8",
    "PCM_16": "PCM_16",
    "PCM_24": "PCM_24",
    "ULAW": "PCM_16",
    "ALAW": "PCM_16",
    "GSM610": "PCM_16",
    "IMA_ADPCM": "PCM_16",
    "MS_ADPCM": "PCM_16",
    "G721_32": "PCM_16",
    "G723_24": "PCM_16",
    "G723_40": "PCM_16",
}


@dataclass
class Media:
    """What a media file holds.

    kind: "audio" or "video".
    format: container, e.g. "WAV", "FLAC", "mp4", "matroska", "mpegts".
    duration: seconds.
    facts: codec, sample rate, channels, resolution, frame rate...
    created: the container's own creation time, when it carries one.
    """

    kind: str
    format: str
    duration: float
    facts: dict = field(default_factory=dict)
    created: dt.datetime | None = None


def probe(path: Path) -> Media:
    with open(path, "rb") as data:
        head = data.read(12)
    if head[:4] in (b"RIFF", b"RIFX") and head[8:12] == b"WAVE":
        _check_wav(path)
        return _probe_audio(path)
    if head[:4] == b"fLaC":
        return _probe_audio(path)
    return _probe_av(path)


def _check_wav(path: Path) -> None:
    """Refuse a WAV whose header says it is unfinished or longer than the file."""
    size = path.stat().st_size
    with open(path, "rb") as data:
        header = data.read(12)
        riff_size = struct.unpack("<I", header[4:8])[0]
        if riff_size == 0:
            raise MediaError(
                _("{path} is still being written (its RIFF size is 0); index it once the recording has closed").format(path=path)
            )
        offset = 12
        while offset + 8 <= size:
            data.seek(offset)
            chunk_id, chunk_size = struct.unpack("<4sI", data.read(8))
            if chunk_id == b"data":
                if chunk_size == 0:
                    raise MediaError(_("{path} holds no audio (empty data chunk)").format(path=path))
                if offset + 8 + chunk_size > size:
                    raise MediaError(
                        _("{path} is truncated: its header announces {announced} bytes of audio, the file holds {held}").format(
                            path=path, announced=chunk_size, held=size - offset - 8
                        )
                    )
                return
            offset += 8 + chunk_size + (chunk_size & 1)
    raise MediaError(_("{path} has no audio data chunk; the file is damaged").format(path=path))


def _open_audio(path: Path):
    import soundfile

    try:
        return soundfile.SoundFile(path)
    except (soundfile.LibsndfileError, RuntimeError, ValueError) as error:
        raise MediaError(_("{path} is not readable audio: {error}").format(path=path, error=error)) from None


def _probe_audio(path: Path) -> Media:
    with _open_audio(path) as sound:
        if sound.frames == 0:
            raise MediaError(_("{path} holds no audio (0 frames)").format(path=path))
        return Media(
            kind="audio",
            format=sound.format,
            duration=sound.frames / sound.samplerate,
            facts={
                "codec": sound.subtype,
                "sample_rate": sound.samplerate,
                "channels": sound.channels,
                "frames": sound.frames,
            },
        )


def pcm_sha256(path: Path, copy_to: Path | None = None) -> str:
    """SHA-256 of the decoded samples as interleaved little-endian int32.

    The same sound gives the same hash whatever lossless container holds it,
    which is how a FLAC copy is shown to hold exactly the WAV's audio. With
    `copy_to`, the samples are also written there as FLAC.
    """
    import soundfile

    digest = hashlib.sha256()
    with _open_audio(path) as sound:
        expected = sound.frames
        writer = None
        if copy_to is not None:
            writer = soundfile.SoundFile(
                copy_to,
                "w",
                samplerate=sound.samplerate,
                channels=sound.channels,
                format="FLAC",
                subtype=FLAC_SUBTYPES[sound.subtype],
            )
        read = 0
        try:
            while True:
                try:
                    block = sound.read(BLOCK_FRAMES, dtype="int32", always_2d=True)
                except (soundfile.LibsndfileError, RuntimeError) as error:
                    raise MediaError(_("{path} is damaged: {error}").format(path=path, error=error)) from None
                if not len(block):
                    break
                read += len(block)
                digest.update(block.astype("<i4", copy=False).tobytes())
                if writer is not None:
                    writer.write(block)
        finally:
            if writer is not None:
                writer.close()
    if read != expected:
        raise MediaError(
            _("{path} is truncated: {read} of {expected} frames could be decoded").format(path=path, read=read, expected=expected)
        )
    return digest.hexdigest()


def flac_holds_exactly(path: Path) -> bool:
    """Whether this audio can go to FLAC without losing a sample."""
    with _open_audio(path) as sound:
        return sound.subtype in FLAC_SUBTYPES


def _probe_av(path: Path) -> Media:
    import av

    try:
        container = av.open(str(path))
    except av.FFmpegError as error:
        raise MediaError(
            _("{path} is not readable media ({error}); an MP4 without its index cannot be read").format(
                path=path, error=_av_reason(error)
            )
        ) from None
    with container:
        video = container.streams.video[0] if container.streams.video else None
        audio = container.streams.audio[0] if container.streams.audio else None
        if video is None and audio is None:
            raise MediaError(_("{path} holds neither video nor audio").format(path=path))
        first, last, packets, video_packets = _demux_span(container, video, path)
        if packets == 0:
            raise MediaError(_("{path} holds no media packets").format(path=path))
        if video is not None and video.frames and video_packets < video.frames:
            raise MediaError(
                _("{path} is truncated: its index lists {listed} video frames, the file holds {held}").format(
                    path=path, listed=video.frames, held=video_packets
                )
            )
        duration = (
            container.duration / av.time_base
            if container.duration
            else max(last - first, 0.0)
        )
        facts = {"packets": packets}
        if video is not None:
            facts.update(
                codec=video.codec_context.name,
                width=video.codec_context.width,
                height=video.codec_context.height,
                fps=float(video.average_rate) if video.average_rate else None,
            )
        if audio is not None:
            facts.update(audio_codec=audio.codec_context.name, sample_rate=audio.rate)
        return Media(
            kind="video" if video is not None else "audio",
            format=container.format.name.split(",")[0],
            duration=round(duration, 3),
            facts=facts,
            created=_creation_time(container.metadata.get("creation_time")),
        )


def _demux_span(container, video, path: Path) -> tuple[float, float, int, int]:
    """Read every packet without decoding: first and last time, packet counts."""
    import av

    first, last, count, video_count = None, 0.0, 0, 0
    bases: dict[int, float] = {}  # a stream's time base as a float, once: Fractions are slow per packet
    try:
        for packet in container.demux():
            if packet.size == 0:
                continue
            count += 1
            if video is not None and packet.stream.index == video.index:
                video_count += 1
            if packet.pts is None:
                continue
            base = bases.get(packet.stream.index)
            if base is None:
                base = bases[packet.stream.index] = float(packet.time_base)
            start = packet.pts * base
            end = start + (packet.duration or 0) * base
            first = start if first is None else min(first, start)
            last = max(last, end)
    except av.FFmpegError as error:
        raise MediaError(_("{path} is damaged: {error}").format(path=path, error=_av_reason(error))) from None
    return first or 0.0, last, count, video_count


def _av_reason(error: Exception) -> str:
    return getattr(error, "strerror", None) or str(error)


def _creation_time(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None or moment.year < 2000:
        return None
    return moment
