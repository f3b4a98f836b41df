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


def print_json(data) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
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
        typer.echo("(none)", err=True)
        return
    table = [[cell(row.get(c)) for c in columns] for row in rows]
    typer.echo(tabulate(table, headers=columns, tablefmt=fmt, disable_numparse=True))


def emit_record(row: dict, *, as_json: bool) -> None:
    """Print one object: JSON, or a two-column table of its fields."""
    if as_json:
        print_json(row)
        return
    width = max(len(k) for k in row)
    for key, value in row.items():
        typer.echo(f"{key.ljust(width)}  {cell(value)}")
