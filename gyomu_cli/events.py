"""Events handed to plugins after the ledger has committed a change.

They carry ids and categories, never personal fields, so that a plugin
forwarding them to another system cannot leak a phone number.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class RecordingStored:
    """A recording was stored and registered.

    recording_id: the ledger id.
    kind: "call" or "image".
    device: the device's name.
    section: the responsible section's name.
    size: bytes stored.
    """

    recording_id: int
    kind: str
    device: str
    section: str
    size: int


@dataclass(frozen=True)
class RecordingErased:
    """A recording's content was destroyed and its row reduced to a tombstone.

    recording_id: the ledger id.
    kind: "call" or "image".
    device: the device's name.
    reason: why, e.g. "retention ended".
    """

    recording_id: int
    kind: str
    device: str
    reason: str
