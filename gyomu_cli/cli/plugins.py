"""gyomu plugins."""

import typer

from gyomu_cli import plugins as plugin_manager
from gyomu_cli.cli.output import CsvOption, FormatOption, JsonOption, emit


def plugins(json_: JsonOption = False, csv_: CsvOption = False, fmt: FormatOption = "simple") -> None:
    """List loaded plugins, the hooks they implement and the backends they provide."""
    rows = plugin_manager.describe()
    emit(rows, ["name", "distribution", "version", "backends", "hooks"], as_json=json_, as_csv=csv_, fmt=fmt)


def register(app: typer.Typer) -> None:
    app.command()(plugins)
