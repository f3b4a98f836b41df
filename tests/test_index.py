"""gyomu index: real WAV and MP4 files into the store and the ledger."""

import contextlib
import datetime as dt
import hashlib
import json
import sqlite3
import stat

import numpy as np
import pytest
import soundfile

from conftest import CALLEE, CALLER, JST, index_call, iso, make_mp4, make_wav
from gyomu_cli.errors import ExitCode

STARTED = dt.datetime(2026, 11, 20, 10, 15, 30, tzinfo=JST)


@contextlib.contextmanager
def plaintext_of(home, recording_id):
    """Decrypt a stored recording the way gyomu itself does."""
    from gyomu_cli import objects
    from gyomu_cli.session import Session

    session = Session.open(home, "verify")
    try:
        row = session.ledger.one("SELECT * FROM recordings WHERE id = ?", [recording_id])
        with objects.plaintext(session, row) as path:
            yield path
    finally:
        session.close()


def recordings(gyomu, *args):
    return json.loads(gyomu("recordings", "list", "--json", *args).stdout)


def ledger_rows(home, sql="SELECT * FROM recordings"):
    with sqlite3.connect(home / "ledger.db") as db:
        db.row_factory = sqlite3.Row
        return [dict(row) for row in db.execute(sql)]


def test_call_stored_as_flac_with_the_same_samples(city, home, tmp_path):
    wav = make_wav(tmp_path / "call-0001.wav", seconds=4.0)
    result = index_call(city, wav, STARTED, "--direction", "in")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"1\t{wav}\n"

    [call] = recordings(city)
    assert call["kind"] == "call" and call["device"] == "line-main" and call["section"] == "市民課"
    assert (call["caller"], call["callee"], call["direction"]) == (CALLER, CALLEE, "in")
    assert call["started_at"] == "2026-11-20T10:15:30+09:00"
    assert call["ended_at"] == "2026-11-20T10:15:34+09:00"
    assert call["duration"] == 4.0
    assert call["retain_until"] == "2027-11-21T00:00:00+09:00"
    assert call["media"]["stored_as"] == "FLAC" and call["media"]["sample_rate"] == 8000

    stored = home / "objects" / call["storage_key"]
    assert stored.suffix == ".flac"
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert stat.S_IMODE(stored.parent.stat().st_mode) == 0o700
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == call["sha256"]
    with plaintext_of(home, 1) as flac:
        assert flac.read_bytes()[:4] == b"fLaC"
        assert stat.S_IMODE(flac.stat().st_mode) == 0o600
        original, _ = soundfile.read(wav, dtype="int16")
        copy, rate = soundfile.read(flac, dtype="int16")
    assert rate == 8000 and np.array_equal(original, copy)
    assert not flac.exists(), "the decrypted work file is removed afterwards"
    [row] = ledger_rows(home)
    assert row["source_sha256"] == hashlib.sha256(wav.read_bytes()).hexdigest()
    assert row["wrapped_key"] and row["plain_sha256"] != row["sha256"]
    assert wav.exists(), "the source stays where it was unless --erase-source"
    assert list((home / "tmp").iterdir()) == []


def test_pcm_hash_is_the_same_for_wav_and_its_flac(city, home, tmp_path):
    wav = make_wav(tmp_path / "a.wav", seed=3)
    flac = tmp_path / "a.flac"
    data, rate = soundfile.read(wav, dtype="int16")
    soundfile.write(flac, data, rate, format="FLAC")
    assert index_call(city, wav, STARTED).exit_code == 0
    assert index_call(city, flac, STARTED).exit_code == 0
    first, second = ledger_rows(home)
    assert first["pcm_sha256"] == second["pcm_sha256"]
    assert first["sha256"] != second["sha256"] or first["storage_key"] != second["storage_key"]


def test_camera_segment_with_its_media_facts(city, home, tmp_path):
    mp4 = make_mp4(tmp_path / "seg-0001.mp4", seconds=2.0)
    result = city("index", mp4, "--device", "cam-1f-counter", "--started-at", "2026-08-01T09:00:00+09:00")
    assert result.exit_code == 0, result.stderr
    [segment] = recordings(city)
    assert segment["kind"] == "image"
    assert segment["media"]["codec"] == "h264"
    assert (segment["media"]["width"], segment["media"]["height"]) == (160, 120)
    assert segment["duration"] == 2.0
    assert segment["caller"] is None
    assert segment["retain_until"] == "2026-11-02T00:00:00+09:00"
    with plaintext_of(home, 1) as plain:
        assert plain.read_bytes() == mp4.read_bytes(), "camera media is kept as recorded"


def test_indexing_twice_registers_once(city, home, tmp_path):
    wav = make_wav(tmp_path / "call.wav")
    assert index_call(city, wav, STARTED).exit_code == 0
    again = index_call(city, wav, STARTED)
    assert again.exit_code == 0
    assert again.stderr == f"{wav}: already indexed as recording 1\n"
    assert len(ledger_rows(home)) == 1
    assert len([p for p in (home / "objects").rglob("*") if p.is_file()]) == 1


def test_truncated_wav_is_refused_and_left_in_place(city, home, tmp_path):
    wav = make_wav(tmp_path / "cut.wav", seconds=3.0)
    whole = wav.read_bytes()
    wav.write_bytes(whole[: len(whole) // 2])
    result = index_call(city, wav, STARTED)
    assert result.exit_code == ExitCode.USAGE
    assert result.stderr.startswith(f"Error: {wav} is truncated: its header announces 48000 bytes")
    assert result.stderr.count("\n") == 1
    assert wav.read_bytes() == whole[: len(whole) // 2]
    assert ledger_rows(home) == []
    assert not (home / "objects").exists() or not any(p.is_file() for p in (home / "objects").rglob("*"))


def test_wav_still_being_written_is_refused(city, home, tmp_path):
    wav = make_wav(tmp_path / "open.wav")
    data = bytearray(wav.read_bytes())
    data[4:8] = b"\0\0\0\0"
    data[40:44] = b"\0\0\0\0"
    wav.write_bytes(bytes(data))
    result = index_call(city, wav, STARTED)
    assert result.exit_code == ExitCode.USAGE
    assert "still being written (its RIFF size is 0)" in result.stderr


def test_mp4_without_its_index_is_refused(city, home, tmp_path):
    mp4 = make_mp4(tmp_path / "seg.mp4", seconds=2.0)
    data = mp4.read_bytes()
    moov = data.find(b"moov")
    assert moov > 0
    mp4.write_bytes(data[: moov - 4])
    result = city("index", mp4, "--device", "cam-1f-counter", "--started-at", "2026-08-01T09:00")
    assert result.exit_code == ExitCode.USAGE
    assert result.stderr.startswith(f"Error: {mp4} is not readable media")
    assert ledger_rows(home) == []


def test_not_media_at_all(city, home, tmp_path):
    junk = tmp_path / "notes.wav"
    junk.write_text("this is not audio")
    result = index_call(city, junk, STARTED)
    assert result.exit_code == ExitCode.USAGE
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    assert ledger_rows(home) == []


def test_refusals_name_what_to_do(city, home, tmp_path):
    wav = make_wav(tmp_path / "call.wav")
    mp4 = make_mp4(tmp_path / "seg.mp4")
    cases = [
        (["index", tmp_path / "missing.wav", "--device", "line-main"], f"Error: {tmp_path / 'missing.wav'} does not exist\n"),
        (["index", wav, "--device", "line-9"], "Error: no device named 'line-9'; see `gyomu device list`\n"),
        (["index", wav, "--device", "line-main", "--started-at", "yesterday", "--caller", "1", "--callee", "2"],
         "Error: --started-at 'yesterday' is not a date or time; write it like 2025-11-20T10:15:30+09:00\n"),
        (["index", wav, "--device", "line-main", "--started-at", "2026-01-01T10:00"],
         f"Error: {wav}: a call record names both parties (Art. 2): give --caller and --callee (anonymous if withheld)\n"),
        (["index", wav, "--device", "line-main", "--started-at", "2026-01-01T10:00", "--caller", "abc", "--callee", "1"],
         "Error: caller number 'abc' is not a phone number; use digits, e.g. 0586281234\n"),
        (["index", mp4, "--device", "line-main", "--started-at", "2026-01-01T10:00", "--caller", "1", "--callee", "2"],
         f"Error: {mp4} holds video; phone line line-main records calls, index audio files to it\n"),
        (["index", wav, "--device", "line-main"],
         f"Error: {wav}: give --started-at (or a manifest's started_at column); the file carries no start time\n"),
        (["index", wav], "Error: give --device: the phone line or camera that recorded the files\n"),
        (["index", wav, mp4, "--device", "line-main", "--started-at", "2026-01-01T10:00"],
         "Error: --started-at applies to one file; for several, use --manifest\n"),
    ]
    for args, message in cases:
        result = city(*args)
        assert (result.exit_code, result.stderr) == (ExitCode.USAGE, message), args
        assert result.stdout == ""
    assert ledger_rows(home) == []


def test_numbers_typed_with_hyphens_are_stored_as_the_pbx_writes_them(city, tmp_path):
    wav = make_wav(tmp_path / "call.wav")
    result = city(
        "index", wav, "--device", "line-main", "--started-at", iso(STARTED),
        "--caller", "0586-28-1234", "--callee", "anonymous",
    )
    assert result.exit_code == 0
    [call] = recordings(city)
    assert (call["caller"], call["callee"]) == ("0586281234", "anonymous")


def test_manifest_indexes_many_and_reports_each_failure(city, home, tmp_path):
    good = [make_wav(tmp_path / f"call-{n}.wav", seed=n) for n in range(3)]
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk")
    segment = make_mp4(tmp_path / "seg.mp4")
    lines = ["file,device,started_at,caller,callee,direction"]
    for n, path in enumerate(good):
        lines.append(f"{path.name},line-main,2026-11-2{n}T09:00:00+09:00,{CALLER},{CALLEE},in")
    lines.append(f"{bad.name},line-main,2026-11-20T09:00:00+09:00,{CALLER},{CALLEE},in")
    lines.append(f"{segment.name},cam-1f-counter,2026-11-20T09:00:00+09:00,,,")
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("\n".join(lines) + "\n")

    result = city("index", "--manifest", manifest, "--json")
    assert result.exit_code == ExitCode.PARTIAL
    report = json.loads(result.stdout)
    assert [r["recording"] for r in report["indexed"]] == [1, 2, 3, 4]
    assert [f["file"] for f in report["failed"]] == [str(bad)]
    assert result.stderr.startswith(f"Error: {bad} is still being written")
    assert len(ledger_rows(home)) == 4
    assert {r["kind"] for r in recordings(city)} == {"call", "image"}


def test_erase_source_after_the_stored_copy_verifies(city, home, tmp_path):
    wav = make_wav(tmp_path / "spool.wav")
    assert index_call(city, wav, STARTED, "--erase-source").exit_code == 0
    assert not wav.exists()
    assert len(ledger_rows(home)) == 1


def test_filters(city, tmp_path):
    for n, day in enumerate((18, 19, 20)):
        wav = make_wav(tmp_path / f"c{n}.wav", seed=n)
        caller = CALLER if n != 1 else "09012345678"
        city("index", wav, "--device", "line-main", "--started-at", f"2026-11-{day}T10:00:00+09:00",
             "--caller", caller, "--callee", CALLEE)
    city("index", make_mp4(tmp_path / "s.mp4"), "--device", "cam-1f-counter", "--started-at", "2026-11-19T12:00")

    def ids(*args):
        return [r["id"] for r in recordings(city, *args)]

    assert ids() == [3, 4, 2, 1]
    assert ids("--number", "090-1234-5678") == [2]
    assert ids("--number", CALLEE) == [3, 2, 1]
    assert ids("--kind", "image") == [4]
    assert ids("--device", "line-main", "--since", "2026-11-19", "--until", "2026-11-20") == [2]
    shown = json.loads(city("recordings", "show", "2", "--json").stdout)
    assert shown["caller"] == "09012345678"
    missing = city("recordings", "show", "99")
    assert (missing.exit_code, missing.stderr) == (ExitCode.USAGE, "Error: no recording 99; see `gyomu recordings list`\n")


def test_csv_and_table_output(city, tmp_path):
    index_call(city, make_wav(tmp_path / "c.wav"), STARTED)
    csv_lines = city("recordings", "list", "--csv").stdout.splitlines()
    assert csv_lines[0].startswith("id,kind,device,started_at")
    assert csv_lines[1].startswith("1,call,line-main,2026-11-20T10:15:30+09:00")
    table = city("recordings", "list").stdout
    assert "line-main" in table and "\x1b[" not in table


def test_audit_never_carries_numbers(city, home, tmp_path):
    index_call(city, make_wav(tmp_path / "c.wav"), STARTED)
    [event] = ledger_rows(home, "SELECT * FROM audit WHERE action = 'recording.indexed'")
    assert event["object"] == "recording:1"
    assert CALLER not in json.dumps(event) and CALLEE not in json.dumps(event)


def test_empty_number_cells_in_a_manifest_are_not_anonymous(city, home, tmp_path):
    wav = make_wav(tmp_path / "call.wav")
    manifest = tmp_path / "m.csv"
    manifest.write_text(f"file,device,started_at,caller,callee\n{wav.name},line-main,2026-11-20T10:00,,\n")
    result = city("index", "--manifest", manifest)
    assert result.exit_code == ExitCode.USAGE
    assert "a call record names both parties (Art. 2)" in result.stderr
    assert ledger_rows(home) == []


def test_a_backend_giving_a_bad_direction_is_told_so_and_nothing_is_stored(city, home, tmp_path):
    from gyomu_cli.backends import CallCapture
    from gyomu_cli.errors import UsageError
    from gyomu_cli.indexing import Indexer
    from gyomu_cli.session import Session

    call = CallCapture(source_ref="x-1", started_at=STARTED, ended_at=STARTED + dt.timedelta(seconds=5),
                       caller="0586281234", callee="0586289999", direction="inbound",
                       audio=make_wav(tmp_path / "x.wav"))
    session = Session.open(home, "capture")
    try:
        with pytest.raises(UsageError, match="direction 'inbound' for x-1; it must be in or out"):
            Indexer(session).ingest_call("line-main", call)
    finally:
        session.close()
    assert ledger_rows(home) == []


@pytest.mark.parametrize("name", ["Asia", "Mars/Olympus", "../etc"])
def test_a_time_zone_that_is_no_zone_is_a_configuration_error(name):
    from gyomu_cli import clock
    from gyomu_cli.errors import ConfigError

    with pytest.raises(ConfigError, match="unknown time zone"):
        clock.zone(name)


def test_rescanning_a_device_without_a_backend_says_how_its_files_are_indexed(city):
    result = city("index", "--backend", "pbx_asterisk", "--device", "line-main")
    assert result.exit_code == ExitCode.USAGE
    assert result.stderr == ("Error: device line-main has no capture backend: its files are indexed by name "
                             "(gyomu index FILE --device line-main)\n")
