"""gyomu verify."""

import sys
from typing import Annotated

import typer

from gyomu_cli.cli.common import session
from gyomu_cli.cli.output import JsonOption, print_json
from gyomu_cli.errors import ExitCode
from gyomu_cli.i18n import _
from gyomu_cli.verify import verify as run_verify


def verify(
    ctx: typer.Context,
    deep: Annotated[bool, typer.Option("--deep", help="Also decrypt every object, recordings and documents, and check the audio's sample hash.")] = False,
    storage: Annotated[str | None, typer.Option(help="Only this storage (see `gyomu storage list`).")] = None,
    json_: JsonOption = False,
) -> None:
    """Check every stored object against the ledger: missing, altered, orphan (Art. 6-1).

    Made for cron: prints only problems, one line each, and exits 8 when there
    is any; --json gives the whole report.
    """
    with session(ctx) as s:
        report = run_verify(s, deep=deep, storage=storage)
    if json_:
        print_json(report.as_dict())
    else:
        for finding in report.findings:
            typer.echo(finding.text())
    if sys.stderr.isatty() or report.findings:
        if report.findings:
            summary = _("Verified {checked} stored recordings and {documents} stored documents: {problems} problem(s).")
        else:
            summary = _("Verified {checked} stored recordings and {documents} stored documents: all match the ledger.")
        shown = summary.format(checked=report.checked, documents=report.documents_checked, problems=len(report.findings))
        typer.echo(shown, err=True)
    if report.findings:
        raise typer.Exit(ExitCode.INTEGRITY)


def register(app: typer.Typer) -> None:
    app.command()(verify)
