"""gyomu demo."""

from pathlib import Path
from typing import Annotated

import typer

from gyomu_cli import demo as service


def demo(
    ctx: typer.Context,
    home: Annotated[Path, typer.Option("--home", help="A new folder for the demo's home; the PBX and work files go beside it.", readable=False)] = Path("gyomu-demo"),
    days: Annotated[int, typer.Option("--days", help="Days of call history the PBX has before today (two outside calls each weekday).", min=1, max=3660)] = 1,
    keep_running: Annotated[bool, typer.Option("--keep-running", help="After the day, keep capture running as the service would, the PBX placing a call every 30 s, until Ctrl-C.")] = False,
) -> None:
    """Play one day at city hall through the real commands, into a new folder."""
    service.run(home, say=typer.echo, days=days, keep_running=keep_running)


def register(app: typer.Typer) -> None:
    app.command()(demo)
