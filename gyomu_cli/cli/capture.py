"""gyomu capture."""

from __future__ import annotations

import signal
import threading
from typing import Annotated

import typer

from gyomu_cli import capture as service
from gyomu_cli.cli.common import session
from gyomu_cli.cli.output import JsonOption, print_json
from gyomu_cli.errors import ExitCode


def report(tallies: list[service.Tally], as_json: bool) -> None:
    if as_json:
        print_json([t.__dict__ for t in tallies])
    for tally in tallies:
        if tally.stored or tally.set_aside:
            typer.echo(
                f"{tally.device}: {tally.stored} stored, {tally.already} already stored, {tally.set_aside} set aside",
                err=True,
            )
    if any(t.set_aside for t in tallies):
        raise typer.Exit(ExitCode.PARTIAL)


def capture(
    ctx: typer.Context,
    device: Annotated[list[str], typer.Option("--device", help="Only this device; repeat for several. Default: every device with a backend.")] = [],
    once: Annotated[bool, typer.Option("--once", help="Take in what is complete now and exit (for cron).")] = False,
    interval: Annotated[float, typer.Option(help="Seconds between PBX scans when running as a service.")] = 10.0,
    wait: Annotated[float, typer.Option(help="With --once: seconds to wait for a running capture of the same device.")] = 0.0,
    json_: JsonOption = False,
) -> None:
    """Take recordings in from each device's backend: PBX calls, camera segments.

    Without --once it runs until SIGTERM or Ctrl-C, then finishes the open
    segments and the calls already complete, and exits 0. Exit codes: 3 a
    device is misconfigured, 5 another capture holds a device, 6 some
    recordings were set aside (see stderr), 7 storage full or unavailable.
    """
    with session(ctx) as s:
        if once:
            tallies = service.run_once(s, device or None, wait)
        else:
            stop = threading.Event()
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, lambda *_: stop.set())
            tallies = service.run_service(s, stop, device or None, interval)
    report(tallies, json_)


def register(app: typer.Typer) -> None:
    app.command()(capture)
