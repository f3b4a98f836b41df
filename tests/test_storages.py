"""Named storages: a second store, making it current, moving objects over (resumably)."""

import json
import sqlite3

import pytest

from conftest import CALLEE, CALLER, make_mp4, make_wav
from gyomu_cli.errors import ExitCode


@pytest.fixture
def two_disks(city, home, tmp_path):
    for n in range(3):
        wav = make_wav(tmp_path / f"c{n}.wav", seed=n)
        assert city("index", wav, "--device", "line-main", "--started-at", f"2026-11-2{n}T10:00",
                    "--caller", CALLER, "--callee", CALLEE).exit_code == 0
    city("index", make_mp4(tmp_path / "s.mp4"), "--device", "cam-1f-counter", "--started-at", "2026-11-20T09:00")
    added = city("storage", "add", "disk2", "--backend", "local", "--option", f"path={tmp_path / 'disk2'}")
    assert added.exit_code == 0, added.stderr
    return city


def where(home):
    with sqlite3.connect(home / "ledger.db") as db:
        return dict(db.execute("SELECT id, storage_backend FROM recordings ORDER BY id"))


def test_list_use_and_new_objects_go_to_the_current_store(two_disks, home, tmp_path):
    listed = {s["name"]: s for s in json.loads(two_disks("storage", "list", "--json").stdout)}
    assert listed["local"]["current"] and listed["local"]["recordings"] == 4
    assert listed["disk2"]["recordings"] == 0 and listed["disk2"]["object_lock"] == "off"
    assert two_disks("storage", "use", "disk2").exit_code == 0
    wav = make_wav(tmp_path / "new.wav", seed=9)
    two_disks("index", wav, "--device", "line-main", "--started-at", "2026-11-25T10:00", "--caller", "1", "--callee", "2")
    assert where(home)[5] == "disk2"
    assert any((tmp_path / "disk2").rglob("*.flac"))
    assert two_disks("verify", "--deep").exit_code == 0


def test_migrate_moves_verifies_and_erases_the_old_copies(two_disks, home, tmp_path):
    before = {p.name for p in (home / "objects").rglob("*") if p.is_file()}
    assert len(before) == 4
    part = two_disks("storage", "migrate", "--from", "local", "--to", "disk2", "--limit", "2", "--json")
    assert json.loads(part.stdout)["moved"] == 2
    assert sorted(where(home).values()) == ["disk2", "disk2", "local", "local"]
    rest = two_disks("storage", "migrate", "--from", "local", "--to", "disk2", "--json")
    assert json.loads(rest.stdout)["moved"] == 2
    assert set(where(home).values()) == {"disk2"}
    assert [p for p in (home / "objects").rglob("*") if p.is_file()] == []
    assert {p.name for p in (tmp_path / "disk2").rglob("*") if p.is_file()} == before
    assert two_disks("verify", "--deep").exit_code == 0
    assert two_disks("verify", "--storage", "disk2").exit_code == 0


def test_an_interrupted_migration_leaves_nothing_unnoticed(two_disks, home, tmp_path):
    # a crash between switching the ledger and erasing the old copy: simulate the switch alone
    two_disks("storage", "migrate", "--from", "local", "--to", "disk2", "--limit", "1")
    with sqlite3.connect(home / "ledger.db") as db:
        key = db.execute("SELECT storage_key FROM recordings WHERE id = 2").fetchone()[0]
    leftover = home / "objects" / key
    copy = tmp_path / "disk2" / key
    copy.parent.mkdir(parents=True, exist_ok=True)
    copy.write_bytes(leftover.read_bytes())
    with sqlite3.connect(home / "ledger.db") as db:
        db.execute("UPDATE recordings SET storage_backend = 'disk2' WHERE id = 2")
    found = two_disks("verify", "--json")
    assert found.exit_code == ExitCode.INTEGRITY
    assert json.loads(found.stdout)["problems"] == {"orphan": 1}
    resumed = two_disks("storage", "migrate", "--from", "local", "--to", "disk2")
    assert resumed.exit_code == 0
    assert "left in local by an interrupted migration" in resumed.stderr
    assert not leftover.exists()
    assert two_disks("verify").exit_code == 0


def test_storage_refusals(two_disks):
    assert two_disks("storage", "add", "disk2", "--backend", "local").exit_code == ExitCode.USAGE
    missing = two_disks("storage", "use", "tape")
    assert (missing.exit_code, missing.stderr) == (ExitCode.USAGE, "Error: no storage named 'tape'; see `gyomu storage list`\n")
    unknown = two_disks("storage", "add", "x", "--backend", "floppy")
    assert unknown.exit_code == ExitCode.NOT_READY and "no storage backend named 'floppy'" in unknown.stderr
    same = two_disks("storage", "migrate", "--from", "local", "--to", "local")
    assert same.exit_code == ExitCode.USAGE
