"""`gyomu demo`: the whole day at city hall, end to end, through the real commands."""

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

GYOMU = Path(sys.executable).with_name("gyomu")


def test_demo_plays_the_day_and_leaves_a_consistent_home(tmp_path):
    home = tmp_path / "gyomu-demo"
    done = subprocess.run([str(GYOMU), "demo", "--home", str(home)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "$ gyomu capture --once" in done.stdout and "$ gyomu grant 1    # password asked" in done.stdout
    with sqlite3.connect(home / "ledger.db") as db:
        kinds = dict(db.execute("SELECT kind || ':' || state, count(*) FROM recordings GROUP BY 1").fetchall())
        requests = db.execute("SELECT id, state FROM requests ORDER BY id").fetchall()
        disclosure = db.execute("SELECT basis, document_id IS NOT NULL, package_sha256 FROM disclosures").fetchone()
        outcomes = dict(db.execute("SELECT outcome, count(*) FROM audit GROUP BY outcome").fetchall())
    assert {k: v for k, v in kinds.items() if k.startswith("call")} == {"call:stored": 4, "call:erased": 1}
    assert kinds["image:erased"] == 1, "the 100-day-old segment is past the 3 months"
    assert kinds["image:stored"] >= 2, "the live camera's 12 s in 5 s segments"
    assert "A live RTSP stream stands in for the camera: rtsp://127.0.0.1:" in done.stdout
    assert requests == [(1, "closed"), (2, "closed"), (3, "denied")]
    with sqlite3.connect(home / "ledger.db") as db:
        opinions = db.execute("SELECT request_id, agree FROM opinions ORDER BY request_id").fetchall()
    assert opinions == [(2, 1), (3, 0)], "the other section's requests heard the responsible head first"
    viewed = home.with_name("gyomu-demo-work") / "viewing-2"
    assert [p.suffix for p in viewed.iterdir() if p.suffix == ".wav"] == [".wav"]
    assert disclosure[0] == "emergency" and disclosure[1] == 1 and len(disclosure[2]) == 64
    assert outcomes.get("failed", 0) == 0
    report = home.with_name("gyomu-demo-work") / "運用状況.html"
    assert "令和" in report.read_text()
    spool = home.with_name("gyomu-demo-pbx") / "monitor"
    leftovers = sorted(p.name for p in spool.rglob("*.wav"))
    assert len(leftovers) == 1 and "internal" in leftovers[0], "only the internal call stays: not gyomu's"
    again = subprocess.run([str(GYOMU), "demo", "--home", str(home)], capture_output=True, text=True)
    assert again.returncode != 0 and "is not empty" in again.stderr
    assert json.loads(subprocess.run([str(GYOMU), "--home", str(home), "audit", "verify", "--json"],
                                     capture_output=True, text=True).stdout)["intact"]


def test_a_longer_history_and_capture_that_keeps_running(tmp_path):
    home = tmp_path / "gyomu-demo"
    demo = subprocess.Popen([str(GYOMU), "demo", "--home", str(home), "--days", "20", "--keep-running"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    try:
        deadline = time.monotonic() + 400
        while time.monotonic() < deadline:
            line = demo.stdout.readline()
            assert line, "the demo ended before capture kept running:\n" + "".join(lines[-40:])
            lines.append(line)
            if "a call from 0586700001 ended" in line:
                break
        time.sleep(12)  # the service scans every 5 s
        demo.send_signal(signal.SIGTERM)
        rest, _ = demo.communicate(timeout=120)
    finally:
        if demo.poll() is None:
            demo.kill()
    output = "".join(lines) + rest
    assert demo.returncode == 0, output[-3000:]
    assert "$ gyomu capture --interval 5" in output
    with sqlite3.connect(home / "ledger.db") as db:
        callers = {row[0] for row in db.execute("SELECT caller FROM recordings WHERE kind = 'call'")}
        oldest = db.execute("SELECT min(started_at) FROM recordings WHERE kind = 'call' AND state = 'stored'").fetchone()[0]
    assert "0586700001" in callers, "the call placed while the service ran was taken in"
    history = {c for c in callers if c and c.startswith("0586") and c not in ("0586281234", "0586700001")}
    assert len(history) >= 10, "about two weeks of weekdays, one inbound call each"
    assert oldest < time.strftime("%Y-%m-%d", time.gmtime(time.time() - 14 * 86400))


def test_days_out_of_range_is_refused_before_anything_is_made(tmp_path):
    done = subprocess.run([str(GYOMU), "demo", "--home", str(tmp_path / "d"), "--days", "0"], capture_output=True, text=True)
    assert done.returncode == 2 and "--days" in done.stderr
    assert not (tmp_path / "d").exists()
