"""Encryption at rest (Art. 6-1): one key per object, wrapped by a master key.

Every stored object is encrypted with its own random 256-bit key, in chunks of
1 MiB with AES-GCM. A chunk's nonce is its index and a last-chunk flag, and
the header is bound to every chunk as associated data, so chunks cannot be
reordered, dropped or cut off without the decryption failing. The object key
is wrapped (AES-GCM) by the master key and kept in the ledger row; erasing a
recording drops the wrapped key from the row (secure_delete overwrites it in
the file), so whatever bytes survive on the disk can no longer be decrypted.

The master key is 32 random bytes, base64 in a file of its own (0600) kept
outside the gyomu home, or given in GYOMU_MASTER_KEY. The ledger records the
key's fingerprint, so a wrong key is refused before anything is written.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from gyomu_cli.errors import ConfigError, IntegrityError
from gyomu_cli.i18n import _

MAGIC = b"GYOMU-ENC1\n"
CHUNK = 1 << 20
TAG = 16
HEADER = struct.Struct(">11sI")
ENV_KEY = "GYOMU_MASTER_KEY"


def new_master_key(path: Path) -> None:
    """Write a fresh master key, owner-only, in a folder of its own if needed."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(base64.b64encode(secrets.token_bytes(32)).decode() + "\n")
        out.flush()
        os.fsync(out.fileno())


def _decode(text: str, where: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 32:
        raise ConfigError(_("the master key in {where} is not 32 bytes of base64; restore it from its backup").format(where=where))
    return key


def load_master_key(path: Path | None) -> bytes:
    if os.environ.get(ENV_KEY):
        return _decode(os.environ[ENV_KEY], ENV_KEY)
    if path is None:
        raise ConfigError(_("no master key: set [encryption] key_file in gyomu.toml or {variable}").format(variable=ENV_KEY))
    try:
        return _decode(path.read_text(), str(path))
    except FileNotFoundError:
        raise ConfigError(
            _("master key file {path} is missing; restore it from its backup (without it no recording can be read)").format(path=path)
        ) from None
    except PermissionError:
        raise ConfigError(_("cannot read the master key file {path}; run gyomu as the service account").format(path=path)) from None


def fingerprint(master: bytes) -> str:
    return hashlib.sha256(b"gyomu master key\0" + master).hexdigest()[:16]


class Vault:
    def __init__(self, master: bytes):
        self._master = AESGCM(master)
        self.fingerprint = fingerprint(master)

    def new_object_key(self, storage_key: str) -> tuple[bytes, str]:
        """A fresh object key and its wrapped form for the ledger."""
        key = AESGCM.generate_key(256)
        nonce = secrets.token_bytes(12)
        wrapped = nonce + self._master.encrypt(nonce, key, self._aad(storage_key))
        return key, base64.b64encode(wrapped).decode()

    def unwrap(self, wrapped: str, storage_key: str) -> bytes:
        raw = base64.b64decode(wrapped)
        try:
            return self._master.decrypt(raw[:12], raw[12:], self._aad(storage_key))
        except InvalidTag:
            raise IntegrityError(
                _("the key of {key} does not open with this master key").format(key=storage_key)
            ) from None

    def seal(self, text: str, label: str) -> str:
        """A small secret (e.g. a camera password) encrypted under the master key."""
        nonce = secrets.token_bytes(12)
        return base64.b64encode(nonce + self._master.encrypt(nonce, text.encode(), self._aad(label))).decode()

    def unseal(self, sealed: str, label: str) -> str:
        raw = base64.b64decode(sealed)
        try:
            return self._master.decrypt(raw[:12], raw[12:], self._aad(label)).decode()
        except InvalidTag:
            raise IntegrityError(_("the sealed options of {label} do not open with this master key").format(label=label)) from None

    @staticmethod
    def _aad(storage_key: str) -> bytes:
        return b"gyomu object key\0" + storage_key.encode()


def _nonce(index: int, last: bool) -> bytes:
    return struct.pack(">QI", index, 1 if last else 0)


class EncryptingReader:
    """A file-like object yielding the encrypted form of `source`, and hashing the plaintext."""

    def __init__(self, source: BinaryIO, key: bytes):
        self._chunks = self._encrypt(source, AESGCM(key))
        self._buffer = b""
        self.plain_sha256 = hashlib.sha256()

    def _encrypt(self, source: BinaryIO, cipher: AESGCM) -> Iterator[bytes]:
        header = HEADER.pack(MAGIC, CHUNK)
        yield header
        index, current = 0, source.read(CHUNK)
        while True:
            following = source.read(CHUNK) if len(current) == CHUNK else b""
            last = not following
            self.plain_sha256.update(current)
            yield cipher.encrypt(_nonce(index, last), current, header)
            if last:
                return
            index, current = index + 1, following

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._buffer += chunk
        if size < 0:
            size = len(self._buffer)
        out, self._buffer = self._buffer[:size], self._buffer[size:]
        return out


def decrypt(source: BinaryIO, key: bytes, out: BinaryIO, name: str) -> str:
    """Decrypt `source` into `out`; returns the plaintext's SHA-256. Raises on any tampering."""
    header = source.read(HEADER.size)
    if len(header) != HEADER.size or HEADER.unpack(header)[0] != MAGIC:
        raise IntegrityError(_("{name} is not an object encrypted by gyomu").format(name=name))
    chunk = HEADER.unpack(header)[1]
    cipher, digest, index = AESGCM(key), hashlib.sha256(), 0
    current = source.read(chunk + TAG)
    while True:
        following = source.read(chunk + TAG) if len(current) == chunk + TAG else b""
        last = not following
        try:
            plain = cipher.decrypt(_nonce(index, last), current, header)
        except InvalidTag:
            raise IntegrityError(
                _("{name} was altered or cut short (chunk {index} does not authenticate)").format(name=name, index=index)
            ) from None
        digest.update(plain)
        out.write(plain)
        if last:
            return digest.hexdigest()
        index, current = index + 1, following
