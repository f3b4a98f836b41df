"""What every command needs: its session, opened from the global options."""

from __future__ import annotations

import contextlib
import getpass
import sys
from collections.abc import Iterator

import typer

from gyomu_cli.errors import UsageError
from gyomu_cli.i18n import Text, _, english
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
    opened.password_source = password_source(ctx)
    try:
        yield opened
    finally:
        opened.close()


def password_source(ctx: typer.Context):
    """Passwords from stdin, one per line in the order asked, or from a prompt."""
    if ctx.obj.get("password_stdin"):
        lines = iter(sys.stdin.read().splitlines())

        def from_stdin(prompt: str, confirm: bool) -> str:
            try:
                return next(lines)
            except StopIteration:
                what = Text(prompt.rstrip(": "), english(prompt).rstrip(": "))
                raise UsageError(_("--password-stdin: no line left for {what}").format(what=what)) from None

        return from_stdin
    if not sys.stdin.isatty():
        return None

    def from_prompt(prompt: str, confirm: bool) -> str:
        first = getpass.getpass(prompt)
        if confirm and getpass.getpass(_("Again: ")) != first:
            raise UsageError(_("the two passwords differ; nothing was changed"))
        return first

    return from_prompt
