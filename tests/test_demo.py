"""`gyomu demo`: the whole day at city hall, end to end, through the real commands."""

import json
import sqlite3
import subprocess
import sys
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
    assert kinds == {"call:stored": 4, "call:erased": 1, "image:stored": 1, "image:erased": 1}
    assert requests == [(1, "closed"), (2, "denied")]
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
