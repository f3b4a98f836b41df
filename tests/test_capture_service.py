"""`gyomu capture` as a service: it takes calls in while the PBX keeps writing."""

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from gyomu_pbx_asterisk.simulator import UTC, Pbx

GYOMU = Path(sys.executable).with_name("gyomu")


def stored_callers(home) -> list[str]:
    with sqlite3.connect(home / "ledger.db") as db:
        return [r[0] for r in db.execute("SELECT caller FROM recordings ORDER BY id")]


def wait_for(predicate, seconds=30.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_capture_runs_until_sigterm_and_takes_everything_complete_once(city, home, tmp_path):
    pbx = Pbx(tmp_path / "asterisk")
    result = city(
        "device", "add", "pbx-main", "--kind", "phone-line", "--backend", "pbx_asterisk",
        "--section", "資産経営課", "--location", "l", "--purpose", "p",
        "--option", f"cdr={pbx.cdr}", "--option", f"spool={pbx.spool}", "--option", "timezone=UTC",
        "--option", "trunks=ntt-trunk", "--option", "settle=1",
    )
    assert result.exit_code == 0
    pbx.cdr.touch()
    env = {k: v for k, v in os.environ.items() if k not in ("GYOMU_DEBUG", "SUDO_USER")}
    service = subprocess.Popen(
        [str(GYOMU), "--home", str(home), "capture", "--interval", "0.3"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    try:
        base = dt.datetime.now(UTC).replace(microsecond=0) - dt.timedelta(minutes=30)
        expected = []
        for n in range(6):  # the PBX keeps working while gyomu runs
            caller = f"05862800{n:02d}"
            pbx.inbound(base + dt.timedelta(minutes=n), caller=caller)
            expected.append(caller)
            time.sleep(0.3)
        still_talking = pbx.inbound(base + dt.timedelta(minutes=9), caller="0586289900", finished=False, write_row=False)
        assert wait_for(lambda: len(stored_callers(home)) == 6), service.stderr
    finally:
        service.send_signal(signal.SIGTERM)
        out, err = service.communicate(timeout=30)
    assert service.returncode == 0, err
    assert sorted(stored_callers(home)) == expected
    assert still_talking.files[0].exists(), "an unfinished recording stays in the spool"
    assert [p for p in pbx.spool.rglob("*.wav")] == still_talking.files
    assert "Traceback" not in err
