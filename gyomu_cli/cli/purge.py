"""gyomu purge."""

from typing import Annotated

import typer

from gyomu_cli.cli.common import session
from gyomu_cli.cli.output import JsonOption, print_json
from gyomu_cli.errors import ExitCode
from gyomu_cli.i18n import _
from gyomu_cli.purge import purge as run_purge


def purge(
    ctx: typer.Context,
    dry_run: Annotated[bool, typer.Option("--dry-run", "-n", help="Only say what would be erased and why; change nothing.")] = False,
    list_: Annotated[bool, typer.Option("--list", help="Print every decision, also when erasing.")] = False,
    wait: Annotated[float, typer.Option(help="Seconds to wait for another purge to finish.")] = 0.0,
    json_: JsonOption = False,
) -> None:
    """Erase recordings whose retention has ended and that no hold keeps (Art. 6-2).

    Made for cron: prints nothing when all went well (unless --list or
    --dry-run), one run at a time. Exit codes: 0 done, 3 no home or bad
    settings, 5 another purge is running, 6 some erasures failed (see stderr),
    7 storage unavailable.
    """
    with session(ctx) as s:
        report = run_purge(s, dry_run=dry_run, wait=wait)
    if json_:
        print_json(report.as_dict())
    elif dry_run or list_:
        for line in report.lines:
            typer.echo(line.text(dry_run))
        for copy in report.copies:
            typer.echo(copy)
        if dry_run:
            typer.echo(_("{erase} to erase, {kept} kept by holds.").format(erase=len(report.erased), kept=len(report.kept)), err=True)
    for line in report.failed:
        typer.echo(_("Error: {message}").format(message=line.text(dry_run)), err=True)
    if report.failed:
        raise typer.Exit(ExitCode.PARTIAL)


def register(app: typer.Typer) -> None:
    app.command()(purge)
