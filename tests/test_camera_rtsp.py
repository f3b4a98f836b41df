"""The rtsp camera backend against a real RTSP server (GStreamer, plugins/camera_rtsp/gyomu_camera_rtsp/simulator.py).

Each test starts its own server on a free port of 127.0.0.1 and records its
live H.264 (and AAC) stream into 1-2 second segments, then reads every file
back with PyAV.
"""

from __future__ import annotations

import datetime as dt
import os
import queue
import re
import select
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import av
import gyomu_camera_rtsp
import numpy as np
import pytest

from conftest import tmpfs
from gyomu_cli import plugins
from gyomu_cli.backends import CameraBackend
from gyomu_cli.errors import ConfigError, Locked, StorageFull

SYSTEM_PYTHON = "/usr/bin/python3"
SERVER = Path(gyomu_camera_rtsp.__file__).with_name("simulator.py")
WAIT = 20  # seconds any single step may take before the test fails


def gstreamer_problem() -> str | None:
    """Why the system Python cannot run the test server, or None when it can."""
    check = "import gi; gi.require_version('GstRtspServer', '1.0')"
    try:
        done = subprocess.run([SYSTEM_PYTHON, "-c", check], capture_output=True)
    except OSError as error:
        return f"{SYSTEM_PYTHON}: {error.strerror}"
    return done.stderr.decode().strip().splitlines()[-1] if done.returncode else None


class RtspServer:
    """plugins/camera_rtsp/gyomu_camera_rtsp/simulator.py in a process of its own: killed, paused, restarted."""

    def __init__(self, *args: str):
        self.args = args
        self.port = 0
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"rtsp://127.0.0.1:{self.port}/cam"

    def start(self) -> RtspServer:
        command = [SYSTEM_PYTHON, str(SERVER), "--port", str(self.port), *self.args]
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        ready, _, _ = select.select([self.process.stdout], [], [], WAIT)
        line = self.process.stdout.readline() if ready else b""
        assert line.strip().isdigit(), f"the RTSP server did not start: {line!r}"
        self.port = int(line)
        return self

    def kill(self) -> None:
        self.process.send_signal(signal.SIGCONT)
        self.process.kill()
        self.process.wait()

    def pause(self) -> None:
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)


@pytest.fixture
def serve():
    """Start RTSP servers: `serve("--no-audio")`; all are killed afterwards."""
    if problem := gstreamer_problem():
        pytest.fail(
            f"the test RTSP server cannot run ({problem}); install its Debian packages as root with scripts/system-packages"
        )
    servers = []

    def start(*args: str) -> RtspServer:
        servers.append(RtspServer(*args).start())
        return servers[-1]

    yield start
    for server in servers:
        if server.process.poll() is None:
            server.kill()


def camera(**options: str):
    """The registered "camera_rtsp" backend, made for these device options."""
    factory = plugins.backend_factory("camera", "camera_rtsp")
    return factory(Path("/nonexistent-home"), {"device": "cam-test", **options})


class Recording:
    """`record()` running in a thread of its own, as the core runs it."""

    def __init__(self, backend, out_dir: Path):
        self.out_dir = out_dir
        self.stop = threading.Event()
        self.segments: queue.Queue = queue.Queue()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(backend,), daemon=True)
        self.thread.start()

    def _run(self, backend) -> None:
        try:
            for segment in backend.record(self.out_dir, self.stop):
                self.segments.put(segment)
        except BaseException as error:
            self.error = error
        finally:
            self.segments.put(None)

    def next(self) -> dict:
        """The next closed segment."""
        segment = self.segments.get(timeout=WAIT)
        if segment is None:
            raise AssertionError(f"the recorder ended: {self.error!r}")
        return segment

    def finish(self) -> list[dict]:
        """Set stop; the recorder must return promptly. The segments it closed last."""
        self.stop.set()
        self.thread.join(timeout=5)
        assert not self.thread.is_alive(), "the recorder did not return after stop"
        rest = []
        while (segment := self.segments.get_nowait()) is not None:
            rest.append(segment)
        assert self.error is None, repr(self.error)
        return rest


@pytest.fixture
def recordings():
    """Start recordings; any still running is stopped at the end of the test."""
    started = []

    def start(backend, out_dir: Path) -> Recording:
        started.append(Recording(backend, out_dir))
        return started[-1]

    yield start
    for recording in started:
        recording.stop.set()
        recording.thread.join(timeout=10)


def read_back(path: Path, container: str = "mp4") -> dict:
    """Read a segment with PyAV and check it is whole; what it holds."""
    with av.open(str(path)) as media:
        assert container in media.format.name
        video = media.streams.video[0]
        assert video.codec_context.name == "h264"
        time_base = video.time_base
        packets = [p for p in media.demux(video) if p.dts is not None]
    assert packets, f"{path.name} holds no video"
    assert packets[0].is_keyframe, f"{path.name} does not start on a keyframe"
    dts = [p.dts for p in packets]
    assert dts == sorted(set(dts)), f"{path.name}: video timestamps do not rise"
    assert all(p.pts >= p.dts for p in packets)
    with av.open(str(path)) as media:
        frames = sum(1 for _ in media.decode(video=0))
        audio = [s.codec_context.name for s in media.streams.audio]
    assert frames == len(packets), f"{path.name}: some frames do not decode"
    end = packets[-1].dts + packets[-1].duration
    return {
        "duration": float((end - packets[0].dts) * time_base),
        "frames": frames,
        "audio": audio,
    }


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.suffix == ".part")


def sent_pictures(count: int) -> np.ndarray:
    """The first `count` pictures the test server sends each client, grey."""
    done = subprocess.run(
        [SYSTEM_PYTHON, str(SERVER), "--frames", str(count)],
        capture_output=True,
        timeout=WAIT,
    )
    assert done.returncode == 0, done.stderr.decode()
    return np.frombuffer(done.stdout, np.uint8).reshape(count, 240, 320)


def ball(picture: np.ndarray) -> np.ndarray:
    """Where the white ball of the server's test pattern is in a grey picture."""
    rows, columns = np.nonzero(picture > 128)
    return np.array([columns.mean(), rows.mean()])


def shown(path: Path, sent: np.ndarray) -> list[int]:
    """Which of the sent pictures each frame of a segment shows, by the ball."""
    places = np.array([ball(picture) for picture in sent])
    # Two sent pictures have their balls at least 1.6 pixels apart.
    found = []
    with av.open(str(path)) as media:
        for frame in media.decode(video=0):
            off = np.linalg.norm(places - ball(frame.to_ndarray(format="gray")), axis=1)
            assert off.min() < 0.8, f"{path.name}: a frame shows no sent picture"
            found.append(int(off.argmin()))
    return found


def test_the_backend_is_registered_through_its_entry_point():
    backend = camera(url="rtsp://127.0.0.1:1/cam")
    assert isinstance(backend, CameraBackend)
    assert "camera:camera_rtsp" in {b for row in plugins.describe() for b in row["backends"]}


def test_segments_have_the_configured_length_and_are_whole_mp4(
    serve, recordings, tmp_path
):
    server = serve()
    recording = recordings(camera(url=server.url, segment="2"), tmp_path)
    full = [recording.next() for _ in range(3)]
    rest = recording.finish()

    assert [s["closed_by"] for s in full] == ["length"] * 3
    assert [s["closed_by"] for s in rest] == ["stop"]
    assert leftovers(tmp_path) == []
    for segment in full + rest:
        path = segment["path"]
        assert path.parent == tmp_path
        assert re.fullmatch(r"cam-test-\d{8}T\d{6}Z\.mp4", path.name)
        assert path.stat().st_mode & 0o777 == 0o600
        assert segment["started_at"].utcoffset() == dt.timedelta(0)
        assert segment["ended_at"] - segment["started_at"] == dt.timedelta(
            seconds=segment["duration"]
        )
        assert (segment["codec"], segment["audio_codec"]) == ("h264", "aac")
        found = read_back(path)
        assert found["audio"] == ["aac"]
        assert found["duration"] == pytest.approx(segment["duration"], abs=0.05)
    for segment in full:
        assert segment["duration"] == pytest.approx(2.0, abs=0.05)
    for before, after in zip(full, full[1:] + rest, strict=True):
        gap = (after["started_at"] - before["ended_at"]).total_seconds()
        assert gap == pytest.approx(0, abs=0.5)


def test_a_connection_is_recorded_from_the_first_picture_the_camera_sends(
    serve, recordings, tmp_path
):
    sent = sent_pictures(75)
    server = serve()
    recording = recordings(camera(url=server.url, segment="1"), tmp_path)
    first, second = recording.next(), recording.next()
    recording.finish()

    # 25 pictures a second, a keyframe every 25: the first keyframe comes
    # without timestamps, and the whole first second hangs on it.
    assert shown(first["path"], sent) == list(range(25))
    assert shown(second["path"], sent) == list(range(25, 50))
    assert first["duration"] == pytest.approx(1.0, abs=0.05)
    assert read_back(first["path"])["frames"] == 25
    gap = (second["started_at"] - first["ended_at"]).total_seconds()
    assert gap == pytest.approx(0, abs=0.5)


def test_mkv_over_udp_without_audio(serve, recordings, tmp_path):
    server = serve("--no-audio")
    backend = camera(url=server.url, segment="1", transport="udp", container="mkv")
    recording = recordings(backend, tmp_path)
    first, second = recording.next(), recording.next()
    recording.finish()

    for segment in (first, second):
        assert segment["path"].suffix == ".mkv"
        assert segment["audio_codec"] is None
        found = read_back(segment["path"], container="matroska")
        assert found["audio"] == []
        assert found["duration"] == pytest.approx(1.0, abs=0.05)
    assert leftovers(tmp_path) == []


def test_an_open_part_file_is_readable_and_a_later_recorder_recovers_it(
    serve, recordings, tmp_path
):
    server = serve()
    live = tmp_path / "live"
    recording = recordings(camera(url=server.url, segment="60"), live)
    crashed = tmp_path / "crashed"
    crashed.mkdir()
    copy = None
    deadline = time.monotonic() + WAIT
    while copy is None and time.monotonic() < deadline:
        for part in live.glob("*.part"):
            candidate = shutil.copy(part, crashed / part.name)
            try:
                read_back(Path(candidate))
                copy = Path(candidate)
            except (
                AssertionError,
                av.error.FFmpegError,
                IndexError,
                ZeroDivisionError,
            ):
                os.unlink(candidate)  # no whole fragment yet
        time.sleep(0.2)
    recording.finish()
    assert copy is not None, "the open .part never became readable"
    assert leftovers(live) == []
    (crashed / "cam-test-20250101T000000Z.mp4.part").write_bytes(b"\0" * 100)

    stopped = threading.Event()
    stopped.set()
    recovered = list(camera(url=server.url).record(crashed, stopped))

    assert [s["closed_by"] for s in recovered] == ["recovered"]
    path = recovered[0]["path"]
    assert path.name == copy.name.removesuffix(".part")
    assert read_back(path)["duration"] == pytest.approx(
        recovered[0]["duration"], abs=0.05
    )
    assert leftovers(crashed) == []
    assert (crashed / "cam-test-20250101T000000Z.mp4.damaged").stat().st_size == 100


def test_reconnects_after_the_server_is_killed(serve, recordings, tmp_path):
    server = serve()
    recording = recordings(camera(url=server.url, segment="2", timeout="2"), tmp_path)
    first = recording.next()
    server.kill()
    cut = recording.next()
    server.start()  # the same port again
    after = [recording.next(), recording.next()]
    recording.finish()

    assert first["closed_by"] == "length"
    assert cut["closed_by"] == "disconnect"
    assert 0 < read_back(cut["path"])["duration"] <= 2.05
    assert [s["closed_by"] for s in after] == ["length", "length"]
    assert after[0]["started_at"] > cut["ended_at"]
    for segment in after:
        assert read_back(segment["path"])["duration"] == pytest.approx(2.0, abs=0.05)
    # The server starts its pattern afresh for the new connection.
    assert shown(after[0]["path"], sent_pictures(100)) == list(range(50))
    assert leftovers(tmp_path) == []


def test_reconnects_after_the_server_hangs(serve, recordings, tmp_path):
    server = serve()
    recording = recordings(camera(url=server.url, segment="2", timeout="1"), tmp_path)
    first = recording.next()
    server.pause()
    cut = recording.next()
    server.resume()
    after = recording.next()
    recording.finish()

    assert first["closed_by"] == "length"
    assert cut["closed_by"] == "disconnect"
    assert read_back(cut["path"])["duration"] > 0
    assert after["closed_by"] == "length"
    assert read_back(after["path"])["duration"] == pytest.approx(2.0, abs=0.05)
    assert leftovers(tmp_path) == []


def test_a_stream_without_video_is_reported_and_retried_not_raised(
    serve, recordings, tmp_path, caplog
):
    server = serve("--no-video")
    recording = recordings(camera(url=server.url, timeout="1"), tmp_path)
    deadline = time.monotonic() + WAIT
    while "the stream has no video" not in caplog.text and time.monotonic() < deadline:
        time.sleep(0.05)

    assert recording.thread.is_alive(), "one camera's bad stream must not end recording"
    assert recording.finish() == []
    assert "the stream has no video; check the device option url" in caplog.text


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_stop_during_reconnection_and_the_password_stays_out_of_the_log(
    recordings, tmp_path, caplog
):
    url = f"rtsp://admin:s3cret@127.0.0.1:{free_port()}/cam"
    recording = recordings(camera(url=url), tmp_path)
    deadline = time.monotonic() + WAIT
    while "cannot connect" not in caplog.text and time.monotonic() < deadline:
        time.sleep(0.05)

    with pytest.raises(Locked, match="another recorder"):
        next(camera(url=url).record(tmp_path, threading.Event()))
    assert recording.finish() == []

    assert "rtsp://***@127.0.0.1" in caplog.text
    assert "s3cret" not in caplog.text


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {},
            "the rtsp backend needs the device option url, the camera's stream address: --option url=rtsp://HOST:554/PATH",
        ),
        (
            {"url": "http://cam/"},
            "the device option url must be an rtsp:// or rtsps:// address",
        ),
        (
            {"url": "rtsp://cam/", "segment": "0"},
            "the device option segment must be a number of seconds from 1 to 3600, not '0'",
        ),
        (
            {"url": "rtsp://cam/", "segment": "1m"},
            "the device option segment must be a number",
        ),
        ({"url": "rtsp://cam/", "timeout": "-3"}, "the device option timeout must be"),
        (
            {"url": "rtsp://cam/", "transport": "http"},
            "the device option transport must be tcp or udp, not 'http'",
        ),
        (
            {"url": "rtsp://cam/", "container": "avi"},
            "the device option container must be mp4 or mkv, not 'avi'",
        ),
        (
            {"url": "rtsp://cam/", "segmnet": "60"},
            "unknown rtsp option segmnet; the rtsp backend takes url, segment",
        ),
    ],
)
def test_bad_options_are_one_clear_line(options, message):
    with pytest.raises(ConfigError) as raised:
        camera(**options)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


@pytest.fixture
def small_disk(tmp_path):
    """A 1 MB tmpfs, nearly filled by a file that must survive the test."""
    with tmpfs(tmp_path / "disk", "1m") as mount:
        filler = mount / "stored-before"
        free = os.statvfs(mount).f_bavail * os.statvfs(mount).f_frsize
        filler.write_bytes(b"\1" * (free - 64 * 1024))
        yield mount, filler


def test_a_full_disk_stops_recording_and_leaves_no_partial_file(
    serve, recordings, small_disk
):
    mount, filler = small_disk
    size = filler.stat().st_size
    server = serve()
    recording = recordings(camera(url=server.url, segment="1"), mount)
    recording.thread.join(timeout=WAIT * 2)
    closed = []
    while (segment := recording.segments.get_nowait()) is not None:
        closed.append(segment)

    assert isinstance(recording.error, StorageFull)
    message = str(recording.error)
    assert "\n" not in message
    assert message.startswith(f"no space left in {mount} while recording")
    assert "nothing stored was deleted" in message
    assert leftovers(mount) == []
    assert filler.stat().st_size == size
    assert closed, "no segment was closed before the disk ran full"
    for segment in closed:
        read_back(segment["path"])  # what was recorded before is all still there
