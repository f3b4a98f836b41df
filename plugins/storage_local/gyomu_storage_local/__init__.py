"""gyomu storage backend "local": objects as files under the gyomu home."""

from gyomu_cli.hookspecs import hookimpl
from gyomu_storage_local.store import LocalStore


@hookimpl
def register_storage_backends(register):
    register("local", LocalStore.from_options)
