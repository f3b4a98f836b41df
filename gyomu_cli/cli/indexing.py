"""gyomu index."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Annotated

import typer

from gyomu_cli import capture as capture_service
from gyomu_cli import registry
from gyomu_cli.cli.capture import report as capture_report
from gyomu_cli.cli.common import session
from gyomu_cli.cli.output import JsonOption, print_json
from gyomu_cli.errors import ExitCode, GyomuError, UsageError
from gyomu_cli.i18n import _, english
from gyomu_cli.indexing import Indexer, Item, read_manifest


@contextlib.contextmanager
def _progress(total: int):
    """A progress bar on a terminal's stderr; nothing in a pipe or cron mail."""
    if total < 2 or not sys.stderr.isatty():
        yield lambda: None
        return
    from rich.progress import Progress

    with Progress(transient=True) as bar:
        task = bar.add_task(_("Indexing"), total=total)
        yield lambda: bar.advance(task)


def index(
    ctx: typer.Context,
    files: Annotated[list[Path] | None, typer.Argument(help="Media files: WAV/FLAC for calls, MP4/MKV/TS for cameras.", show_default=False, readable=False)] = None,
    device: Annotated[str | None, typer.Option(help="The device that recorded the files.")] = None,
    started_at: Annotated[str | None, typer.Option(help="Start time, ISO 8601 (2025-11-20T10:15:30+09:00); without an offset, the configured zone.")] = None,
    caller: Annotated[str | None, typer.Option(help="Calling party's number (calls; 'anonymous' if withheld).")] = None,
    callee: Annotated[str | None, typer.Option(help="Called party's number (calls).")] = None,
    direction: Annotated[str | None, typer.Option(help="in or out, seen from the city office.")] = None,
    section: Annotated[str | None, typer.Option(help="Responsible section, when not the device's.")] = None,
    manifest: Annotated[Path | None, typer.Option(help="CSV with a line per file: file,device,started_at,caller,callee,direction,section.", readable=False)] = None,
    backend: Annotated[str | None, typer.Option(help="Re-scan a device's capture backend instead of naming files, e.g. pbx_asterisk.")] = None,
    erase_source: Annotated[bool, typer.Option("--erase-source", help="Overwrite and remove each source file once its stored copy is verified.")] = False,
    json_: JsonOption = False,
) -> None:
    """Register media files as recordings: store, hash, ledger. Indexing twice is harmless."""
    files = files or []
    if backend is not None:
        if files or manifest or not device:
            raise UsageError(_("--backend re-scans one device: give --device and no files"))
        with session(ctx) as s:
            configured = registry.get_device(s, device)["backend"]
            if configured is None:
                raise UsageError(
                    _("device {device} has no capture backend: its files are indexed by name (gyomu index FILE --device {device})").format(device=device)
                )
            if configured != backend:
                raise UsageError(
                    _("device {device} uses backend {configured!r}, not {backend!r}").format(
                        device=device, configured=configured, backend=backend
                    )
                )
            tallies = capture_service.run_once(s, [device])
        capture_report(tallies, json_)
        return
    if manifest is not None:
        if files or device:
            raise UsageError(_("give either --manifest or files with --device, not both"))
        items = read_manifest(manifest)
    else:
        if not files:
            raise UsageError(_("name the files to index, or give --manifest"))
        if not device:
            raise UsageError(_("give --device: the phone line or camera that recorded the files"))
        if started_at and len(files) > 1:
            raise UsageError(_("--started-at applies to one file; for several, use --manifest"))
        items = [
            Item(f, device, started_at, caller, callee, direction, section) for f in files
        ]

    results, failures = [], []
    with session(ctx) as s, _progress(len(items)) as advance:
        indexer = Indexer(s, erase_source=erase_source)
        for item in items:
            try:
                outcome = indexer.index(item)
            except GyomuError as error:
                if len(items) == 1:
                    raise
                message = str(error)
                if str(item.path) not in message:
                    message = f"{item.path}: {message}"
                typer.echo(_("Error: {message}").format(message=message), err=True)
                failures.append({"file": str(item.path), "error": str(english(error)), "exit_code": int(error.exit_code)})
            else:
                results.append({"file": str(item.path), "recording": outcome.recording_id, "new": outcome.new})
                if not outcome.new:
                    typer.echo(
                        _("{path}: already indexed as recording {recording}").format(path=item.path, recording=outcome.recording_id),
                        err=True,
                    )
            advance()

    if json_:
        print_json({"indexed": results, "failed": failures})
    else:
        for result in results:
            typer.echo(f"{result['recording']}\t{result['file']}")
    if failures:
        raise typer.Exit(ExitCode.PARTIAL if results else failures[0]["exit_code"])


def register(app: typer.Typer) -> None:
    app.command()(index)
