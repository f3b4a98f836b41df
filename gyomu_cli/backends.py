"""What a backend plugin provides: the types the core and the plugins share.

A backend is registered by name through a `register_*_backends` hook (see
hookspecs.py) as a factory. The core calls the factory with the gyomu home and
the backend's options from the configuration or the device, and then talks to
the object it returns through the methods below, and only those.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
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

    def put(self, key: str, source: BinaryIO, retain_until: datetime | None = None) -> StoredObject:
        """Store all bytes read from `source` under a new `key`, atomically.

        Either the whole object is stored and durable when this returns, or
        nothing is left behind. An existing key is never overwritten.
        `retain_until` (aware, UTC) is when the core's retention ends; a store
        that can enforce retention itself (S3 Object Lock) keeps the object
        at least until then, others may ignore it.
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

    # Optional: `legal_hold(key, on)` mirrors gyomu's holds into the store;
    # `describe()` returns what `gyomu storage list` shows (never credentials).


StorageFactory = Callable[[Path, dict], StorageBackend]


@dataclass
class CallCapture:
    """One finished external call as a PBX backend hands it over (Art. 2).

    source_ref: the PBX's own key for the conversation, stable across re-reads
        (for Asterisk: uniqueid and linkedid); the core registers it once.
    started_at, ended_at: aware datetimes of the conversation.
    answered_at: when it was answered, or None.
    talk_seconds: time talked (Asterisk's billsec summed over the legs).
    caller, callee: both parties' numbers as the PBX wrote them.
    direction: "in" or "out", seen from the city office.
    audio: the finished audio file to store, or None for a call without audio.
    section: the responsible section's name when the backend knows it
        (e.g. from an extension map); None means the device's section.
    facts: non-personal facts to keep with the recording (PBX ids, disposition).
    """

    source_ref: str
    started_at: datetime
    ended_at: datetime
    caller: str
    callee: str
    direction: str
    audio: Path | None = None
    answered_at: datetime | None = None
    talk_seconds: float | None = None
    section: str | None = None
    facts: dict = field(default_factory=dict)


@runtime_checkable
class PbxBackend(Protocol):
    """Turns a PBX's own records into call recordings.

    The factory receives the gyomu home and the phone-line device's options,
    to which the core adds ``device`` (the device's name) and ``state_dir``
    (a folder of the device's own, owner-only, for read positions and the like).
    """

    def scan(self) -> Iterator[CallCapture]:
        """Every finished external call not yet acknowledged; internal calls never (Art. 2).

        A call whose records or audio are not complete yet is not yielded; it
        comes in a later scan. Problems (a malformed record, a recording without
        its record) are logged and kept aside for a later scan, never dropped.
        """
        ...

    def acknowledge(self, call: CallCapture) -> None:
        """The call is stored and verified: erase what the PBX still holds of it.

        Called once the core has registered the call and checked the stored
        copy; the backend overwrites the spool files so that no copy outlives
        the retention, and remembers the call as done.
        """
        ...

    def set_aside(self, call: CallCapture, reason: str) -> None:
        """The core could not register the call (e.g. damaged audio).

        The backend keeps its files where they are, stops offering the call,
        and keeps the reason so that an operator can look at it.
        """
        ...


@runtime_checkable
class CameraBackend(Protocol):
    """Records one camera's stream into segment files (filled by the camera plugin).

    The factory receives the gyomu home and the camera device's options.
    `record(out_dir, stop)` writes closed segment files into `out_dir` until
    the `stop` event is set, yielding each closed segment as a dict with path
    and started_at. The core adds ``device`` and ``state_dir`` to the options,
    as for PBX backends.
    """

    def record(self, out_dir: Path, stop) -> Iterator[dict]: ...


PbxFactory = Callable[[Path, dict], PbxBackend]
CameraFactory = Callable[[Path, dict], CameraBackend]
