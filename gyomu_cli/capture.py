"""Capture: every device with a backend hands its recordings to the ledger.

A phone line's PBX backend is scanned for finished calls; each is registered
(audio stored, encrypted, verified) and only then acknowledged, which lets
the backend erase its spool copy. A camera's backend records segments in a
thread of its own; each closed segment is registered by the main thread and
its work file erased. One capture runs per device at a time (a lock each).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import re
import queue
import threading
from dataclasses import dataclass, field
from pathlib import Path

from gyomu_cli import notices, plugins, registry
from gyomu_cli.errors import ConfigError, GyomuError, StorageError, UsageError
from gyomu_cli.i18n import _, english
from gyomu_cli.indexing import Indexer, Item
from gyomu_cli.lock import exclusive
from gyomu_cli.session import Session

log = logging.getLogger(__name__)

@dataclass
class Tally:
    """What one device handed over in a run."""

    device: str
    stored: int = 0
    already: int = 0
    set_aside: int = 0
    failed: list[str] = field(default_factory=list)


@dataclass
class Source:
    device: dict
    backend: object
    work_dir: Path
    notice_id: int | None = None  # the announcement an on-demand device records under (Art. 4-2)


def parse_duration(text: str) -> float:
    """'30m', '90s', '1h', '1h30m' -> seconds."""
    match = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?", text.strip().lower())
    if not text.strip() or not match or not any(match.groups()):
        raise UsageError(_("--for {text!r} is not a duration; write it like 30m, 90s or 1h").format(text=text))
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def _state_dir(session: Session, device: str) -> Path:
    folder = session.home.root / "state" / device
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def open_sources(session: Session, names: list[str] | None = None) -> list[Source]:
    """Instantiate the backend of every active device that has one (or the named ones)."""
    devices = registry.list_devices(session)
    if names:
        known = {d["name"]: d for d in devices}
        missing = [n for n in names if n not in known]
        if missing:
            raise UsageError(_("no active device named {name!r}; see `gyomu device list`").format(name=missing[0]))
        devices = [known[n] for n in names]
        without = [d["name"] for d in devices if not d["backend"]]
        if without:
            raise UsageError(
                _("device {name} has no capture backend; give it one with device add --backend").format(name=without[0])
            )
    else:
        for device in devices:
            if device["on_demand"] and device["backend"]:
                log.info(_("{device} records only when needed: start it by name after its notice").format(device=device["name"]))
        devices = [d for d in devices if not d["on_demand"]]
    sources = []
    for device in devices:
        if not device["backend"]:
            continue
        kind = registry.BACKEND_KINDS[device["kind"]]
        factory = plugins.backend_factory(kind, device["backend"])
        state = _state_dir(session, device["name"])
        options = dict(registry.backend_options(session, device), device=device["name"], state_dir=str(state))
        try:
            backend = factory(session.home.root, options)
        except GyomuError as error:
            raise ConfigError(_("device {name}: {error}").format(name=device["name"], error=error)) from None
        sources.append(Source(device, backend, state))
    if not sources:
        raise UsageError(_("no device has a capture backend; add one with `gyomu device add ... --backend NAME`"))
    return sources


def _locks(session: Session, sources: list[Source], stack: contextlib.ExitStack, wait: float) -> None:
    for source in sources:
        name = source.device["name"]
        def busy(pid: str, name: str = name) -> str:
            return _("another capture of {device} is running (pid {pid}); wait for it, or pass --wait SECONDS").format(device=name, pid=pid)

        stack.enter_context(exclusive(session.home.locks / f"capture-{name}.lock", busy, wait))


def pbx_once(session: Session, indexer: Indexer, source: Source, tally: Tally) -> None:
    """Hand every finished call over: register, verify, then let the PBX side erase it."""
    name = source.device["name"]
    for call in source.backend.scan():
        try:
            outcome = indexer.ingest_call(name, call)
        except StorageError:
            raise  # a full or broken store stops capture: nothing more is taken in
        except GyomuError as error:
            log.error(_("device {device}: call {call} set aside: {error}").format(device=name, call=call.source_ref, error=error))
            source.backend.set_aside(call, str(english(error)))  # kept with the call's files: in English
            tally.set_aside += 1
            continue
        source.backend.acknowledge(call)
        if outcome.new:
            tally.stored += 1
        else:
            tally.already += 1


def run_once(session: Session, names: list[str] | None = None, wait: float = 0.0) -> list[Tally]:
    sources = open_sources(session, names)
    tallies = []
    with contextlib.ExitStack() as stack:
        _locks(session, sources, stack, wait)
        indexer = Indexer(session)
        for source in sources:
            tally = Tally(source.device["name"])
            if source.device["kind"] == "camera":
                log.info(_("camera {device} records only while `gyomu capture` runs as a service").format(device=tally.device))
            else:
                pbx_once(session, indexer, source, tally)
            tallies.append(tally)
    _audit(session, tallies)
    return tallies


def run_service(
    session: Session,
    stop: threading.Event,
    names: list[str] | None = None,
    interval: float = 10.0,
    duration: float | None = None,
    report_status: threading.Event | None = None,
) -> list[Tally]:
    """Capture until `stop` is set (or `duration` seconds): PBX scans every `interval`, cameras continuously."""
    sources = open_sources(session, names)
    if any(s.device["on_demand"] for s in sources) and duration is None:
        raise UsageError(_("an on-demand device records for a set time: give --for, e.g. --for 30m"))
    for source in sources:
        if source.device["on_demand"]:
            source.notice_id = notices.take(session, source.device)
    if duration is not None:
        timer = threading.Timer(duration, stop.set)
        timer.daemon = True
        timer.start()
    ends: dict = {}
    tallies = {s.device["name"]: Tally(s.device["name"]) for s in sources}
    segments: queue.Queue = queue.Queue()
    failures: list[BaseException] = []
    with contextlib.ExitStack() as stack:
        _locks(session, sources, stack, 0.0)
        indexer = Indexer(session, erase_source=True)
        threads = [
            threading.Thread(target=_camera, args=(s, stop, segments, failures), name=s.device["name"], daemon=True)
            for s in sources
            if s.device["kind"] == "camera"
        ]
        for thread in threads:
            thread.start()
        pbx = [s for s in sources if s.device["kind"] == "phone-line"]
        log.info(_("capturing from {devices}").format(devices=", ".join(s.device["name"] for s in sources)))
        while True:
            for source in pbx:
                _supervised(session, indexer, source, tallies[source.device["name"]])
            _drain(session, indexer, segments, tallies, ends)
            if report_status is not None and report_status.is_set():
                report_status.clear()
                status(tallies)
            if failures:
                stop.set()
            if stop.wait(interval):
                break
        for thread in threads:
            thread.join()
        for source in pbx:  # one last pass: what finished while stopping is taken in
            pbx_once(session, indexer, source, tallies[source.device["name"]])
        _drain(session, indexer, segments, tallies, ends)
    _audit(session, list(tallies.values()))
    if failures:
        raise failures[0]
    return list(tallies.values())


def _supervised(session: Session, indexer: Indexer, source: Source, tally: Tally) -> None:
    """One scan of a running service: a passing fault is logged and retried next time."""
    try:
        pbx_once(session, indexer, source, tally)
    except StorageError:
        raise  # nothing new can be stored: stop loudly
    except GyomuError as error:
        fault = str(english(error))  # the tally goes to --json: in English
        if tally.failed[-1:] != [fault]:
            log.error(_("device {device}: {error}; retrying").format(device=source.device["name"], error=error))
        tally.failed.append(fault)


def _camera(source: Source, stop: threading.Event, segments: queue.Queue, failures: list) -> None:
    out_dir = source.work_dir / "segments"
    out_dir.mkdir(mode=0o700, exist_ok=True)
    try:
        for segment in source.backend.record(out_dir, stop):
            segments.put((source, segment))
    except BaseException as error:  # the main thread reports it and stops the service
        log.error(_("camera {device} stopped: {error}").format(device=source.device["name"], error=error))
        failures.append(error)
        stop.set()


GAP = dt.timedelta(seconds=2)  # more than this between two segments is a gap in the recording


def _drain(session: Session, indexer: Indexer, segments: queue.Queue, tallies: dict[str, Tally], ends: dict) -> None:
    while True:
        try:
            source, segment = segments.get_nowait()
        except queue.Empty:
            return
        device = source.device["name"]
        started = segment["started_at"]
        if device in ends and started - ends[device] > GAP:
            log.warning(
                _("camera {device} recorded nothing from {start} to {end}").format(
                    device=device, start=ends[device].isoformat(), end=started.isoformat()
                )
            )
            session.audit("camera.gap", f"device:{source.device['id']}", start=ends[device].isoformat(), end=started.isoformat())
        if segment.get("ended_at"):
            ends[device] = segment["ended_at"]
        item = Item(Path(segment["path"]), device, started_at=started.isoformat(), notice_id=source.notice_id)
        try:
            outcome = indexer.index(item)
        except StorageError:
            raise
        except GyomuError as error:
            log.error(_("camera {device}: segment {segment} set aside: {error}").format(device=device, segment=item.path.name, error=error))
            tallies[device].set_aside += 1
            continue
        tallies[device].stored += int(outcome.new)


def status(tallies: dict[str, Tally]) -> None:
    for tally in tallies.values():
        log.warning(
            _("status: {device}: {stored} stored, {already} already stored, {set_aside} set aside, {faults} faults").format(
                device=tally.device, stored=tally.stored, already=tally.already, set_aside=tally.set_aside,
                faults=len(tally.failed),
            )
        )


def _audit(session: Session, tallies: list[Tally]) -> None:
    summary = {t.device: {"stored": t.stored, "already": t.already, "set_aside": t.set_aside} for t in tallies}
    session.audit("capture.ran", None, devices=json.loads(json.dumps(summary)))
