"""`gyomu capture` with cameras: segments registered, on-demand announced first (Art. 4)."""

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from gyomu_cli.errors import ExitCode
from test_camera_rtsp import serve  # noqa: F401  (the RTSP server fixture)

GYOMU = Path(sys.executable).with_name("gyomu")


def add_camera(gyomu, name, url, *extra):
    result = gyomu(
        "device", "add", name, "--kind", "camera", "--backend", "camera_rtsp", "--section", "市民課",
        "--location", "本庁舎1階 市民課窓口", "--purpose", "窓口対応の記録のため",
        "--option", f"url={url}", "--option", "segment=1", *extra,
    )
    assert result.exit_code == 0, result.stderr


def capture(home, *args):
    env = {k: v for k, v in os.environ.items() if k not in ("GYOMU_DEBUG", "SUDO_USER")}
    return subprocess.run([str(GYOMU), "--home", str(home), "capture", "--interval", "0.5", *args],
                          capture_output=True, text=True, env=env, timeout=120)


def segments(home, device=None):
    with sqlite3.connect(home / "ledger.db") as db:
        db.row_factory = sqlite3.Row
        sql = ("SELECT r.*, d.name AS device FROM recordings r JOIN devices d ON d.id = r.device_id "
               "WHERE r.kind = 'image' ORDER BY r.started_at")
        return [dict(r) for r in db.execute(sql) if device is None or r["device"] == device]


def test_cameras_record_segments_into_the_ledger(city, home, serve):  # noqa: F811
    first, second = serve(), serve("--no-audio")
    add_camera(city, "cam-a", first.url)
    add_camera(city, "cam-b", second.url)
    done = capture(home, "--device", "cam-a", "--device", "cam-b", "--for", "7s")
    assert done.returncode == 0, done.stderr
    for device in ("cam-a", "cam-b"):
        rows = segments(home, device)
        assert len(rows) >= 3, (device, done.stderr)
        assert all(json.loads(r["media"])["codec"] == "h264" for r in rows)
        starts = [r["started_at"] for r in rows]
        assert starts == sorted(starts) and len(set(starts)) == len(starts)
        assert sum(r["duration"] for r in rows) > 2.5
    assert list((home / "state" / "cam-a" / "segments").glob("*.mp4")) == [], "work files erased once stored"
    assert city("verify", "--deep").exit_code == 0


def test_on_demand_camera_needs_its_announcement(city, home, serve):  # noqa: F811
    server = serve("--no-audio")
    add_camera(city, "cam-interview", server.url, "--on-demand")
    everything = capture(home, "--once")
    assert everything.returncode == ExitCode.USAGE, "no always-on source: nothing to capture"
    refused = capture(home, "--device", "cam-interview", "--for", "3s")
    assert refused.returncode == ExitCode.REFUSED
    assert "must be announced first (Art. 4-2)" in refused.stderr
    assert segments(home) == []
    city("user", "add", "suzuki", "--name", "鈴木", "--section", "市民課", "--role", "operator")
    announced = city("notice", "cam-interview", "--by", "suzuki", "--how", "口頭で録画開始を告知")
    assert announced.exit_code == 0, announced.stderr
    no_limit = capture(home, "--device", "cam-interview")
    assert no_limit.returncode == ExitCode.USAGE and "give --for" in no_limit.stderr
    done = capture(home, "--device", "cam-interview", "--for", "4s")
    assert done.returncode == 0, done.stderr
    rows = segments(home)
    assert rows and {r["notice_id"] for r in rows} == {1}
    again = capture(home, "--device", "cam-interview", "--for", "3s")
    assert again.returncode == ExitCode.REFUSED, "one announcement, one recording"


def test_camera_password_never_reaches_the_ledger_in_clear(city, home, serve):  # noqa: F811
    server = serve("--no-audio")
    url = server.url.replace("rtsp://", "rtsp://admin:s3cret-pw@")
    add_camera(city, "cam-locked", url)
    shown = json.loads(city("device", "show", "cam-locked", "--json").stdout)
    assert shown["options"]["url"] == server.url.replace("rtsp://", "rtsp://admin:***@")
    done = capture(home, "--device", "cam-locked", "--for", "4s")
    assert done.returncode == 0, done.stderr
    assert segments(home), "the sealed URL reached the backend"
    assert "s3cret-pw" not in done.stderr
    for path in home.rglob("*"):
        if path.is_file():
            assert b"s3cret-pw" not in path.read_bytes(), path


def test_a_camera_outage_is_registered_as_a_gap(city, home, serve):  # noqa: F811
    import time

    server = serve("--no-audio")
    add_camera(city, "cam-a", server.url)
    env = {k: v for k, v in os.environ.items() if k not in ("GYOMU_DEBUG", "SUDO_USER")}
    running = subprocess.Popen([str(GYOMU), "--home", str(home), "capture", "--interval", "0.5", "--for", "16s"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    time.sleep(6)
    server.kill()
    time.sleep(4)
    server.start()  # the same port: the camera comes back
    out, err = running.communicate(timeout=120)
    assert running.returncode == 0, err
    with sqlite3.connect(home / "ledger.db") as db:
        gaps = [json.loads(d) for (d,) in db.execute("SELECT detail FROM audit WHERE action = 'camera.gap'")]
    assert len(gaps) == 1, err
    assert gaps[0]["end"] > gaps[0]["start"]
    assert "recorded nothing from" in err
    assert len(segments(home)) >= 4, "recording resumed after the outage"


def test_a_killed_capture_leaves_a_playable_segment_registered_on_restart(city, home, serve):  # noqa: F811
    import signal
    import time

    server = serve("--no-audio")
    add_camera(city, "cam-a", server.url, "--option", "segment=30")  # one long segment, open when killed
    env = {k: v for k, v in os.environ.items() if k not in ("GYOMU_DEBUG", "SUDO_USER")}
    first = subprocess.Popen([str(GYOMU), "--home", str(home), "capture", "--for", "60s"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    work = home / "state" / "cam-a" / "segments"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not list(work.glob("*.part")):
        time.sleep(0.2)
    time.sleep(4)  # a few fragments into the open segment
    first.send_signal(signal.SIGKILL)
    first.communicate(timeout=30)
    [left] = list(work.glob("*.part"))
    assert segments(home) == []
    again = capture(home, "--device", "cam-a", "--for", "3s")
    assert again.returncode == 0, again.stderr
    rows = segments(home)
    assert rows, again.stderr
    assert rows[0]["duration"] >= 2.0, "the killed segment plays up to its last fragment"
    assert not left.exists()
