"""Objects as files: written atomically, owner-only, erased by overwriting.

Layout: <root>/<key>, where root is `objects/` in the gyomu home unless the
`path` option names another folder. A write goes to a hidden temporary file
in the same folder, is flushed to disk, and is linked into place only when
complete, so a crash leaves either the whole object or none.

Erasure overwrites the file's bytes with zeros, flushes them to disk, and only
then unlinks the name. On file systems that write in place (ext4, xfs) that
destroys the content; on copy-on-write file systems (btrfs, zfs) and on SSDs
the old blocks may survive until reused, which is why gyomu also encrypts at
rest and destroys the object's key.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from gyomu_cli.backends import StoredObject
from gyomu_cli.errors import ObjectMissing, StorageError, StorageFull
from gyomu_cli.shred import overwrite_and_unlink
from gyomu_storage_local.messages import _

CHUNK = 1 << 20
KEY_PATTERN = re.compile(r"[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*")
TMP_PREFIX = ".tmp-"


class LocalStore:
    def __init__(self, root: Path):
        self.root = root

    @classmethod
    def from_options(cls, home: Path, options: dict) -> "LocalStore":
        root = Path(options["path"]) if options.get("path") else Path(home) / "objects"
        return cls(root)

    def _path(self, key: str) -> Path:
        if not KEY_PATTERN.fullmatch(key) or any(p in (".", "..") for p in key.split("/")):
            raise StorageError(_("invalid storage key {key!r}").format(key=key))
        return self.root / key

    def _make_dirs(self, folder: Path) -> None:
        missing = []
        while not folder.exists():
            missing.append(folder)
            folder = folder.parent
        for path in reversed(missing):
            try:
                path.mkdir(mode=0o700)
            except FileExistsError:
                pass

    def put(self, key: str, source: BinaryIO, retain_until=None) -> StoredObject:
        """Store atomically; `retain_until` is the core's business here (a disk enforces nothing)."""
        path = self._path(key)
        try:
            self._make_dirs(path.parent)
            tmp = path.parent / f"{TMP_PREFIX}{secrets.token_hex(8)}"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError as error:
            raise self._error(error, _("cannot write under {root}").format(root=self.root)) from None
        digest, size = hashlib.sha256(), 0
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := source.read(CHUNK):
                    out.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.link(tmp, path)  # fails rather than replace an existing object
            _fsync_dir(path.parent)
        except OSError as error:
            overwrite_and_unlink(tmp)
            if error.errno == errno.EEXIST:
                raise StorageError(_("storage key {key} already holds an object").format(key=key)) from None
            raise self._error(error, _("cannot store {key}").format(key=key)) from None
        finally:
            if tmp.exists():
                tmp.unlink()
        return StoredObject(key, size, digest.hexdigest())

    def open(self, key: str) -> BinaryIO:
        try:
            return open(self._path(key), "rb")
        except FileNotFoundError:
            raise ObjectMissing(_("stored object {key} is missing from {root}").format(key=key, root=self.root)) from None
        except OSError as error:
            raise self._error(error, _("cannot read {key}").format(key=key)) from None

    def stat(self, key: str) -> StoredObject:
        digest, size = hashlib.sha256(), 0
        with self.open(key) as data:
            while chunk := data.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
        return StoredObject(key, size, digest.hexdigest())

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def erase(self, key: str) -> bool:
        path = self._path(key)
        try:
            erased = overwrite_and_unlink(path)
            if erased:
                _fsync_dir(path.parent)
        except OSError as error:
            raise self._error(error, _("cannot erase {key}").format(key=key)) from None
        return erased

    def describe(self) -> dict:
        return {"path": str(self.root), "object_lock": "off"}

    def keys(self) -> Iterator[str]:
        if not self.root.is_dir():
            return
        for folder, _subfolders, files in os.walk(self.root):
            for name in sorted(files):
                if not name.startswith(TMP_PREFIX):
                    yield str(Path(folder, name).relative_to(self.root))

    def _error(self, error: OSError, what: str) -> StorageError:
        """The error for a failed file operation; `what` (a marked message) comes first, as its context."""
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            return StorageFull(
                _(
                    "{what}: no space left on {root}; nothing new is stored until space is added "
                    "(stored recordings are kept, Art. 6-2)"
                ).format(what=what, root=self.root)
            )
        return StorageError(_("{what}: {error}").format(what=what, error=error.strerror))


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
