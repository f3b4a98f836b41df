"""Synthetic media for the indexing benchmarks.

Calls: two people taking turns on a telephone line, 8 kHz 16-bit mono WAV.
Each talk spurt is a buzz at the speaker's pitch (with vibrato and jitter)
mixed with some hiss, cut into syllables, and the whole call is shaped to the
telephone band with a few broad formant-like peaks over a faint line noise.
It is not speech, but it compresses with FLAC roughly as speech does, unlike
white noise (which FLAC cannot shrink) or silence (which it shrinks to nothing).

Camera: a fixed scene (a lit counter and a floor) with a few blocks walking
across it and faint sensor noise, H.264 in MP4, so that the encoder makes an
ordinary mix of key and predicted frames.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from pathlib import Path

import numpy as np
import soundfile

RATE = 8000
NOISE = 4  # camera sensor noise, +- luma steps


def _syllable_envelope(rng: np.random.Generator, n: int) -> np.ndarray:
    """Syllables of 120-320 ms, each a raised-cosine bump of its own loudness."""
    env = np.zeros(n, dtype=np.float32)
    at = 0
    while at < n:
        length = int(rng.uniform(0.12, 0.32) * RATE)
        bump = 0.5 - 0.5 * np.cos(np.linspace(0, 2 * np.pi, length, dtype=np.float32))
        end = min(at + length, n)
        env[at:end] = bump[: end - at] * rng.uniform(0.35, 1.0)
        at = end + int(rng.uniform(0.0, 0.06) * RATE)
    return env


def _talk_spurt(rng: np.random.Generator, n: int, pitch: float) -> np.ndarray:
    t = np.arange(n, dtype=np.float64) / RATE
    # Intonation: a slow glide, a 5 Hz vibrato and a little jitter.
    f0 = pitch * (1.0 + 0.12 * np.sin(2 * np.pi * rng.uniform(0.2, 0.6) * t + rng.uniform(0, 6.3)))
    f0 *= 1.0 + 0.01 * np.sin(2 * np.pi * 5.0 * t)
    f0 *= 1.0 + 0.004 * rng.standard_normal(n)
    phase = np.cumsum(f0) / RATE
    buzz = 2.0 * (phase - np.floor(phase)) - 1.0  # sawtooth: every harmonic, falling 1/k
    hiss = rng.standard_normal(n)
    voiced = (rng.random(n // 400 + 1) > 0.2).repeat(400)[:n]  # 50 ms voiced/unvoiced stretches
    source = np.where(voiced, buzz + 0.08 * hiss, 0.35 * hiss)
    return (source * _syllable_envelope(rng, n)).astype(np.float32)


def _telephone_shape(signal: np.ndarray) -> np.ndarray:
    """300-3400 Hz band with broad peaks near 500, 1500 and 2500 Hz."""
    spectrum = np.fft.rfft(signal)
    freq = np.fft.rfftfreq(len(signal), 1.0 / RATE)
    band = 1.0 / (1.0 + (300.0 / np.maximum(freq, 1.0)) ** 4) / (1.0 + (freq / 3400.0) ** 8)
    peaks = sum(a * np.exp(-(((freq - f) / w) ** 2)) for f, w, a in ((500, 180, 1.0), (1500, 300, 0.6), (2500, 400, 0.35)))
    return np.fft.irfft(spectrum * band * (0.25 + peaks), n=len(signal)).astype(np.float32)


def write_call(path: Path, seconds: float, seed: int) -> int:
    """Write one call as WAV (PCM_16, 8 kHz, mono); returns its size in bytes."""
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    out = np.zeros(n, dtype=np.float32)
    pitches = (rng.uniform(95, 130), rng.uniform(180, 240))  # the two parties
    at, speaker = int(rng.uniform(0.3, 1.0) * RATE), 0
    while at < n:
        length = min(int(rng.exponential(2.5) * RATE) + RATE // 2, n - at)
        out[at : at + length] += _talk_spurt(rng, length, pitches[speaker]) * (1.0 if speaker == 0 else 0.7)
        at += length + int(rng.uniform(0.15, 1.2) * RATE)
        speaker = 1 - speaker if rng.random() < 0.8 else speaker
    out = _telephone_shape(out)
    out /= np.max(np.abs(out)) + 1e-9
    line_noise = np.cumsum(rng.standard_normal(n))  # brown noise, its slow drift taken out below
    window = 801
    sums = np.concatenate(([0.0], np.cumsum(line_noise)))
    drift = (sums[window:] - sums[:-window]) / window
    line_noise[window // 2 : window // 2 + len(drift)] -= drift
    line_noise = line_noise.astype(np.float32)
    out = 0.5 * out + 0.0015 * line_noise / (np.std(line_noise) + 1e-9)
    pcm = np.clip(np.round(out * 32767), -32768, 32767).astype(np.int16)
    soundfile.write(path, pcm, RATE, subtype="PCM_16", format="WAV")
    return path.stat().st_size


def write_segment(path: Path, seconds: int, seed: int, start: dt.datetime, *, width: int = 640, height: int = 360, fps: int = 25, threads: int = 2) -> int:
    """Write one camera segment as H.264 MP4 (libx264, preset ultrafast); returns its size."""
    import av

    rng = np.random.default_rng(seed)
    y_axis = np.linspace(0, 1, height, dtype=np.float32)[:, None]
    x_axis = np.linspace(0, 1, width, dtype=np.float32)[None, :]
    scene = 60 + 120 * y_axis + 30 * np.sin(6 * x_axis) * (y_axis < 0.55)  # wall, counter, floor
    scene[int(height * 0.55) : int(height * 0.62), :] = 200.0
    walkers = [
        {
            "x": rng.uniform(-80, width),
            "y": rng.uniform(height * 0.3, height * 0.7),
            "vx": rng.uniform(-3, 3) or 1.0,
            "w": int(rng.uniform(30, 60)),
            "h": int(rng.uniform(80, 150)),
            "luma": rng.uniform(20, 235),
        }
        for _ in range(4)
    ]
    scene = scene.astype(np.int16)
    # Sensor noise: a bank of frames drawn once, picked at random per frame.
    noise = rng.integers(-NOISE, NOISE + 1, (16, height, width), dtype=np.int16)
    chroma = np.full((height // 4, width), 128, dtype=np.uint8)  # U and V planes, packed as PyAV expects

    with av.open(str(path), "w", format="mp4") as container:
        container.metadata["creation_time"] = start.strftime("%Y-%m-%dT%H:%M:%S.000000Z")
        stream = container.add_stream("libx264", rate=fps, options={"preset": "ultrafast"})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.codec_context.thread_count = threads
        stream.codec_context.time_base = Fraction(1, fps)
        for index in range(seconds * fps):
            luma = scene + noise[rng.integers(len(noise))]
            for w in walkers:
                w["x"] += w["vx"]
                if w["x"] > width + 60 or w["x"] < -120:
                    w["vx"] = -w["vx"]
                x0, y0 = int(max(w["x"], 0)), int(w["y"])
                x1, y1 = int(min(w["x"] + w["w"], width)), int(min(w["y"] + w["h"], height))
                if x1 > x0 and y1 > y0:
                    luma[y0:y1, x0:x1] = w["luma"]
            planes = np.vstack([np.clip(luma, 0, 255).astype(np.uint8), chroma, chroma])
            frame = av.VideoFrame.from_ndarray(planes, format="yuv420p")
            frame.pts = index
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path.stat().st_size
