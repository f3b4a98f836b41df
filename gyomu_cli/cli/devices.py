"""gyomu device add/list/show/retire."""

from typing import Annotated

import typer

from gyomu_cli import registry
from gyomu_cli.cli.common import group, session
from gyomu_cli.cli.output import CsvOption, FormatOption, JsonOption, emit, emit_record
from gyomu_cli.errors import UsageError
from gyomu_cli.i18n import _

app = group("Phone lines and cameras that record, as the administrator decides (Article 3).")


def parse_options(pairs: list[str]) -> dict:
    options = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(_("--option {pair!r} is not KEY=VALUE").format(pair=pair))
        options[key] = value
    return options


@app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A short unique name, e.g. line-main or cam-1f-counter.")],
    kind: Annotated[str, typer.Option(help="phone-line or camera.")],
    section: Annotated[str, typer.Option(help="Responsible section (対応担当課).")],
    location: Annotated[str, typer.Option(help="Where it is, as published (Art. 4).")],
    purpose: Annotated[str, typer.Option(help="Why it records, as published (Art. 4).")],
    on_demand: Annotated[bool, typer.Option("--on-demand", help="Runs only when needed: announces before recording (Art. 4-2).")] = False,
    retention: Annotated[str | None, typer.Option(help="Keep longer than the default: 18m is 18 months, 2y two years (never below Art. 6-2).")] = None,
    backend: Annotated[str | None, typer.Option(help="Capture backend plugin, e.g. pbx_asterisk or camera_rtsp (see `gyomu plugins`).")] = None,
    option: Annotated[list[str], typer.Option("--option", help="Backend option KEY=VALUE; repeat as needed.")] = [],
    json_: JsonOption = False,
) -> None:
    """Register a phone line or a camera."""
    with session(ctx) as s:
        device = registry.add_device(
            s,
            name=name,
            kind=kind,
            section=section,
            location=location,
            purpose=purpose,
            on_demand=on_demand,
            retention_text=retention,
            backend=backend,
            options=parse_options(option),
        )
    if json_:
        emit_record(device, as_json=True)
    else:
        typer.echo(
            _("Added {kind} {name} for {section}, kept {retention}.").format(
                kind=kind, name=name, section=section, retention=device["retention"]
            ),
            err=True,
        )


COLUMNS = ["name", "kind", "section", "location", "retention", "on_demand", "active"]


@app.command("list")
def list_(
    ctx: typer.Context,
    all_: Annotated[bool, typer.Option("--all", help="Include retired devices.")] = False,
    json_: JsonOption = False,
    csv_: CsvOption = False,
    fmt: FormatOption = "simple",
) -> None:
    """List devices."""
    with session(ctx) as s:
        rows = registry.list_devices(s, include_retired=all_)
    emit(rows, COLUMNS, as_json=json_, as_csv=csv_, fmt=fmt)


@app.command("show")
def show(ctx: typer.Context, name: str, json_: JsonOption = False) -> None:
    """Show one device in full."""
    with session(ctx) as s:
        emit_record(registry.get_device(s, name), as_json=json_)


@app.command("retire")
def retire(ctx: typer.Context, name: str) -> None:
    """Stop using a device; its recordings stay until their retention ends."""
    with session(ctx) as s:
        registry.retire_device(s, name)
    typer.echo(_("Retired {name}; its recordings are kept until their retention ends.").format(name=name), err=True)
