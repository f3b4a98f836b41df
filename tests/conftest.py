"""Shared fixtures: a gyomu home made through the CLI, and real media files."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

# Messages in English unless a test asks for another language (tests/test_i18n.py);
# set before gyomu_cli is imported, so its catalog is chosen from these.
for _variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
    os.environ.pop(_variable, None)
os.environ["LANG"] = "C.UTF-8"

import av
import numpy as np
import pytest
import soundfile
from typer.testing import CliRunner

from gyomu_cli import plugins
from gyomu_cli.cli import app

JST = dt.timezone(dt.timedelta(hours=9))
CALLER = "0586281234"
CALLEE = "0586289999"


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture(autouse=True)
def fresh_plugins(monkeypatch):
    """Each test loads plugins itself, as the command line would."""
    monkeypatch.delenv("GYOMU_PLUGINS", raising=False)
    monkeypatch.delenv("SUDO_USER", raising=False)
    monkeypatch.setenv("GYOMU_DEBUG", "1")  # a bug surfaces as its traceback in tests
    plugins.reset()
    yield
    plugins.reset()


@pytest.fixture
def home(tmp_path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def gyomu(home):
    """Run `gyomu --home HOME ...` in-process; stdout and stderr apart."""
    runner = CliRunner()

    def run(*args: str, env: dict | None = None, input: str | None = None) -> Result:
        result = runner.invoke(app, ["--home", str(home), *map(str, args)], env=env, input=input)
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        return Result(result.exit_code, result.stdout, result.stderr)

    return run


@pytest.fixture
def city(gyomu):
    """An initialised home with one phone line and one camera for 市民課."""
    assert gyomu("init", "--admin", "sato", "--name", "佐藤 一郎", "--section", "資産経営課").exit_code == 0
    assert gyomu("section", "add", "市民課").exit_code == 0
    for name, kind in (("line-main", "phone-line"), ("cam-1f-counter", "camera")):
        result = gyomu(
            "device", "add", name, "--kind", kind, "--section", "市民課",
            "--location", "本庁舎", "--purpose", "窓口対応の記録のため",
        )
        assert result.exit_code == 0, result.stderr
    return gyomu


@contextlib.contextmanager
def tmpfs(mount: Path, size: str):
    """A real tmpfs of `size` (e.g. "1m") mounted at `mount` for the test's while.

    Mounting needs root, as the tests have here; without it the test is skipped.
    """
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(mount)],
                          capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)


def make_wav(path: Path, seconds: float = 3.0, rate: int = 8000, seed: int = 1, subtype="PCM_16") -> Path:
    """A real WAV of noisy speech-band audio, different for each seed."""
    rng = np.random.default_rng(seed)
    frames = int(seconds * rate)
    tone = np.sin(2 * np.pi * (300 + 50 * seed) * np.arange(frames) / rate)
    samples = (tone * 6000 + rng.normal(0, 800, frames)).astype("int16")
    soundfile.write(path, samples, rate, subtype=subtype)
    return path


def make_mp4(path: Path, seconds: float = 2.0, fps: int = 25, seed: int = 1) -> Path:
    """A real H.264 video encoded with PyAV."""
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
        for i in range(int(seconds * fps)):
            image = np.full((120, 160, 3), (seed * 40 + i * 3) % 255, dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def iso(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="seconds")


def index_call(gyomu, path: Path, started: dt.datetime, *extra: str) -> Result:
    return gyomu(
        "index", path, "--device", "line-main", "--started-at", iso(started),
        "--caller", CALLER, "--callee", CALLEE, *extra,
    )
