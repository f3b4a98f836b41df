"""Output for every listing command: a table for people, JSON or CSV for scripts.

Results go to stdout; messages, warnings and progress to stderr.
"""

from __future__ import annotations

import csv
import json
import sys
from typing import Annotated

import typer
from tabulate import tabulate

from gyomu_cli.i18n import N_, _

JsonOption = Annotated[
    bool, typer.Option("--json", help="Print JSON for scripts.", rich_help_panel="Output")
]
CsvOption = Annotated[
    bool, typer.Option("--csv", help="Print CSV with a header line.", rich_help_panel="Output")
]
FormatOption = Annotated[
    str,
    typer.Option(
        "--format",
        help="Table format (any tabulate format: simple, github, plain...).",
        rich_help_panel="Output",
    ),
]


# Translators: column headers of the listing tables; the English header is the field's name.
HEADERS = frozenset({
    N_("id"), N_("seq"), N_("name"), N_("login"), N_("section"), N_("roles"), N_("password"),
    N_("active"), N_("backend"), N_("current"), N_("object_lock"), N_("recordings"), N_("state"),
    N_("purpose"), N_("requester"), N_("created_at"), N_("distribution"), N_("version"),
    N_("backends"), N_("hooks"), N_("kind"), N_("location"), N_("retention"), N_("on_demand"),
    N_("devices"), N_("users"), N_("basis"), N_("recipient"), N_("document_pending"), N_("due_on"),
    N_("items"), N_("recording_id"), N_("reason"), N_("note"), N_("created_by"), N_("released_at"),
    N_("device"), N_("started_at"), N_("duration"), N_("caller"), N_("callee"), N_("retain_until"),
    N_("holds"), N_("at"), N_("actor"), N_("acting_as"), N_("command"), N_("action"), N_("object"),
    N_("outcome"), N_("start_offset"), N_("end_offset"), N_("channel"), N_("file"), N_("sha256"), N_("by"),
    N_("agree"), N_("document_id"),
})


def header(column: str) -> str:
    """A table column's header in the reader's language (the field name in English)."""
    return _(column) if column in HEADERS else column


def print_json(data) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def cell(value, *, for_people: bool = False) -> str:
    """A value as text; yes/no are translated for people, never in CSV."""
    if value is None:
        return ""
    if isinstance(value, bool):
        if for_people:
            return _("yes") if value else _("no")
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(cell(v) if isinstance(v, dict) else str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def emit(rows: list[dict], columns: list[str], *, as_json: bool, as_csv: bool, fmt: str) -> None:
    """Print rows: JSON carries every field, CSV and tables the given columns."""
    if as_json:
        print_json(rows)
        return
    if as_csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([cell(row.get(c)) for c in columns])
        return
    if not rows:
        typer.echo(_("(none)"), err=True)
        return
    table = [[cell(row.get(c), for_people=True) for c in columns] for row in rows]
    headers = [header(c) for c in columns]
    typer.echo(tabulate(table, headers=headers, tablefmt=fmt, disable_numparse=True))


def _is_table(value) -> bool:
    """A field holding records (a request's items, its opinions): shown as a table of its own."""
    return isinstance(value, (list, tuple)) and bool(value) and all(isinstance(v, dict) for v in value)


def emit_record(row: dict, *, as_json: bool) -> None:
    """Print one object: JSON, or a two-column table of its fields.

    A field holding records follows as a table of them, indented under its name.
    """
    if as_json:
        print_json(row)
        return
    width = max(len(k) for k in row)
    for key, value in row.items():
        if not _is_table(value):
            typer.echo(f"{key.ljust(width)}  {cell(value, for_people=True)}")
    for key, value in row.items():
        if _is_table(value):
            columns = list(dict.fromkeys(c for record in value for c in record))
            table = [[cell(record.get(c), for_people=True) for c in columns] for record in value]
            typer.echo("")
            typer.echo(f"{key}:")
            shown = tabulate(table, headers=[header(c) for c in columns], tablefmt="simple", disable_numparse=True)
            for line in shown.splitlines():
                typer.echo(f"  {line}")
