"""gyomu PBX backend "pbx_asterisk": Asterisk's CDR rows and MixMonitor recordings."""

from gyomu_cli.hookspecs import hookimpl
from gyomu_pbx_asterisk.source import AsteriskSource


@hookimpl
def register_pbx_backends(register):
    register("pbx_asterisk", AsteriskSource.from_options)
