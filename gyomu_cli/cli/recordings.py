"""gyomu recordings list/show."""

from typing import Annotated

import typer

from gyomu_cli import recordings
from gyomu_cli.cli.common import group, session
from gyomu_cli.cli.output import CsvOption, FormatOption, JsonOption, emit, emit_record

app = group("Recordings in the ledger.")

COLUMNS = ["id", "kind", "device", "started_at", "duration", "caller", "callee", "retain_until", "state", "holds"]


@app.command("list")
def list_(
    ctx: typer.Context,
    device: Annotated[str | None, typer.Option(help="Only this device.")] = None,
    kind: Annotated[str | None, typer.Option(help="call or image.")] = None,
    number: Annotated[str | None, typer.Option(help="Calls to or from this number.")] = None,
    since: Annotated[str | None, typer.Option(help="Started at or after this time (ISO 8601).")] = None,
    until: Annotated[str | None, typer.Option(help="Started before this time (ISO 8601).")] = None,
    state: Annotated[str, typer.Option(help="stored, erased or all.")] = "stored",
    limit: Annotated[int, typer.Option(help="At most this many, newest first; 0 for all.")] = 100,
    request: Annotated[int | None, typer.Option(help="The viewing request this search serves (audited); default: maintenance.")] = None,
    json_: JsonOption = False,
    csv_: CsvOption = False,
    fmt: FormatOption = "simple",
) -> None:
    """List recordings, newest first."""
    filters = recordings.Filters(device, kind, number, since, until, state, limit or None, request)
    with session(ctx) as s:
        rows = recordings.list_recordings(s, filters)
    emit(rows, COLUMNS, as_json=json_, as_csv=csv_, fmt=fmt)


@app.command("show")
def show(
    ctx: typer.Context,
    recording_id: Annotated[int, typer.Argument(metavar="ID")],
    request: Annotated[int | None, typer.Option(help="The viewing request this serves (audited); default: maintenance.")] = None,
    json_: JsonOption = False,
) -> None:
    """Show one recording with its hashes, media facts and holds."""
    with session(ctx) as s:
        emit_record(recordings.get(s, recording_id, request), as_json=json_)
