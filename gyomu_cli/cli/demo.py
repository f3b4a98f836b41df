"""gyomu demo."""

from pathlib import Path
from typing import Annotated

import typer

from gyomu_cli import demo as service


def demo(
    ctx: typer.Context,
    home: Annotated[Path, typer.Option("--home", help="A new folder for the demo's home; the PBX and work files go beside it.", readable=False)] = Path("gyomu-demo"),
) -> None:
    """Play one day at city hall through the real commands, into a new folder."""
    service.run(home, say=typer.echo)


def register(app: typer.Typer) -> None:
    app.command()(demo)
