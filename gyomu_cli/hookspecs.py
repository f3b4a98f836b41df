"""The plugin contract: every hook a gyomu plugin may implement.

Hooks are called with keyword arguments. An implementation may accept fewer
parameters than its spec, so parameters are only ever added, never renamed.
docs/plugins.md documents each hook with an example.
"""

from __future__ import annotations

from collections.abc import Callable

import pluggy

from gyomu_cli.backends import CameraFactory, PbxFactory, StorageFactory
from gyomu_cli.events import RecordingErased, RecordingStored

hookspec = pluggy.HookspecMarker("gyomu")
hookimpl = pluggy.HookimplMarker("gyomu")


# Backends: a plugin registers named factories; the core picks one by name.


@hookspec
def register_storage_backends(register: Callable[[str, StorageFactory], None]) -> None:
    """Register storage backends: call ``register(name, factory)`` once per backend.

    ``factory(home, options)`` returns a StorageBackend; ``home`` is the gyomu
    home folder, ``options`` the ``[storage]`` table of gyomu.toml without its
    ``backend`` key.
    """


@hookspec
def register_pbx_backends(register: Callable[[str, PbxFactory], None]) -> None:
    """Register PBX backends: call ``register(name, factory)`` once per backend.

    ``factory(home, options)`` returns a PbxBackend for one phone-line device;
    ``options`` are the device's backend options.
    """


@hookspec
def register_camera_backends(register: Callable[[str, CameraFactory], None]) -> None:
    """Register camera backends: call ``register(name, factory)`` once per backend.

    ``factory(home, options)`` returns a CameraBackend for one camera device;
    ``options`` are the device's backend options.
    """


# Events: called after the ledger has committed; a failing plugin is logged
# and does not undo the change.


@hookspec
def recording_stored(event: RecordingStored) -> None:
    """A recording was stored and registered in the ledger."""


@hookspec
def recording_erased(event: RecordingErased) -> None:
    """A recording was erased: content destroyed, row reduced to a tombstone."""
