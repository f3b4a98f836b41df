"""gyomu user add/list/passwd/disable."""

from typing import Annotated

import typer

from gyomu_cli import users
from gyomu_cli.access import ROLES
from gyomu_cli.cli.common import group, session
from gyomu_cli.cli.output import CsvOption, FormatOption, JsonOption, emit, emit_record
from gyomu_cli.i18n import _

app = group("Users and their roles: who may operate, view, audit (Article 5).")


@app.command("add")
def add(
    ctx: typer.Context,
    login: Annotated[str, typer.Argument(help="The user's OS account name, or a name for someone without one.")],
    name: Annotated[str, typer.Option(help="Full name.")],
    section: Annotated[str, typer.Option(help="The user's section.")],
    role: Annotated[list[str], typer.Option("--role", help=f"Repeat for several: {', '.join(ROLES)}.")] = [],
    json_: JsonOption = False,
) -> None:
    """Register a user with their roles (the administrator designates operators, Art. 5-2)."""
    with session(ctx) as s:
        user = users.add(s, login, name, section, role)
    if json_:
        emit_record(user, as_json=True)
    else:
        typer.echo(_("Added {login} ({roles}, {section}).").format(login=login, roles=", ".join(user["roles"]), section=section), err=True)


@app.command("list")
def list_(ctx: typer.Context, json_: JsonOption = False, csv_: CsvOption = False, fmt: FormatOption = "simple") -> None:
    """List users, their sections and roles."""
    with session(ctx) as s:
        rows = users.list_users(s)
    emit(rows, ["login", "name", "section", "roles", "password", "active"], as_json=json_, as_csv=csv_, fmt=fmt)


@app.command("passwd")
def passwd(ctx: typer.Context, login: Annotated[str, typer.Argument(help="Whose password.")]) -> None:
    """Set a password: one's own, or anyone's by the administrator or root."""
    with session(ctx) as s:
        users.set_password(s, login)
    typer.echo(_("Password set for {login}.").format(login=login), err=True)


@app.command("disable")
def disable(ctx: typer.Context, login: str) -> None:
    """Disable a user: they can no longer act; their past actions stay in the audit log."""
    with session(ctx) as s:
        users.disable(s, login)
    typer.echo(_("Disabled {login}.").format(login=login), err=True)
