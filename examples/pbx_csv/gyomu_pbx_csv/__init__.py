"""gyomu PBX backend "pbx_csv": a PBX that exports a CSV call log and WAV files.

This module is what the entry point names, so it holds only the hook: gyomu
imports it when it loads plugins, and every command pays for that import.
The reading itself lives in backend.py and is imported from here because the
factory must be at hand when gyomu asks for it; it imports nothing heavy.
"""

from gyomu_cli.hookspecs import hookimpl
from gyomu_pbx_csv.backend import CsvPbx


@hookimpl
def register_pbx_backends(register):
    # Register only: gyomu calls this whenever it looks backends up (also for
    # `gyomu plugins`), so no folder is opened until a device asks for one.
    register("pbx_csv", CsvPbx.from_options)
