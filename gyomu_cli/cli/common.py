"""What every command needs: its session, opened from the global options."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import typer

from gyomu_cli.session import Session


def group(help: str) -> typer.Typer:
    """A command group with plain help text: no boxes or colour in mail or logs."""
    return typer.Typer(help=help, no_args_is_help=True, rich_markup_mode=None)


def command_name(ctx: typer.Context) -> str:
    """'gyomu device add' -> 'device add', the name the audit log records."""
    return ctx.command_path.partition(" ")[2] or ctx.command_path


@contextlib.contextmanager
def session(ctx: typer.Context) -> Iterator[Session]:
    opened = Session.open(ctx.obj["home"], command_name(ctx), ctx.obj.get("as_login"))
    try:
        yield opened
    finally:
        opened.close()
