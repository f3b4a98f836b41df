"""Viewing copies and disclosure packages on a full disk: one clear error, nothing half written left.

The disk is a real 1 MB tmpfs (mounting it needs root; without it these tests
are skipped), filled up to the few bytes each test leaves free.
"""

import json
import os
import sqlite3
import stat

import pytest

from conftest import tmpfs
from gyomu_cli.errors import ExitCode, StorageError, StorageFull
from gyomu_cli.sink import written
from test_disclosures import disclose, holds_on
from test_requests import grant, new_request, office, view  # noqa: F401  (the fixture)

PAGE = 4096


@pytest.fixture
def small_disk(tmp_path):
    with tmpfs(tmp_path / "disk", "1m") as mount:
        yield mount


def leave_free(mount, free: int):
    """Fill the disk with a file that must survive, so that `free` bytes are left."""
    filler = mount / "stored-before"
    filler.unlink(missing_ok=True)
    fs = os.statvfs(mount)
    filler.write_bytes(b"\1" * (fs.f_bavail * fs.f_frsize - free))
    return filler


def files_on(mount) -> list[str]:
    return sorted(str(p.relative_to(mount)) for p in mount.rglob("*"))


def viewings(home) -> int:
    with sqlite3.connect(home / "ledger.db") as db:
        return db.execute("SELECT count(*) FROM viewings").fetchone()[0]


def test_a_sink_on_a_full_disk_keeps_nothing(small_disk):
    leave_free(small_disk, 2 * PAGE)
    target = small_disk / "excerpt.wav"
    with pytest.raises(StorageFull) as raised, written(target) as out:
        out.write(bytes(PAGE))  # fits
        out.write(bytes(8 * PAGE))  # does not
    assert str(raised.value) == (
        f"no space left in {small_disk} for excerpt.wav; nothing of it was kept: free space there or choose another --output"
    )
    assert files_on(small_disk) == ["stored-before"]


def test_a_sink_finds_a_file_cut_short_behind_its_back(tmp_path):
    target = tmp_path / "excerpt.mp4"
    with pytest.raises(StorageError, match=r"came out 5000 of 10000 bytes long; nothing of it was kept"), written(target) as out:
        out.write(b"x" * 10000)
        os.ftruncate(out.file.fileno(), 5000)
    assert not target.exists()


def test_a_sink_keeps_a_whole_file_owner_only(tmp_path):
    target = tmp_path / "excerpt.mp4"
    with written(target) as out:
        out.write(b"header--" + b"x" * 10000)
        out.seek(0)
        out.write(b"HEADER")  # a muxer goes back to fill in sizes
    assert target.read_bytes() == b"HEADER--" + b"x" * 10000
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("wanted", "free", "name"),
    [
        # 10 s of a two-channel call, 320 kB, written by soundfile
        (["1", "--from", "10:16:00", "--to", "10:16:10"], 16 * PAGE, "request-1-recording-1-item-1.wav"),
        # a 10 s camera segment, about 3 pages, copied by PyAV
        (["2"], PAGE, "request-1-recording-2-item-1.mp4"),
    ],
)
def test_a_viewing_copy_on_a_full_disk(office, home, small_disk, wanted, free, name):  # noqa: F811
    assert new_request(office, "tanaka", "--recording", *wanted).exit_code == 0
    assert grant(office, 1).exit_code == 0
    filler = leave_free(small_disk, free)
    size = filler.stat().st_size
    out = small_disk / "viewing"

    result = view(office, 1, out)
    assert result.exit_code == ExitCode.STORAGE
    assert result.stderr == (
        f"Error: no space left in {out} for {name}; nothing of it was kept: free space there or choose another --output\n"
    )
    assert result.stdout == ""
    assert files_on(small_disk) == ["stored-before", "viewing"]
    assert filler.stat().st_size == size
    assert viewings(home) == 0, "no viewing is recorded for a copy that was not made"

    filler.unlink()
    again = view(office, 1, out)
    assert again.exit_code == 0, again.stderr
    assert files_on(small_disk) == sorted(["viewing", f"viewing/{name}", "viewing/request-1-manifest.json"])
    assert viewings(home) == 1


def test_a_disclosure_package_on_a_full_disk_is_not_made(office, home, small_disk):  # noqa: F811
    leave_free(small_disk, 16 * PAGE)
    package = small_disk / "提供" / "2026-003"
    result = disclose(office, "new", "--basis", "law", "--recipient", "一宮警察署", "--document", office.form,
                      "--item", "2", "--item", "1", "--output", package)
    assert result.exit_code == ExitCode.STORAGE
    assert result.stderr == (
        f"Error: no space left in {package / 'data'} for 02-recording-1.wav; nothing of it was kept: free space there "
        "or choose another --output; the package was not made and no disclosure was recorded\n"
    )
    assert files_on(small_disk) == ["stored-before"], "the half-made package and its folders are gone"
    assert json.loads(office("disclose", "list", "--json").stdout) == []
    assert holds_on(home) == []
    assert office("verify").exit_code == 0, "the written request stored for it is not left behind as an orphan"


def test_a_package_whose_tag_files_do_not_fit_is_not_made(office, home, tmp_path, small_disk):  # noqa: F811
    made = disclose(office, "new", "--basis", "law", "--recipient", "一宮警察署", "--document", office.form,
                    "--item", "1@10:16:00-10:16:05", "--output", tmp_path / "first")
    assert made.exit_code == 0, made.stderr
    excerpt = next((tmp_path / "first" / "data").iterdir()).stat().st_size
    leave_free(small_disk, -(-excerpt // PAGE) * PAGE)  # room for the excerpt, none for the tag files
    package = small_disk / "2026-004"

    result = disclose(office, "new", "--basis", "law", "--recipient", "一宮警察署", "--document", office.form,
                      "--item", "1@10:16:00-10:16:05", "--output", package)
    assert result.exit_code == ExitCode.STORAGE
    assert result.stderr.startswith(f"Error: no space left in {package} for bagit.txt; nothing of it was kept")
    assert result.stderr.endswith("; the package was not made and no disclosure was recorded\n")
    assert files_on(small_disk) == ["stored-before"]
    assert [d["id"] for d in json.loads(office("disclose", "list", "--json").stdout)] == [1]
    assert office("verify").exit_code == 0
