"""The `gyomu` command: global options, error handling, the command groups.

Commands are thin: they parse, call a service, and print. Services raise
GyomuError; the group below turns it into one `Error: ...` line on stderr and
the error's exit code, so that no traceback reaches a user or a cron mail.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import sys
from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperGroup

from gyomu_cli import __version__
from gyomu_cli.errors import ExitCode, GyomuError
from gyomu_cli.i18n import _

log = logging.getLogger("gyomu_cli")


def default_home() -> Path:
    if os.geteuid() == 0:
        return Path("/var/lib/gyomu")
    data = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data) / "gyomu"


class GyomuGroup(TyperGroup):
    """Runs a command and turns a failure into one line and an exit code."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise  # help, usage errors and exits: the command line's own way out
        except GyomuError as error:
            fail(str(error), error.exit_code)
        except sqlite3.DatabaseError as error:
            home = (ctx.obj or {}).get("home")
            if home is not None and _disk_full(error, home):
                fail(_("the disk of the gyomu home {home} is full: the ledger could not be written and nothing was changed; "
                       "free space there").format(home=home), ExitCode.STORAGE)
            fail(_("the ledger cannot be used: {error}; run `gyomu verify` or restore it from backup").format(error=error), ExitCode.FAILED)
        except KeyboardInterrupt:
            fail(_("interrupted; nothing half-written was kept"), ExitCode.FAILED)
        except OSError as error:
            where = f" ({error.filename})" if error.filename else ""
            fail(f"{error.strerror or error}{where}", ExitCode.FAILED)
        except Exception as error:
            if os.environ.get("GYOMU_DEBUG"):
                raise
            fail(
                _("internal error ({kind}: {error}); nothing more was changed. "
                  "Run again with GYOMU_DEBUG=1 for the traceback and report it").format(kind=type(error).__name__, error=error),
                ExitCode.FAILED,
            )


def _disk_full(error: sqlite3.DatabaseError, home: Path) -> bool:
    """SQLite says the disk is full, or fails to write where hardly any space is left."""
    if getattr(error, "sqlite_errorname", "") == "SQLITE_FULL":
        return True
    try:
        fs = os.statvfs(home)
    except OSError:
        return False
    return "I/O" in str(error) and fs.f_bavail * fs.f_frsize < 1 << 20


def fail(message: str, code: int):
    typer.echo(_("Error: {message}").format(message=message), err=True)
    raise typer.Exit(int(code))


app = typer.Typer(
    cls=GyomuGroup,
    help="Run call recorders and recording cameras under the city's recording regulation.",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    add_completion=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class Logs(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        shown = {"WARNING": _("Warning: {message}"), "ERROR": _("Error: {message}"), "CRITICAL": _("Error: {message}")}
        template = shown.get(record.levelname, record.levelname.capitalize() + ": {message}")
        return template.format(message=record.getMessage())


def _setup_logging(verbose: int, quiet: bool) -> None:
    level = logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(Logs())
    root = logging.getLogger()  # gyomu's own and its plugins' messages alike
    root.handlers[:] = [handler]
    root.setLevel(level)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"gyomu {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    home: Annotated[
        Path | None,
        typer.Option(
            "--home",
            envvar="GYOMU_HOME",
            readable=False,  # gyomu explains an unreadable home itself
            help="The gyomu home folder (ledger, settings, storage). Default: /var/lib/gyomu as root, else ~/.local/share/gyomu.",
            show_default=False,
        ),
    ] = None,
    as_login: Annotated[
        str | None,
        typer.Option("--as", metavar="LOGIN", help="Root only: act as this gyomu user (audited as such)."),
    ] = None,
    password_stdin: Annotated[
        bool,
        typer.Option("--password-stdin", help="Read passwords from stdin, one line each, in the order asked."),
    ] = False,
    verbose: Annotated[int, typer.Option("-v", "--verbose", count=True, help="More messages on stderr (-vv for debug).")] = 0,
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help="Only errors on stderr.")] = False,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")] = False,
) -> None:
    os.umask(0o077)
    _setup_logging(verbose, quiet)
    ctx.obj = {"home": home or default_home(), "as_login": as_login, "password_stdin": password_stdin}


def _register() -> None:
    from gyomu_cli.cli import audit, capture, demo, devices, disclose, holds, indexing, notice, plugins, purge, recordings, report, requests, sections, setup, storage, users, verify

    setup.register(app)
    app.add_typer(sections.app, name="section")
    app.add_typer(devices.app, name="device")
    app.add_typer(users.app, name="user")
    indexing.register(app)
    capture.register(app)
    notice.register(app)
    app.add_typer(recordings.app, name="recordings")
    purge.register(app)
    app.add_typer(holds.app, name="hold")
    requests.register(app)
    app.add_typer(disclose.app, name="disclose")
    app.add_typer(audit.app, name="audit")
    app.add_typer(storage.app, name="storage")
    app.add_typer(report.app, name="report")
    verify.register(app)
    plugins.register(app)
    demo.register(app)


_register()


def main() -> None:
    from gyomu_cli.cli import help_text

    command = typer.main.get_command(app)
    help_text.translate(command)  # --help in the reader's language
    command(prog_name="gyomu")
