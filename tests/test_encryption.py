"""Encryption at rest: per-object keys under a master key kept apart (Art. 6-1)."""

import base64
import os
import datetime as dt
import io
import json
import shutil
import sqlite3
import stat

import pytest
import soundfile

from conftest import CALLEE, CALLER, make_mp4, make_wav
from gyomu_cli import vault
from gyomu_cli.errors import ExitCode, IntegrityError

LONG_AGO = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=800)).isoformat()


def index(gyomu, path, started=LONG_AGO):
    result = gyomu("index", path, "--device", "line-main", "--started-at", started, "--caller", CALLER, "--callee", CALLEE)
    assert result.exit_code == 0, result.stderr
    return json.loads(gyomu("recordings", "list", "--json").stdout)[0]


def test_the_master_key_lives_outside_the_home(city, home):
    key_file = home.with_name("home.key")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(base64.b64decode(key_file.read_text())) == 32
    assert str(key_file) in (home / "gyomu.toml").read_text()
    assert not any(p.name.endswith(".key") for p in home.rglob("*"))


def test_stored_bytes_are_not_the_plaintext(city, home, tmp_path):
    wav = make_wav(tmp_path / "c.wav", seconds=3)
    row = index(city, wav)
    stored = (home / "objects" / row["storage_key"]).read_bytes()
    samples = soundfile.read(wav, dtype="int16")[0][1000:1100].tobytes()
    assert stored.startswith(vault.MAGIC)
    assert b"fLaC" not in stored and samples not in stored
    mp4 = make_mp4(tmp_path / "s.mp4")
    city("index", mp4, "--device", "cam-1f-counter", "--started-at", LONG_AGO)
    segment = [r for r in json.loads(city("recordings", "list", "--json").stdout) if r["kind"] == "image"][0]
    stored_video = (home / "objects" / segment["storage_key"]).read_bytes()
    assert b"ftyp" not in stored_video and b"avc1" not in stored_video


def test_erased_object_cannot_be_decrypted_even_from_a_copy(city, home, tmp_path):
    row = index(city, make_wav(tmp_path / "c.wav"))
    copy = tmp_path / "stolen-copy"
    shutil.copy(home / "objects" / row["storage_key"], copy)
    with sqlite3.connect(home / "ledger.db") as db:
        (wrapped,) = db.execute("SELECT wrapped_key FROM recordings WHERE id = 1").fetchone()
    assert city("purge").exit_code == 0
    with sqlite3.connect(home / "ledger.db") as db:
        assert db.execute("SELECT wrapped_key FROM recordings WHERE id = 1").fetchone() == (None,)
    for path in home.rglob("*"):
        if path.is_file():
            assert wrapped.encode() not in path.read_bytes(), path
    # Without its wrapped key the copy is noise: no other key opens it.
    master = vault.Vault(vault.load_master_key(home.with_name("home.key")))
    other_key, _ = master.new_object_key(row["storage_key"])
    with open(copy, "rb") as data, pytest.raises(IntegrityError, match="does not authenticate"):
        vault.decrypt(data, other_key, io.BytesIO(), "copy")


def test_wrong_master_key_is_refused_before_writing(city, home, tmp_path):
    index(city, make_wav(tmp_path / "a.wav"))
    key_file = home.with_name("home.key")
    key_file.write_text(base64.b64encode(b"x" * 32).decode())
    result = city("index", make_wav(tmp_path / "b.wav", seed=2), "--device", "line-main",
                  "--started-at", LONG_AGO, "--caller", "1", "--callee", "2")
    assert result.exit_code == ExitCode.NOT_READY
    assert "is not the one this ledger was made with" in result.stderr
    assert len(json.loads(city("recordings", "list", "--json").stdout)) == 1


def test_missing_master_key_is_a_clear_error(city, home, tmp_path):
    index(city, make_wav(tmp_path / "a.wav"))
    home.with_name("home.key").unlink()
    result = city("verify", "--deep")
    assert result.exit_code == ExitCode.NOT_READY
    assert result.stderr.startswith(f"Error: master key file {home.with_name('home.key')} is missing; restore it")


def test_master_key_from_the_environment(city, home, tmp_path, monkeypatch):
    key = home.with_name("home.key").read_text().strip()
    home.with_name("home.key").unlink()
    monkeypatch.setenv("GYOMU_MASTER_KEY", key)
    index(city, make_wav(tmp_path / "a.wav"))
    assert city("verify", "--deep").exit_code == 0


def test_verify_finds_a_flipped_byte(city, home, tmp_path):
    row = index(city, make_wav(tmp_path / "a.wav"))
    assert (city("verify").exit_code, city("verify").stdout) == (0, "")
    path = home / "objects" / row["storage_key"]
    data = bytearray(path.read_bytes())
    data[200] ^= 0x01
    path.write_bytes(bytes(data))
    result = city("verify")
    assert result.exit_code == ExitCode.INTEGRITY
    assert result.stdout.startswith(f"altered: {row['storage_key']} (recording 1): SHA-256 ")


def test_deep_verify_catches_tampering_the_hash_cannot(city, home, tmp_path):
    """Someone flips a byte and rewrites the recorded hash: the cipher still knows."""
    row = index(city, make_wav(tmp_path / "a.wav"))
    path = home / "objects" / row["storage_key"]
    data = bytearray(path.read_bytes())
    data[-40] ^= 0x01
    path.write_bytes(bytes(data))
    import hashlib

    with sqlite3.connect(home / "ledger.db") as db:
        db.execute("UPDATE recordings SET sha256 = ? WHERE id = 1", [hashlib.sha256(bytes(data)).hexdigest()])
    assert city("verify").exit_code == 0
    deep = city("verify", "--deep", "--json")
    assert deep.exit_code == ExitCode.INTEGRITY
    [finding] = json.loads(deep.stdout)["findings"]
    assert finding["problem"] == "undecryptable" and "does not authenticate" in finding["detail"]


def test_verify_finds_missing_and_orphan_objects(city, home, tmp_path):
    row = index(city, make_wav(tmp_path / "a.wav"))
    (home / "objects" / row["storage_key"]).rename(home / "objects" / "call" / "stray.flac")
    result = city("verify", "--json")
    assert result.exit_code == ExitCode.INTEGRITY
    report = json.loads(result.stdout)
    assert report["problems"] == {"missing": 1, "orphan": 1}


def test_chunked_encryption_round_trip_and_truncation():
    v = vault.Vault(b"k" * 32)
    key, _ = v.new_object_key("x")
    for size in (0, 1, vault.CHUNK - 1, vault.CHUNK, vault.CHUNK + 1, 3 * vault.CHUNK):
        plain = bytes(range(256)) * (size // 256) + b"z" * (size % 256)
        sealed = vault.EncryptingReader(io.BytesIO(plain), key).read()
        out = io.BytesIO()
        vault.decrypt(io.BytesIO(sealed), key, out, "x")
        assert out.getvalue() == plain
        if size > vault.CHUNK:
            cut = sealed[: vault.HEADER.size + vault.CHUNK + vault.TAG]
            with pytest.raises(IntegrityError, match="cut short"):
                vault.decrypt(io.BytesIO(cut), key, io.BytesIO(), "x")


def test_exposed_home_ledger_or_key_is_warned_about(city, home):
    key_file = home.with_name("home.key")
    os.chmod(key_file, 0o644)
    os.chmod(home / "ledger.db", 0o640)
    result = city("device", "list")
    assert result.exit_code == 0
    assert f"Warning: {home / 'ledger.db'} is accessible to other accounts (mode 0o640); run chmod go-rwx on it (Art. 6-1)" in result.stderr
    assert f"Warning: {key_file} is accessible to other accounts (mode 0o644)" in result.stderr
    os.chmod(key_file, 0o600)
    os.chmod(home / "ledger.db", 0o600)
    assert city("device", "list").stderr == ""
