"""`gyomu view --output -`: one excerpt piped into a player, no copy left on disk.

Each test runs the real command in a subprocess with its stdout on a pipe (or
a pseudo-terminal), as `sudo -u gyomu gyomu view ... --output - | mpv -` would.
"""

import hashlib
import io
import json
import os
import shutil
import pty
import select
import sqlite3
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest
import soundfile

from gyomu_cli.errors import ExitCode
from test_requests import OPERATOR_PW, grant, new_request, office, view  # noqa: F401  (the fixture)

GYOMU = Path(sys.executable).with_name("gyomu")
CAMERA_STARTED = "2026-11-20T09:10:00+09:00"
FPS = 25


def noisy_segment(path, seconds=4):
    """A camera segment of noise, a keyframe every second: far larger than any read-ahead buffer."""
    rng = np.random.default_rng(11)
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
        stream.options = {"x264-params": f"keyint={FPS}:min-keyint={FPS}:scenecut=0"}
        for _ in range(seconds * FPS):
            image = rng.integers(0, 255, (120, 160, 3), dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


class Pipe:
    """A reader with no seek or tell: what a player gets on stdin."""

    def __init__(self, file):
        self.file = file

    def read(self, size):
        return self.file.read(size)


@pytest.fixture
def streaming(office, tmp_path):  # noqa: F811
    """The office with a noisy camera segment as recording 3, and an empty TMPDIR to watch."""
    result = office("index", noisy_segment(tmp_path / "noise.mp4"), "--device", "cam-1f-counter",
                    "--started-at", CAMERA_STARTED)
    assert result.exit_code == 0, result.stderr
    (tmp_path / "system-tmp").mkdir()
    return office


def command(home, request_id, *extra, viewer="tanaka"):
    return [str(GYOMU), "--home", str(home), "--as", "suzuki", "--password-stdin", "view", str(request_id),
            "--viewer", viewer, "--output", "-", *extra]


def environment(tmp_path):
    return dict(os.environ, TMPDIR=str(tmp_path / "system-tmp"))


def stream(home, tmp_path, request_id, *extra, viewer="tanaka"):
    return subprocess.run(command(home, request_id, *extra, viewer=viewer), input=f"{OPERATOR_PW}\n".encode(),
                          capture_output=True, env=environment(tmp_path), timeout=120)


def viewings(home):
    with sqlite3.connect(home / "ledger.db") as db:
        db.row_factory = sqlite3.Row
        return [dict(row) for row in db.execute("SELECT * FROM viewings ORDER BY id")]


def audit_events(home, action):
    with sqlite3.connect(home / "ledger.db") as db:
        return [(row[0], json.loads(row[1])) for row in
                db.execute("SELECT object, detail FROM audit WHERE action = ? ORDER BY seq", [action])]


def files_under(folder):
    """Every file below `folder`, but the ledger's own journal files, which come and go with any command."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                  if p.is_file() and not p.name.startswith("ledger.db"))


def test_a_call_is_streamed_sample_exact_and_recorded_without_a_copy(streaming, home, tmp_path):
    assert new_request(streaming, "tanaka", "--recording", "1", "--from", "10:16:00", "--to", "10:16:20").exit_code == 0
    assert grant(streaming, 1).exit_code == 0
    before = files_under(tmp_path)

    done = stream(home, tmp_path, 1)

    assert done.returncode == 0, done.stderr.decode()
    samples, rate = soundfile.read(io.BytesIO(done.stdout), dtype="int16")
    assert rate == 8000
    assert np.array_equal(samples, streaming.samples[30 * 8000 : 50 * 8000]), "sample-exact, both channels"
    assert done.stderr.decode() == (
        f"Streamed {len(done.stdout)} bytes of recording 1 under request 1; viewing 1 recorded, no copy was kept.\n"
    )
    [viewing] = viewings(home)
    assert (viewing["path"], viewing["operator"], viewing["erased_at"]) == (None, "suzuki", None)
    assert viewing["sha256"] == hashlib.sha256(done.stdout).hexdigest(), "the ledger names the bytes that were played"
    [(obj, detail)] = audit_events(home, "recording.viewed")
    assert obj == "recording:1"
    assert detail == {"request": 1, "viewer": "tanaka", "viewing": 1, "start_offset": 30.0, "end_offset": 50.0,
                      "channel": None, "streamed": True}
    assert audit_events(home, "viewing.stream_stopped") == []
    assert files_under(tmp_path) == before, "no excerpt left in the home's tmp/, TMPDIR or anywhere else"
    assert os.listdir(home / "tmp") == []


def test_purge_passes_over_a_streamed_viewing(streaming, home, tmp_path):
    new_request(streaming, "tanaka", "--recording", "1", "--from", "10:16:00", "--to", "10:16:05")
    grant(streaming, 1)
    assert stream(home, tmp_path, 1).returncode == 0
    config = home / "gyomu.toml"
    config.write_text(config.read_text().replace("viewing_copy_hours = 24", "viewing_copy_hours = 0"))

    purged = streaming("purge", "--list")

    assert purged.exit_code == 0, purged.stderr
    assert "viewing copy" not in purged.stdout + purged.stderr, "a streamed viewing left no copy to erase"
    assert [v["erased_at"] for v in viewings(home)] == [None]
    assert audit_events(home, "viewing.copy_erased") == []


def decoded(container, first=None, last=None):
    """The frames of the first video stream as arrays, those shown from `first` to before `last` seconds."""
    frames = []
    for frame in container.decode(video=0):
        moment = float(frame.pts * frame.time_base)
        if (first is None or moment >= first - 0.001) and (last is None or moment < last - 0.001):
            frames.append(frame.to_ndarray())
    return frames


def test_a_camera_excerpt_plays_from_a_pipe(streaming, home, tmp_path):
    assert new_request(streaming, "tanaka", "--recording", "3").exit_code == 0
    assert grant(streaming, 1).exit_code == 0
    before = files_under(tmp_path)

    running = subprocess.Popen(command(home, 1, "--from", "09:10:01", "--to", "09:10:03"), stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment(tmp_path))
    running.stdin.write(f"{OPERATOR_PW}\n".encode())
    running.stdin.close()
    with av.open(Pipe(running.stdout), "r", format="mp4") as player:
        shown = decoded(player)
    assert running.wait(timeout=120) == 0, running.stderr.read().decode()
    running.stdout.close()
    running.stderr.close()

    with av.open(str(tmp_path / "noise.mp4")) as original:
        wanted = decoded(original, 1.0, 3.0)
    assert len(shown) == len(wanted) == 2 * FPS, "from the keyframe at 1 s to before 3 s"
    assert all(np.array_equal(a, b) for a, b in zip(shown, wanted, strict=True)), "the very frames, not re-encoded"
    [viewing] = viewings(home)
    assert viewing["path"] is None
    [(obj, detail)] = audit_events(home, "recording.viewed")
    assert (obj, detail["start_offset"], detail["end_offset"], detail["streamed"]) == ("recording:3", 1.0, 3.0, True)
    assert files_under(tmp_path) == before

    # The copy written to a folder keeps its index at the end: fine in a file, unplayable from a pipe.
    copied = view(streaming, 1, tmp_path / "copy", "--from", "09:10:01", "--to", "09:10:03")
    assert copied.exit_code == 0, copied.stderr
    reader, writer = os.pipe()
    feeding = subprocess.Popen(["cat", str(tmp_path / "copy" / json.loads(copied.stdout)[0]["file"])], stdout=writer)
    os.close(writer)
    with open(reader, "rb") as piped, pytest.raises(av.InvalidDataError), av.open(Pipe(piped), "r", format="mp4") as player:
        decoded(player)
    feeding.wait(timeout=60)


@pytest.mark.parametrize(
    ("recordings", "extra", "message"),
    [
        (["1", "--recording", "3"], [],
         "Error: --output - streams one excerpt, and request 1 names 2: choose one with --recording (1, 3)\n"),
        (["1"], ["--json"],
         "Error: --json and --output - exclude each other: stdout carries the media bytes alone\n"),
    ],
)
def test_a_stream_needs_one_excerpt_and_no_json(streaming, home, tmp_path, recordings, extra, message):
    assert new_request(streaming, "tanaka", "--recording", *recordings).exit_code == 0
    assert grant(streaming, 1).exit_code == 0

    done = stream(home, tmp_path, 1, *extra)

    assert (done.returncode, done.stderr.decode(), done.stdout) == (ExitCode.USAGE, message, b"")
    assert viewings(home) == []
    assert os.listdir(home / "tmp") == []


def test_two_items_narrowed_to_one_stream(streaming, home, tmp_path):
    new_request(streaming, "tanaka", "--recording", "1", "--recording", "3")
    grant(streaming, 1)

    done = stream(home, tmp_path, 1, "--recording", "1", "--from", "10:16:00", "--to", "10:16:01")

    assert done.returncode == 0, done.stderr.decode()
    samples, _ = soundfile.read(io.BytesIO(done.stdout), dtype="int16")
    assert np.array_equal(samples, streaming.samples[30 * 8000 : 31 * 8000])


def test_the_checks_of_a_file_viewing_apply(streaming, home, tmp_path):
    new_request(streaming, "tanaka", "--recording", "1", "--from", "10:16:00", "--to", "10:16:05")
    grant(streaming, 1)

    wrong_viewer = stream(home, tmp_path, 1, viewer="yamada")
    outside = stream(home, tmp_path, 1, "--from", "10:16:00", "--to", "10:17:00")

    assert (wrong_viewer.returncode, wrong_viewer.stderr.decode(), wrong_viewer.stdout) == (
        ExitCode.REFUSED, "Error: the viewing under request 1 is for tanaka, who requested it (Art. 8-2)\n", b"")
    assert (outside.returncode, outside.stderr.decode(), outside.stdout) == (
        ExitCode.REFUSED,
        "Error: that range of recording 1 is outside what request 1 granted (Art. 8-2)\n", b"")
    assert viewings(home) == []
    assert len(audit_events(home, "access.refused")) == 2


def test_a_terminal_gets_no_media_bytes(streaming, home, tmp_path):
    new_request(streaming, "tanaka", "--recording", "1", "--from", "10:16:00", "--to", "10:16:05")
    grant(streaming, 1)
    terminal, attached = pty.openpty()
    try:
        done = subprocess.run(command(home, 1), input=f"{OPERATOR_PW}\n".encode(), stdout=attached,
                              stderr=subprocess.PIPE, env=environment(tmp_path), timeout=120)
        os.close(attached)
        attached = None
        shown = b""
        while True:
            try:
                chunk = os.read(terminal, 4096)
            except OSError:  # EIO: nothing more on the terminal
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(terminal)
        if attached is not None:
            os.close(attached)

    assert (done.returncode, done.stderr.decode()) == (
        ExitCode.USAGE,
        "Error: --output - writes media bytes to stdout, which is a terminal here: pipe it into a player, e.g. `| mpv -`\n",
    )
    assert shown == b""
    assert viewings(home) == []


def test_a_player_that_quits_early(streaming, home, tmp_path):
    new_request(streaming, "tanaka", "--recording", "1", "--from", "10:16:00", "--to", "10:16:30")  # 960 kB of WAV
    grant(streaming, 1)
    before = files_under(tmp_path)

    running = subprocess.Popen(command(home, 1), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=environment(tmp_path))
    running.stdin.write(f"{OPERATOR_PW}\n".encode())
    running.stdin.close()
    head = running.stdout.read(4096)
    running.stdout.close()  # the player quits
    code = running.wait(timeout=120)
    said = running.stderr.read().decode()
    running.stderr.close()

    assert head[:4] == b"RIFF"
    assert code == 0, said
    [(obj, detail)] = audit_events(home, "viewing.stream_stopped")
    assert obj == "viewing:1"
    assert 4096 <= detail["sent"] < detail["size"]
    assert said == (
        f"Warning: the player stopped reading when {detail['sent']} of {detail['size']} bytes of recording 1 had gone "
        "into the pipe; "
        "viewing 1 under request 1 stays recorded, no copy was kept\n"
    ), "one line, no traceback"
    [viewing] = viewings(home)
    assert viewing["path"] is None, "the viewing had begun: it counts"
    assert [o for o, _ in audit_events(home, "recording.viewed")] == ["recording:1"]
    assert files_under(tmp_path) == before
    assert os.listdir(home / "tmp") == []


def test_through_sudo_in_a_terminal_the_bytes_reach_the_player(streaming, home, tmp_path):
    """As people run it: `sudo -u SERVICE gyomu view ... --output - | player`, typed in a terminal.

    Debian's sudo runs the command in a pseudo-terminal of its own (use_pty);
    the pipe must still carry the media and the password prompt the terminal.
    `script` gives the pipeline a terminal; the player is `sha256sum`.
    """
    for tool in ("sudo", "script", "sha256sum"):
        if not shutil.which(tool):
            pytest.fail(f"{tool} is needed for this test (Debian: sudo, bsdutils, coreutils)")
    assert new_request(streaming, "tanaka", "--recording", "1", "--from", "10:16:00", "--to", "10:16:20").exit_code == 0
    assert grant(streaming, 1).exit_code == 0
    pipeline = " ".join(["sudo", "-u", "root", *command(home, 1)]).replace(" --password-stdin", "") + " | sha256sum"
    typist = subprocess.Popen(["script", "-qec", f"set -o pipefail; {pipeline}", "/dev/null"], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              env=dict(environment(tmp_path), SHELL="/bin/bash"))
    shown = b""
    while b"Password for suzuki" not in shown:  # type only once asked: getpass flushes what came before
        ready, _, _ = select.select([typist.stdout], [], [], 60)
        assert ready, f"no password prompt: {shown!r}"
        chunk = os.read(typist.stdout.fileno(), 4096)
        assert chunk, f"ended before asking: {shown!r}"
        shown += chunk
    out, _ = typist.communicate(f"{OPERATOR_PW}\n".encode(), timeout=120)
    out = shown + out
    assert typist.returncode == 0, out.decode(errors="replace")
    [viewing] = viewings(home)
    assert f"{viewing['sha256']}  -" in out.decode(), "the player got exactly the bytes the ledger names"
    assert "Password for suzuki" in out.decode(), "the prompt went to the terminal, not into the pipe"
    assert os.listdir(home / "tmp") == []
