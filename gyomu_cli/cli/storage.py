"""gyomu storage add/use/list/migrate."""

from typing import Annotated

import typer

from gyomu_cli import storages
from gyomu_cli.cli.common import group, session
from gyomu_cli.cli.devices import parse_options
from gyomu_cli.cli.output import CsvOption, FormatOption, JsonOption, emit, print_json
from gyomu_cli.i18n import _

app = group("Where stored objects live: add a store, make it current, move objects over.")


@app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A short name, e.g. s3-main.")],
    backend: Annotated[str, typer.Option(help="The storage backend, e.g. storage_s3 or local.")],
    option: Annotated[list[str], typer.Option("--option", help="Backend option KEY=VALUE; repeat. Never credentials.")] = [],
    json_: JsonOption = False,
) -> None:
    """Register another storage (its options are checked now)."""
    with session(ctx) as s:
        row = storages.add(s, name, backend, parse_options(option))
    if json_:
        print_json(row)
    else:
        typer.echo(_("Added storage {name} ({backend}).").format(name=name, backend=backend), err=True)


@app.command("use")
def use(ctx: typer.Context, name: Annotated[str, typer.Argument(help="The storage new objects go to.")]) -> None:
    """Make a storage current: new recordings and documents go there."""
    with session(ctx) as s:
        storages.use(s, name)
    typer.echo(_("New objects go to {name}.").format(name=name), err=True)


@app.command("list")
def list_(ctx: typer.Context, json_: JsonOption = False, csv_: CsvOption = False, fmt: FormatOption = "simple") -> None:
    """List storages, which is current, their object lock mode and how many recordings each holds."""
    with session(ctx) as s:
        rows = storages.list_storages(s)
    emit(rows, ["name", "backend", "current", "object_lock", "recordings"], as_json=json_, as_csv=csv_, fmt=fmt)


@app.command("migrate")
def migrate(
    ctx: typer.Context,
    from_: Annotated[str, typer.Option("--from", help="The storage to empty.")],
    to: Annotated[str, typer.Option(help="The storage to move to.")],
    limit: Annotated[int, typer.Option(help="Move at most this many objects now (0: all).")] = 0,
    json_: JsonOption = False,
) -> None:
    """Move objects: copy, verify the hash, switch the ledger, erase the old copy. Resumable."""
    with session(ctx) as s:
        tally = storages.migrate(s, from_, to, limit or None)
    if json_:
        print_json(tally)
    else:
        typer.echo(_("Moved {moved} objects from {source} to {target}.").format(moved=tally["moved"], source=from_, target=to), err=True)
