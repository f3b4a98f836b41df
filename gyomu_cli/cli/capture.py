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
from gyomu_cli.i18n import _


def report(tallies: list[service.Tally], as_json: bool) -> None:
    if as_json:
        print_json([t.__dict__ for t in tallies])
    for tally in tallies:
        if tally.stored or tally.set_aside:
            typer.echo(
                _("{device}: {stored} stored, {already} already stored, {set_aside} set aside").format(
                    device=tally.device, stored=tally.stored, already=tally.already, set_aside=tally.set_aside
                ),
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
    for_: Annotated[str | None, typer.Option("--for", help="Stop after this long, e.g. 30m, 90s, 1h (required for on-demand devices).")] = None,
    json_: JsonOption = False,
) -> None:
    """Take recordings in from each device's backend: PBX calls, camera segments.

    Without --once it runs until SIGTERM or Ctrl-C (or --for), then finishes
    the open segments and the calls already complete, and exits 0; SIGUSR1
    logs its status. On-demand devices record only when named with --device,
    after their announcement (`gyomu notice`, Art. 4-2). Exit codes: 3 a
    device is misconfigured, 5 another capture holds a device, 6 some
    recordings were set aside (see stderr), 7 storage full or unavailable.
    """
    with session(ctx) as s:
        if once:
            tallies = service.run_once(s, device or None, wait)
        else:
            stop, status = threading.Event(), threading.Event()
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, lambda *_: stop.set())
            signal.signal(signal.SIGUSR1, lambda *_: status.set())
            duration = service.parse_duration(for_) if for_ else None
            tallies = service.run_service(s, stop, device or None, interval, duration, status)
    report(tallies, json_)


def register(app: typer.Typer) -> None:
    app.command()(capture)
