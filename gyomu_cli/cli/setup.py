"""gyomu init."""

from pathlib import Path
from typing import Annotated

import typer

from gyomu_cli.i18n import _
from gyomu_cli.initialise import initialise


def init(
    ctx: typer.Context,
    admin: Annotated[str, typer.Option(help="Login of the administrator (管理責任者, Art. 5-1).")],
    name: Annotated[str, typer.Option(help="The administrator's full name.")],
    section: Annotated[str, typer.Option(help="The administrator's section, e.g. 資産経営課.")],
    key_file: Annotated[Path | None, typer.Option(help="Where the master key lives, outside the home. Default: beside it, HOME.key.", readable=False)] = None,
) -> None:
    """Create a gyomu home: settings, ledger, storage, master key, and its administrator."""
    session = initialise(ctx.obj["home"], admin=admin, name=name, section=section, key_file=key_file)
    session.close()
    typer.echo(
        _("Initialised {root} with administrator {admin} ({section}).").format(root=session.home.root, admin=admin, section=section),
        err=True,
    )


def register(app: typer.Typer) -> None:
    app.command()(init)
