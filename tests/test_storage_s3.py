"""The S3 storage backend against a real RADOS Gateway (tests/ceph_fixture.py)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import socket
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from pathlib import Path
from botocore.exceptions import ClientError
from gyomu_storage_s3.store import S3Store

from gyomu_cli import plugins
from gyomu_cli.errors import ConfigError, ObjectMissing, StorageError

pytest_plugins = ["ceph_fixture"]  # the gateway and s3_env fixtures

MB = 1 << 20


class Stream:
    """A source that can only be read, like the core's encrypting reader."""

    def __init__(self, data: bytes):
        self._data = io.BytesIO(data)

    def read(self, size: int = -1) -> bytes:
        return self._data.read(size)


def store_for(gateway, bucket: str, tmp_path, **options: str) -> S3Store:
    return S3Store.from_options(
        tmp_path, {"endpoint": gateway.endpoint, "bucket": bucket, **options}
    )


def in_seconds(seconds: float) -> dt.datetime:
    return dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds)


def wait_until(moment: dt.datetime) -> None:
    time.sleep(max(0.0, (moment - dt.datetime.now(dt.UTC)).total_seconds()) + 1.5)


def one_line(error: pytest.ExceptionInfo) -> str:
    text = str(error.value)
    assert "\n" not in text and "Traceback" not in text
    return text


# Storing, reading, listing


def test_round_trip_hashes_what_was_stored(s3_env, tmp_path):
    bucket = s3_env.new_bucket()
    store = store_for(s3_env, bucket, tmp_path, prefix="city-office")
    data = b"audio" * 1000

    stored = store.put("call/ab/cd/x.flac", Stream(data))

    assert stored.key == "call/ab/cd/x.flac"
    assert (stored.size, stored.sha256) == (5000, hashlib.sha256(data).hexdigest())
    assert store.stat("call/ab/cd/x.flac") == stored
    assert store.exists("call/ab/cd/x.flac") and not store.exists("call/ab/cd/y.flac")
    with store.open("call/ab/cd/x.flac") as body:
        assert body.read(5) == b"audio"
        assert body.read() == data[5:]
    raw = s3_env.admin().get_object(Bucket=bucket, Key="city-office/call/ab/cd/x.flac")
    assert raw["Body"].read() == data


def test_large_object_goes_in_parts(s3_env, tmp_path):
    bucket = s3_env.new_bucket()
    store = store_for(s3_env, bucket, tmp_path)
    data = os.urandom(21 * MB)

    stored = store.put("image/big.mp4", Stream(data))

    assert (stored.size, stored.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    etag = s3_env.admin().head_object(Bucket=bucket, Key="image/big.mp4")["ETag"]
    assert etag.strip('"').endswith("-3")  # three parts of 8 MB or less
    assert store.stat("image/big.mp4") == stored
    digest = hashlib.sha256()
    with store.open("image/big.mp4") as body:
        while chunk := body.read(MB):
            digest.update(chunk)
    assert digest.hexdigest() == stored.sha256


def test_put_never_replaces_an_object(s3_env, tmp_path):
    store = store_for(s3_env, s3_env.new_bucket(), tmp_path)
    store.put("k/one", Stream(b"first"))

    with pytest.raises(StorageError, match="storage key k/one already holds an object"):
        store.put("k/one", Stream(b"second"))

    with store.open("k/one") as body:
        assert body.read() == b"first"


def test_missing_object_and_bad_key(s3_env, tmp_path):
    store = store_for(s3_env, s3_env.new_bucket(), tmp_path)

    with pytest.raises(
        ObjectMissing, match="stored object nope is missing from bucket"
    ):
        store.open("nope")
    with pytest.raises(StorageError, match="invalid storage key"):
        store.put("../escape", Stream(b"x"))


def test_keys_lists_every_page_without_the_prefix(s3_env, tmp_path):
    bucket = s3_env.new_bucket()
    store = store_for(s3_env, bucket, tmp_path, prefix="gyomu/")
    admin = s3_env.admin()
    names = [f"call/{n:04d}.flac" for n in range(1010)]  # more than one page of 1000
    with ThreadPoolExecutor(8) as pool:
        list(
            pool.map(
                lambda n: admin.put_object(Bucket=bucket, Key=f"gyomu/{n}", Body=b"x"),
                names,
            )
        )
    admin.put_object(Bucket=bucket, Key="other/outside", Body=b"x")

    assert sorted(store.keys()) == names


# Erasure


def test_erase_removes_every_version(s3_env, tmp_path):
    bucket = s3_env.new_bucket(versioned=True)
    store = store_for(s3_env, bucket, tmp_path)
    admin = s3_env.admin()
    store.put("call/x", Stream(b"one"))
    admin.put_object(Bucket=bucket, Key="call/x", Body=b"two")
    admin.delete_object(Bucket=bucket, Key="call/x")  # leaves a delete marker
    admin.put_object(Bucket=bucket, Key="call/x", Body=b"three")
    store.put("call/x2", Stream(b"a neighbour sharing the prefix"))

    assert store.erase("call/x") is True

    left = admin.list_object_versions(Bucket=bucket)
    assert [v["Key"] for v in left.get("Versions", [])] == ["call/x2"]
    assert left.get("DeleteMarkers", []) == []
    assert not store.exists("call/x")
    assert store.erase("call/x") is False
    with pytest.raises(ObjectMissing):
        store.open("call/x")


def test_erase_on_an_unversioned_bucket(s3_env, tmp_path):
    store = store_for(s3_env, s3_env.new_bucket(), tmp_path)
    store.put("image/y", Stream(b"frame"))

    assert store.erase("image/y") is True
    assert store.erase("image/y") is False
    assert list(store.keys()) == []


# Object lock in compliance mode


def test_compliance_lock_keeps_the_object_until_its_date(s3_env, tmp_path):
    bucket = s3_env.new_bucket(lock=True)
    store = store_for(s3_env, bucket, tmp_path, **{"object-lock": "compliance"})
    admin = s3_env.admin()
    until = in_seconds(5)
    store.put("call/locked", Stream(b"kept"), retain_until=until)
    store.put("call/held", Stream(b"held"), retain_until=until)
    store.legal_hold("call/held", True)

    head = admin.head_object(Bucket=bucket, Key="call/locked")
    assert head["ObjectLockMode"] == "COMPLIANCE"
    assert abs((head["ObjectLockRetainUntilDate"] - until).total_seconds()) < 1
    version = head["VersionId"]
    with pytest.raises(ClientError) as refused:
        admin.delete_object(
            Bucket=bucket,
            Key="call/locked",
            VersionId=version,
            BypassGovernanceRetention=True,
        )
    assert refused.value.response["Error"]["Code"] == "AccessDenied"
    with pytest.raises(StorageError) as early:
        store.erase("call/locked")
    message = one_line(early)
    assert message.startswith(
        "cannot erase call/locked: the store's object lock keeps it until "
    )
    assert until.strftime("%Y-%m-%dT%H:%M") in message
    assert store.exists("call/locked")

    wait_until(until)
    assert store.erase("call/locked") is True
    assert (
        admin.list_object_versions(Bucket=bucket, Prefix="call/locked").get("Versions")
        is None
    )

    with pytest.raises(
        StorageError, match="the store's legal hold keeps it until the hold is released"
    ):
        store.erase("call/held")
    store.legal_hold("call/held", False)
    assert store.erase("call/held") is True
    assert list(store.keys()) == []


def test_compliance_without_a_date_or_with_a_past_one_is_not_locked(s3_env, tmp_path):
    bucket = s3_env.new_bucket(lock=True)
    store = store_for(s3_env, bucket, tmp_path, **{"object-lock": "compliance"})
    store.put("a", Stream(b"1"))
    store.put("b", Stream(b"2"), retain_until=in_seconds(-60))

    assert "ObjectLockMode" not in s3_env.admin().head_object(Bucket=bucket, Key="b")
    assert store.erase("a") and store.erase("b")


def test_lock_off_ignores_dates_and_holds(s3_env, tmp_path):
    bucket = s3_env.new_bucket()
    store = store_for(s3_env, bucket, tmp_path)
    store.put("c", Stream(b"3"), retain_until=in_seconds(3600))
    store.legal_hold("c", True)

    assert store.erase("c") is True


def test_legal_hold_on_a_missing_object(s3_env, tmp_path):
    bucket = s3_env.new_bucket(lock=True)
    store = store_for(s3_env, bucket, tmp_path, **{"object-lock": "compliance"})

    with pytest.raises(ObjectMissing):
        store.legal_hold("gone", True)


# Errors: one line each, a gyomu error type, never a credential


def test_unreachable_endpoint(s3_env, tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    store = S3Store.from_options(
        tmp_path, {"endpoint": f"http://127.0.0.1:{port}", "bucket": "any-bucket"}
    )

    with pytest.raises(StorageError) as error:
        store.exists("k")
    assert one_line(error).startswith(
        f"cannot use bucket any-bucket: cannot reach S3 endpoint http://127.0.0.1:{port}"
    )


@pytest.mark.parametrize("variable", ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"])
def test_wrong_credentials(s3_env, tmp_path, monkeypatch, variable):
    bucket = s3_env.new_bucket()
    monkeypatch.setenv(variable, "WRONGWRONGWRONG123456")
    store = store_for(s3_env, bucket, tmp_path)

    with pytest.raises(StorageError) as error:
        store.put("k", Stream(b"x"))
    message = one_line(error)
    assert f"S3 endpoint {s3_env.endpoint} refused the credentials" in message
    assert "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY" in message
    assert "~/.aws/credentials" in message
    assert s3_env.secret_key not in message and "WRONGWRONG" not in message


def test_no_credentials_at_all(s3_env, tmp_path, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    store = store_for(s3_env, s3_env.new_bucket(), tmp_path)

    with pytest.raises(
        StorageError, match="no S3 credentials found; give them as AWS_ACCESS_KEY_ID"
    ):
        list(store.keys())


def test_missing_bucket(s3_env, tmp_path):
    store = store_for(s3_env, "no-such-bucket", tmp_path)

    with pytest.raises(ConfigError) as error:
        store.exists("k")
    assert one_line(error) == (
        f"bucket no-such-bucket does not exist at {s3_env.endpoint}; "
        "create it or set [storage] bucket to one that exists"
    )


def test_check_connects_at_once(s3_env, tmp_path):
    store_for(s3_env, s3_env.new_bucket(), tmp_path).check()

    with pytest.raises(ConfigError, match="bucket no-such-bucket does not exist"):
        store_for(s3_env, "no-such-bucket", tmp_path).check()


def test_compliance_asked_of_a_bucket_without_lock(s3_env, tmp_path):
    bucket = s3_env.new_bucket(versioned=True)
    store = store_for(s3_env, bucket, tmp_path, **{"object-lock": "compliance"})

    with pytest.raises(ConfigError) as error:
        store.put("k", Stream(b"x"), retain_until=in_seconds(60))
    assert one_line(error).startswith(
        f"bucket {bucket} at {s3_env.endpoint} has no S3 Object Lock, which object-lock = compliance needs"
    )
    assert s3_env.admin().list_objects_v2(Bucket=bucket)["KeyCount"] == 0


@pytest.mark.parametrize(
    "options, expected",
    [
        ({"bucket": "b-1"}, "needs endpoint"),
        ({"endpoint": "http://127.0.0.1:1"}, "needs bucket"),
        ({"endpoint": "ftp://x", "bucket": "b-1"}, "not an http:// or https:// URL"),
        (
            {"endpoint": "http://u:p@h", "bucket": "b-1"},
            "must not carry a user or password",
        ),
        ({"endpoint": "http://h", "bucket": "B_1"}, "not a valid S3 bucket name"),
        (
            {"endpoint": "http://h", "bucket": "b-1", "object-lock": "governance"},
            "'compliance' or 'off'",
        ),
        (
            {"endpoint": "http://h", "bucket": "b-1", "secret_key": "s"},
            "option 'secret_key' is not read",
        ),
        (
            {"endpoint": "http://h", "bucket": "b-1", "colour": "red"},
            "option 'colour' is unknown",
        ),
    ],
)
def test_options_are_checked_without_a_request(tmp_path, options, expected):
    with pytest.raises(ConfigError, match=expected) as error:
        S3Store.from_options(tmp_path, options)
    one_line(error)


def test_describe_names_the_place_not_the_credentials(s3_env, tmp_path):
    store = store_for(s3_env, "some-bucket", tmp_path, **{"object-lock": "compliance"})

    described = store.describe()

    assert described["endpoint"] == s3_env.endpoint
    assert (described["bucket"], described["object_lock"]) == (
        "some-bucket",
        "compliance",
    )
    assert s3_env.access_key not in str(described) and s3_env.secret_key not in str(
        described
    )


# Registration


def test_registered_through_its_entry_point():
    plugins.reset()

    found = plugins.backends("storage")

    assert "storage_s3" in found
    plugin, factory = found["storage_s3"]
    assert plugin == "storage_s3"
    assert isinstance(factory(Path("/nonexistent"), {"endpoint": "http://127.0.0.1:9", "bucket": "gyomu-check"}), S3Store)
