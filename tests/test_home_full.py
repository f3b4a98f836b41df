"""A gyomu home whose disk is full: reading a recording back fails with one clear line, nothing changed."""

import json
import os

import pytest

from conftest import make_wav, tmpfs
from gyomu_cli.errors import ExitCode


@pytest.fixture
def home(tmp_path):
    """The home on a real 8 MB tmpfs of its own (mounting needs root; skipped without it)."""
    with tmpfs(tmp_path / "disk", "8m") as mount:
        yield mount / "home"


def test_decrypting_a_recording_into_a_full_home_is_a_storage_error(city, home, tmp_path):
    wav = make_wav(tmp_path / "call.wav", seconds=20)
    indexed = city("index", wav, "--device", "line-main", "--started-at", "2026-11-20T10:00",
                   "--caller", "0586281234", "--callee", "0586289999")
    assert indexed.exit_code == 0, indexed.stderr
    [row] = json.loads(city("recordings", "list", "--json").stdout)
    filler = home.parent / "filler"
    fs = os.statvfs(home.parent)
    filler.write_bytes(b"\1" * (fs.f_bavail * fs.f_frsize - 96 * 1024))  # room for the ledger, not the audio
    checked = city("verify", "--deep")
    assert checked.exit_code == ExitCode.STORAGE, checked.stderr
    assert checked.stderr.startswith(f"Error: no space left in {home / 'tmp'} to decrypt {row['storage_key']}")
    assert list((home / "tmp").iterdir()) == [], "the half-decrypted work file is gone"
    filler.unlink()
    assert city("verify", "--deep").exit_code == 0


def test_a_ledger_that_cannot_grow_is_a_full_disk_not_a_damaged_ledger(city, home):
    filler = home.parent / "filler"
    fs = os.statvfs(home.parent)
    filler.write_bytes(b"\1" * (fs.f_bavail * fs.f_frsize))
    added = city("section", "add", "税務課")
    assert added.exit_code == ExitCode.STORAGE
    assert added.stderr == (f"Error: the disk of the gyomu home {home} is full: the ledger could not be written "
                            "and nothing was changed; free space there\n")
    filler.unlink()
    assert "税務課" not in city("section", "list").stdout
    assert city("audit", "verify").exit_code == 0
