"""gyomu section add/list."""

from typing import Annotated

import typer

from gyomu_cli import registry
from gyomu_cli.cli.common import group, session
from gyomu_cli.cli.output import CsvOption, FormatOption, JsonOption, emit, emit_record
from gyomu_cli.i18n import _

app = group("Sections of the city office: each recording belongs to one (Article 2).")


@app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The section's name, e.g. 市民課.")],
    json_: JsonOption = False,
) -> None:
    """Add a section."""
    with session(ctx) as s:
        row = registry.add_section(s, name)
    if json_:
        emit_record(row, as_json=True)
    else:
        typer.echo(_("Added section {name} (id {id}).").format(name=row["name"], id=row["id"]), err=True)


@app.command("list")
def list_(ctx: typer.Context, json_: JsonOption = False, csv_: CsvOption = False, fmt: FormatOption = "simple") -> None:
    """List sections with their active devices and users."""
    with session(ctx) as s:
        rows = registry.list_sections(s)
    emit(rows, ["id", "name", "devices", "users"], as_json=json_, as_csv=csv_, fmt=fmt)
