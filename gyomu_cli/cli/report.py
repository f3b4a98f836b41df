"""gyomu report notice/annual."""

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from gyomu_cli import publish, reports
from gyomu_cli.cli.common import group, session
from gyomu_cli.errors import UsageError
from gyomu_cli.i18n import _

app = group("What the city publishes: the installation notice and the yearly report (Articles 4, 14).")

Format = Annotated[str, typer.Option("--format", help="table, csv, json, markdown or html.")]
Lang = Annotated[str | None, typer.Option("--lang", help="ja or en. Default: the locale's language (LANG=ja_JP.UTF-8 gives ja).", show_default=False)]
Output = Annotated[Path | None, typer.Option(help="Write to this file (or folder, for --signs) instead of stdout.", readable=False)]


def _write(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    if not output.parent.exists():
        output.parent.mkdir(parents=True)
        output.parent.chmod(0o755)  # a folder made for published pages: readable like them
    fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.fchmod(fd, 0o644)  # published documents are world-readable, whatever gyomu's own umask (077)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    typer.echo(_("Wrote {path}").format(path=output), err=True)


def _check(fmt: str) -> None:
    if fmt not in publish.FORMATS:
        raise UsageError(_("--format is one of {formats}, not {fmt!r}").format(formats=", ".join(publish.FORMATS), fmt=fmt))


@app.command("notice")
def notice(
    ctx: typer.Context,
    fmt: Format = "table",
    lang: Lang = None,
    signs: Annotated[bool, typer.Option("--signs", help="One printable A4 sign per camera, into the --output folder.")] = False,
    output: Output = None,
) -> None:
    """The installation notice: every device, where, for which section, why (Art. 4)."""
    _check(fmt)
    with session(ctx) as s:
        data = reports.notice(s)
    if signs:
        if output is None:
            raise UsageError(_("--signs writes one page per camera: give --output FOLDER"))
        for device in data["devices"]:
            if device["kind"] == "camera":
                _write(publish.sign(data, device, lang), output / f"sign-{device['name']}.html")
        return
    _write(publish.notice(data, fmt, lang), output)


@app.command("annual")
def annual(
    ctx: typer.Context,
    fiscal_year: Annotated[int, typer.Option("--fiscal-year", help="The fiscal year by its start, e.g. 2026 for April 2026 to March 2027.")],
    fmt: Format = "table",
    lang: Lang = None,
    output: Output = None,
) -> None:
    """The fiscal year's operation report (Art. 14): counts only, nothing personal."""
    _check(fmt)
    with session(ctx) as s:
        data = reports.annual(s, fiscal_year)
        s.audit("report.annual", None, fiscal_year=fiscal_year, audit_head=data["audit_head"])
    _write(publish.annual(data, fmt, lang), output)
