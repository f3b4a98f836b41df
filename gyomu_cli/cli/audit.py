"""gyomu audit log/verify."""

from typing import Annotated

import typer

from gyomu_cli import auditlog
from gyomu_cli.cli.common import group, session
from gyomu_cli.cli.output import CsvOption, FormatOption, JsonOption, emit, print_json
from gyomu_cli.i18n import ngettext

app = group("The audit log: every action and refusal, hash-chained (Article 13).")


@app.command("log")
def log(
    ctx: typer.Context,
    since: Annotated[str | None, typer.Option(help="Events at or after this time (ISO 8601).")] = None,
    until: Annotated[str | None, typer.Option(help="Events before this time.")] = None,
    actor: Annotated[str | None, typer.Option(help="Only this actor.")] = None,
    action: Annotated[str | None, typer.Option(help="Only this action, e.g. recording.erased.")] = None,
    object_: Annotated[str | None, typer.Option("--object", help="Only this object, e.g. recording:12.")] = None,
    outcome: Annotated[str | None, typer.Option(help="ok, refused or failed.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many, oldest first; 0 for all.")] = 0,
    json_: JsonOption = False,
    csv_: CsvOption = False,
    fmt: FormatOption = "simple",
) -> None:
    """List audit events."""
    with session(ctx) as s:
        rows = auditlog.events(s, since=since, until=until, actor=actor, action=action,
                               object=object_, outcome=outcome, limit=limit or None)
    emit(rows, ["seq", "at", "actor", "acting_as", "command", "action", "object", "outcome"],
         as_json=json_, as_csv=csv_, fmt=fmt)


@app.command("verify")
def verify(
    ctx: typer.Context,
    head: Annotated[str | None, typer.Option(help="A head printed earlier (SEQ:HASH): prove it is still in the chain.")] = None,
    json_: JsonOption = False,
) -> None:
    """Check the hash chain; print its head, or the first altered, missing or inserted event (exit 8)."""
    with session(ctx) as s:
        report = auditlog.verify(s, head)
    if json_:
        print_json({"events": report.events, "head": f"{report.head_seq}:{report.head_hash}", "intact": True})
    else:
        typer.echo(f"{report.head_seq}:{report.head_hash}")
        intact = ngettext("Audit chain intact: {count} event.", "Audit chain intact: {count} events.", report.events)
        typer.echo(intact.format(count=report.events), err=True)
