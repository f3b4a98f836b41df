"""The local storage backend: atomic, owner-only, erased by overwriting."""

import errno
import io
import os
import stat

import pytest

from conftest import tmpfs
from gyomu_cli.errors import ObjectMissing, StorageError, StorageFull
from gyomu_storage_local.store import LocalStore


@pytest.fixture
def store(tmp_path):
    return LocalStore.from_options(tmp_path, {})


def test_put_stores_hashes_and_protects(store, tmp_path):
    stored = store.put("call/ab/cd/x.flac", io.BytesIO(b"audio" * 1000))
    assert (stored.size, stored.key) == (5000, "call/ab/cd/x.flac")
    import hashlib

    assert stored.sha256 == hashlib.sha256(b"audio" * 1000).hexdigest()
    path = tmp_path / "objects" / "call" / "ab" / "cd" / "x.flac"
    assert path.read_bytes() == b"audio" * 1000
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for folder in (path.parent, path.parent.parent, tmp_path / "objects" / "call"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert store.stat("call/ab/cd/x.flac") == stored
    assert list(store.keys()) == ["call/ab/cd/x.flac"]
    with store.open("call/ab/cd/x.flac") as data:
        assert data.read(5) == b"audio"


def test_put_never_replaces_an_object(store):
    store.put("k/one", io.BytesIO(b"first"))
    with pytest.raises(StorageError, match="already holds an object"):
        store.put("k/one", io.BytesIO(b"second"))
    assert store.open("k/one").read() == b"first"
    assert list(store.keys()) == ["k/one"]


def test_failed_put_leaves_nothing(store, tmp_path):
    class Broken(io.RawIOBase):
        def read(self, size=-1):
            raise OSError(errno.EIO, "Input/output error")

    with pytest.raises(StorageError, match="Input/output error"):
        store.put("k/broken", Broken())
    assert [p for p in (tmp_path / "objects").rglob("*") if p.is_file()] == []


def test_erase_overwrites_the_content_before_unlinking(store, tmp_path):
    store.put("k/secret", io.BytesIO(b"0586281234 said something" * 100))
    path = tmp_path / "objects" / "k" / "secret"
    witness = tmp_path / "witness"
    os.link(path, witness)  # a second name on the same inode sees what erase did to the bytes
    assert store.erase("k/secret") is True
    assert not path.exists()
    assert witness.read_bytes() == bytes(2500)
    assert store.erase("k/secret") is False
    with pytest.raises(ObjectMissing):
        store.open("k/secret")


@pytest.mark.parametrize("key", ["../escape", "/abs", "a//b", "a/./b", "white space", ""])
def test_keys_cannot_leave_the_store(store, key):
    with pytest.raises(StorageError, match="invalid storage key"):
        store.put(key, io.BytesIO(b"x"))


def test_full_disk_is_reported_and_leaves_nothing(tmp_path):
    with tmpfs(tmp_path / "small", "64k") as mount:
        store = LocalStore.from_options(tmp_path, {"path": str(mount / "objects")})
        with pytest.raises(StorageFull, match="no space left on .*stored recordings are kept, Art. 6-2"):
            store.put("k/big", io.BytesIO(bytes(1 << 20)))
        assert [p for p in mount.rglob("*") if p.is_file()] == []
