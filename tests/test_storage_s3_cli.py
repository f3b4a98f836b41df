"""gyomu's commands on an S3 store that enforces retention itself (Ceph RGW, object lock)."""

import datetime as dt
import json

import pytest
from botocore.exceptions import ClientError

from conftest import CALLEE, CALLER, make_mp4, make_wav

pytest_plugins = ["ceph_fixture"]  # the gateway and s3_env fixtures


def test_a_locked_store_from_add_to_migrate(city, home, tmp_path, s3_env):
    city("index", make_mp4(tmp_path / "s.mp4"), "--device", "cam-1f-counter", "--started-at", "2026-11-20T09:00")
    bucket = s3_env.new_bucket(lock=True)
    added = city("storage", "add", "s3-main", "--backend", "storage_s3", "--option", f"endpoint={s3_env.endpoint}",
                 "--option", f"bucket={bucket}", "--option", "object-lock=compliance")
    assert added.exit_code == 0, added.stderr
    assert city("storage", "use", "s3-main").exit_code == 0
    wav = make_wav(tmp_path / "c.wav")
    result = city("index", wav, "--device", "line-main", "--started-at", "2026-11-25T10:00",
                  "--caller", CALLER, "--callee", CALLEE)
    assert result.exit_code == 0, result.stderr
    call = [r for r in json.loads(city("recordings", "list", "--json").stdout) if r["kind"] == "call"][0]
    assert call["storage_backend"] == "s3-main"

    s3 = s3_env.admin()
    lock = s3.get_object_retention(Bucket=bucket, Key=call["storage_key"])["Retention"]
    assert lock["Mode"] == "COMPLIANCE"
    assert lock["RetainUntilDate"] == dt.datetime.fromisoformat(call["retain_until"])  # the core's date
    versions = s3.list_object_versions(Bucket=bucket, Prefix=call["storage_key"])["Versions"]
    with pytest.raises(ClientError):  # the store itself refuses an early deletion
        s3.delete_object(Bucket=bucket, Key=call["storage_key"], VersionId=versions[0]["VersionId"],
                         BypassGovernanceRetention=True)

    hold = city("hold", "add", str(call["id"]), "--note", "苦情対応中")
    assert hold.exit_code == 0
    assert s3.get_object_legal_hold(Bucket=bucket, Key=call["storage_key"])["LegalHold"]["Status"] == "ON"

    moved = city("storage", "migrate", "--from", "local", "--to", "s3-main", "--json")
    assert json.loads(moved.stdout)["moved"] == 1
    listed = {s["name"]: s for s in json.loads(city("storage", "list", "--json").stdout)}
    assert listed["s3-main"]["object_lock"] == "compliance" and listed["s3-main"]["recordings"] == 2
    assert listed["local"]["recordings"] == 0
    assert city("verify", "--storage", "s3-main", "--deep").exit_code == 0
    assert s3_env.secret_key not in (home / "ledger.db").read_bytes().decode("latin-1")
