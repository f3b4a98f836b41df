"""Stored objects as plaintext, for the moments that need it.

A recording is decrypted only into an owner-only work file under the home's
tmp/ folder, and that file is overwritten and removed when the caller is done.
"""

from __future__ import annotations

import contextlib
import errno
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

from gyomu_cli import vault
from gyomu_cli.errors import IntegrityError, StorageFull
from gyomu_cli.i18n import _
from gyomu_cli.session import Session
from gyomu_cli.shred import overwrite_and_unlink


@contextlib.contextmanager
def plaintext(session: Session, row: dict) -> Iterator[Path]:
    """The decrypted content of a stored recording row, checked against its hash."""
    key = row["storage_key"]
    suffix = Path(key).suffix
    work = session.home.tmp / f"{uuid.uuid4().hex}{suffix}"
    fd = os.open(work, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        store = session.storage_named(row.get("storage_backend") or session.current_storage_name)
        try:
            with os.fdopen(fd, "wb") as out, store.open(key) as data:
                if row.get("wrapped_key"):
                    object_key = session.vault.unwrap(row["wrapped_key"], key)
                    digest = vault.decrypt(data, object_key, out, key)
                    if row.get("plain_sha256") and digest != row["plain_sha256"]:
                        raise IntegrityError(_("{key} decrypts to other content than was stored").format(key=key))
                else:
                    while chunk := data.read(1 << 20):
                        out.write(chunk)
        except OSError as error:
            if error.errno in (errno.ENOSPC, errno.EDQUOT):
                raise StorageFull(_("no space left in {folder} to decrypt {key} for this command; "
                                    "free space there (nothing was changed)").format(folder=session.home.tmp, key=key)) from None
            raise
        yield work
    finally:
        overwrite_and_unlink(work)


def new_key(kind: str, suffix: str) -> str:
    """An opaque storage key: nothing personal, spread over folders."""
    uid = uuid.uuid4().hex
    return f"{kind}/{uid[:2]}/{uid[2:4]}/{uid}{suffix.lower()}"


def put_encrypted(session: Session, key: str, source: Path, retain_until=None) -> dict:
    """Encrypt a file under a fresh object key into the current store; the ledger columns to keep.

    `retain_until` lets a store that enforces retention itself (S3 Object Lock)
    refuse an early deletion.
    """
    object_key, wrapped = session.vault.new_object_key(key)
    with open(source, "rb") as data:
        encrypted = vault.EncryptingReader(data, object_key)
        stored = session.storage.put(key, encrypted, retain_until=retain_until)
    return {
        "storage_backend": session.current_storage_name,
        "storage_key": stored.key,
        "wrapped_key": wrapped,
        "size": stored.size,
        "sha256": stored.sha256,
        "plain_sha256": encrypted.plain_sha256.hexdigest(),
    }
