"""What a backend plugin provides: the types the core and the plugins share.

A backend is registered by name through a `register_*_backends` hook (see
hookspecs.py) as a factory. The core calls the factory with the gyomu home and
the backend's options from the configuration or the device, and then talks to
the object it returns through the methods below, and only those.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable


@dataclass(frozen=True)
class StoredObject:
    """What a storage backend reports for one object.

    key: the key it is stored under.
    size: bytes stored.
    sha256: hex SHA-256 of exactly the bytes stored.
    """

    key: str
    size: int
    sha256: str


@runtime_checkable
class StorageBackend(Protocol):
    """Stores, opens, verifies and erases bytes by key.

    Keys are relative paths made of letters, digits, '.', '_', '-' and '/'.
    They never carry personal data. Errors are raised as
    gyomu_cli.errors.StorageError (StorageFull when out of space,
    ObjectMissing when a key has no object).
    """

    def put(self, key: str, source: BinaryIO) -> StoredObject:
        """Store all bytes read from `source` under a new `key`, atomically.

        Either the whole object is stored and durable when this returns, or
        nothing is left behind. An existing key is never overwritten.
        """
        ...

    def open(self, key: str) -> BinaryIO:
        """A binary file object reading the stored bytes."""
        ...

    def stat(self, key: str) -> StoredObject:
        """Read the object back and hash it (for verification)."""
        ...

    def exists(self, key: str) -> bool: ...

    def erase(self, key: str) -> bool:
        """Destroy the content, not only the name (Art. 6-2: erased by overwriting).

        Returns False when there was no such object (already erased), so that
        an interrupted purge can be run again.
        """
        ...

    def keys(self) -> Iterator[str]:
        """Every key stored, for verification against the ledger."""
        ...


StorageFactory = Callable[[Path, dict], StorageBackend]


@runtime_checkable
class PbxBackend(Protocol):
    """Turns a PBX's own records into call recordings (filled by the PBX plugin).

    The factory receives the gyomu home and the phone-line device's options.
    `scan()` yields every finished external call not yet handed over, each as
    a dict with: source_ref (the PBX's unique key for the call), started_at
    (aware datetime), caller, callee, direction ("in"/"out"), and path (the
    audio file). Internal calls are never yielded (Art. 2).
    """

    def scan(self) -> Iterator[dict]: ...


@runtime_checkable
class CameraBackend(Protocol):
    """Records one camera's stream into segment files (filled by the camera plugin).

    The factory receives the gyomu home and the camera device's options.
    `record(out_dir, stop)` writes closed segment files into `out_dir` until
    the `stop` event is set, yielding each closed segment as a dict with path
    and started_at.
    """

    def record(self, out_dir: Path, stop) -> Iterator[dict]: ...


PbxFactory = Callable[[Path, dict], PbxBackend]
CameraFactory = Callable[[Path, dict], CameraBackend]
