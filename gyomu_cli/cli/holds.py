"""gyomu hold add/release/list."""

from typing import Annotated

import typer

from gyomu_cli import holds
from gyomu_cli.cli.common import group, session
from gyomu_cli.cli.output import CsvOption, FormatOption, JsonOption, emit, emit_record
from gyomu_cli.i18n import _

app = group("Keep recordings past their retention while a matter is open.")


@app.command("add")
def add(
    ctx: typer.Context,
    recording_id: Annotated[int, typer.Argument(metavar="RECORDING")],
    note: Annotated[str, typer.Option(help="Why it must be kept, e.g. the dispute's file number.")],
    reason: Annotated[str, typer.Option(help="dispute or manual (request and disclosure holds are placed by grant and disclose new).")] = "dispute",
    json_: JsonOption = False,
) -> None:
    """Keep a recording from erasure until the hold is released."""
    with session(ctx) as s:
        hold = holds.add(s, recording_id, reason, note)
    if json_:
        emit_record(hold, as_json=True)
    else:
        typer.echo(hold["id"])
        typer.echo(
            _("Recording {recording_id} is held (hold {hold_id}, {reason}).").format(recording_id=recording_id, hold_id=hold["id"], reason=reason),
            err=True,
        )


@app.command("release")
def release(ctx: typer.Context, hold_id: Annotated[int, typer.Argument(metavar="HOLD")]) -> None:
    """Release a hold; the recording is erased at the next purge if its retention has ended."""
    with session(ctx) as s:
        hold = holds.release(s, hold_id)
    typer.echo(_("Released hold {hold_id} on recording {recording_id}.").format(hold_id=hold_id, recording_id=hold["recording_id"]), err=True)


@app.command("list")
def list_(
    ctx: typer.Context,
    all_: Annotated[bool, typer.Option("--all", help="Include released holds.")] = False,
    recording: Annotated[int | None, typer.Option(help="Only holds on this recording.")] = None,
    json_: JsonOption = False,
    csv_: CsvOption = False,
    fmt: FormatOption = "simple",
) -> None:
    """List holds, active ones unless --all."""
    with session(ctx) as s:
        rows = holds.list_holds(s, include_released=all_, recording_id=recording)
    emit(rows, ["id", "recording_id", "reason", "note", "created_at", "created_by", "released_at"], as_json=json_, as_csv=csv_, fmt=fmt)
