"""gyomu purge: erasure after retention, holds, tombstones, cron behaviour."""

import datetime as dt
import json
import sqlite3
from zoneinfo import ZoneInfo

import soundfile

from conftest import CALLEE, CALLER, make_mp4, make_wav
from gyomu_cli.errors import ExitCode
from gyomu_cli.lock import exclusive

TOKYO = ZoneInfo("Asia/Tokyo")


def today() -> dt.date:
    return dt.datetime.now(TOKYO).date()


def minus(day: dt.date, years: int = 0, months: int = 0, days: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 - years * 12 - months
    year, month = divmod(index, 12)
    import calendar

    clipped = min(day.day, calendar.monthrange(year, month + 1)[1])
    return dt.date(year, month + 1, clipped) - dt.timedelta(days=days)


def at(day: dt.date, hour: int = 10) -> str:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=TOKYO).isoformat()


def calls_at(gyomu, tmp_path, *starts: str) -> None:
    for n, start in enumerate(starts):
        wav = make_wav(tmp_path / f"call-{n}.wav", seed=n + 10)
        result = gyomu(
            "index", wav, "--device", "line-main", "--started-at", start,
            "--caller", CALLER, "--callee", CALLEE,
        )
        assert result.exit_code == 0, result.stderr


def states(home) -> dict[int, str]:
    with sqlite3.connect(home / "ledger.db") as db:
        return dict(db.execute("SELECT id, state FROM recordings"))


def test_calls_on_both_sides_of_one_year(city, home, tmp_path):
    # Kept to the close of the anniversary day: a call on this day a year ago
    # is kept until tonight; one the day before became erasable at midnight.
    calls_at(
        city, tmp_path,
        at(minus(today(), years=1, days=1), 23),  # 1: ended at 00:00 today
        at(minus(today(), years=1), 0),  # 2: runs until 00:00 tomorrow
        at(minus(today(), months=11)),  # 3: young
    )
    result = city("purge")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    assert states(home) == {1: "erased", 2: "stored", 3: "stored"}


def test_images_on_both_sides_of_three_months(city, home, tmp_path):
    for n, day in enumerate((minus(today(), months=3, days=1), minus(today(), months=3))):
        mp4 = make_mp4(tmp_path / f"seg-{n}.mp4", seed=n)
        assert city("index", mp4, "--device", "cam-1f-counter", "--started-at", at(day)).exit_code == 0
    assert city("purge").exit_code == 0
    assert states(home) == {1: "erased", 2: "stored"}


def test_device_retention_keeps_longer(city, home, tmp_path):
    city("device", "add", "cam-long", "--kind", "camera", "--section", "市民課",
         "--location", "l", "--purpose", "p", "--retention", "1y")
    mp4 = make_mp4(tmp_path / "seg.mp4")
    city("index", mp4, "--device", "cam-long", "--started-at", at(minus(today(), months=6)))
    assert city("purge").exit_code == 0
    assert states(home) == {1: "stored"}


def test_dry_run_lists_reasons_and_changes_nothing(city, home, tmp_path):
    old = minus(today(), years=2)
    calls_at(city, tmp_path, at(old), at(old))
    city("hold", "add", "2", "--note", "苦情 2026-17")
    before = (home / "ledger.db").read_bytes()
    result = city("purge", "--dry-run")
    assert result.exit_code == 0
    ended = (old + dt.timedelta(days=1)).replace(year=old.year + 1)
    assert result.stdout.splitlines() == [
        f"Would erase recording 1 (call, line-main): retention ended {ended} 00:00 JST",
        f"Keeping recording 2 (call, line-main): retention ended {ended} 00:00 JST, but hold 1 (dispute)",
    ]
    assert result.stderr == "1 to erase, 1 kept by holds.\n"
    assert states(home) == {1: "stored", 2: "stored"}
    assert (home / "ledger.db").read_bytes() == before


def test_hold_blocks_until_released(city, home, tmp_path):
    calls_at(city, tmp_path, at(minus(today(), years=2)))
    by_hand = city("hold", "add", "1", "--reason", "request", "--note", "as if for a request")
    assert by_hand.exit_code == ExitCode.USAGE and "a hold by hand is dispute or manual" in by_hand.stderr
    hold = city("hold", "add", "1", "--note", "dispute with a caller")
    assert hold.exit_code == 0 and hold.stdout == "1\n"
    assert city("purge").exit_code == 0
    assert states(home) == {1: "stored"}
    assert json.loads(city("hold", "list", "--json").stdout)[0]["recording_id"] == 1
    assert city("hold", "release", "1").exit_code == 0
    assert json.loads(city("hold", "list", "--json").stdout) == []
    assert city("purge").exit_code == 0
    assert states(home) == {1: "erased"}
    again = city("hold", "add", "1", "--note", "too late")
    assert (again.exit_code, again.stderr) == (
        ExitCode.USAGE, "Error: recording 1 is already erased; there is nothing to hold\n"
    )


def test_erasure_leaves_nothing_personal_under_the_home(city, home, tmp_path):
    wav = make_wav(tmp_path / "call.wav", seconds=5)
    calls_at_file = city(
        "index", wav, "--device", "line-main", "--started-at", at(minus(today(), years=2)),
        "--caller", "0586281234", "--callee", "09087654321",
    )
    assert calls_at_file.exit_code == 0
    [row] = json.loads(city("recordings", "list", "--json").stdout)
    stored = home / "objects" / row["storage_key"]
    flac_tail = stored.read_bytes()[-4096:]
    samples = soundfile.read(wav, dtype="int16")[0][8000:8200].tobytes()

    result = city("purge", "--list")
    assert result.exit_code == 0
    assert result.stdout.startswith("Erased recording 1 (call, line-main): retention ended")
    assert not stored.exists()
    for path in home.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for secret in (b"0586281234", b"09087654321", "0586281234".encode("utf-16-le")):
                assert secret not in data, f"{secret!r} found in {path}"
            assert flac_tail not in data and samples not in data, path
            assert row["sha256"].encode() not in data, path

    [tomb] = json.loads(city("recordings", "list", "--state", "all", "--json").stdout)
    assert tomb["state"] == "erased" and tomb["erased_at"]
    assert tomb["started_month"] == minus(today(), years=2).strftime("%Y-%m")
    assert [tomb[k] for k in ("caller", "callee", "started_at", "sha256", "storage_key")] == [None] * 5
    assert tomb["duration"] == 0.0, "kept to the minute only (5 s rounds to 0), for the yearly hours"


def test_rerun_is_idempotent_and_finishes_an_interrupted_erasure(city, home, tmp_path):
    calls_at(city, tmp_path, at(minus(today(), years=2)), at(minus(today(), years=2)))
    rows = json.loads(city("recordings", "list", "--json").stdout)
    # an earlier run destroyed one object, then died before updating the ledger
    (home / "objects" / rows[0]["storage_key"]).unlink()
    result = city("purge", "--json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert (report["erased"], report["failed"]) == (2, 0)
    assert "already gone" in result.stderr
    assert states(home) == {1: "erased", 2: "erased"}
    second = city("purge", "--json")
    assert json.loads(second.stdout)["erased"] == 0


def test_audit_records_each_erasure_without_personal_fields(city, home, tmp_path):
    calls_at(city, tmp_path, at(minus(today(), years=2)))
    city("purge")
    with sqlite3.connect(home / "ledger.db") as db:
        events = db.execute(
            "SELECT actor, command, object, outcome, detail FROM audit WHERE action = 'recording.erased'"
        ).fetchall()
    assert len(events) == 1
    _, command, obj, outcome, detail = events[0]
    assert (command, obj, outcome) == ("purge", "recording:1", "ok")
    assert json.loads(detail) == {"device": "line-main", "kind": "call", "reason": "retention ended"}


def test_a_second_purge_waits_or_says_it_is_locked(city, home, tmp_path):
    calls_at(city, tmp_path, at(minus(today(), years=2)))
    with exclusive(home / "locks" / "purge.lock", lambda pid: f"busy {pid}"):
        result = city("purge")
        assert result.exit_code == ExitCode.LOCKED
        assert result.stderr.startswith("Error: another purge is running (pid ")
        assert result.stderr.endswith("wait for it, or pass --wait SECONDS\n")
        assert states(home) == {1: "stored"}
    assert city("purge").exit_code == 0
    assert states(home) == {1: "erased"}


def test_purge_without_a_storage_backend_fails_cleanly(city, home, tmp_path, monkeypatch):
    calls_at(city, tmp_path, at(minus(today(), years=2)))
    monkeypatch.setenv("GYOMU_PLUGINS", "")
    from gyomu_cli import plugins

    plugins.reset()
    result = city("purge")
    assert result.exit_code == ExitCode.NOT_READY
    assert result.stderr == (
        "Error: no storage backend named 'local' is installed (installed: none); see `gyomu plugins`\n"
    )
    assert states(home) == {1: "stored"}
