"""gyomu notice."""

from typing import Annotated

import typer

from gyomu_cli import notices
from gyomu_cli.cli.common import session
from gyomu_cli.cli.output import JsonOption, print_json


def notice(
    ctx: typer.Context,
    device: Annotated[str, typer.Argument(help="The on-demand device about to record.")],
    by: Annotated[str, typer.Option(help="Who announced it.")],
    how: Annotated[str, typer.Option(help="How, e.g. 口頭で録画開始を告知.")],
    json_: JsonOption = False,
) -> None:
    """Record that an on-demand device's recording was announced (Art. 4-2); capture may then start it."""
    with session(ctx) as s:
        row = notices.record(s, device, by=by, how=how)
    if json_:
        print_json(row)
    else:
        typer.echo(row["id"])


def register(app: typer.Typer) -> None:
    app.command()(notice)
