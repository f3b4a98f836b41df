"""gyomu plugin "event_log": one JSON line per recording stored or erased.

The file is named by the GYOMU_EVENT_LOG environment variable; without it the
plugin writes nothing. Each line holds the event's name, the time it was
written (UTC) and the event's own fields, which are ids and categories only,
e.g.

    {"event": "recording_stored", "logged_at": "2025-11-20T01:15:31Z",
     "recording_id": 42, "kind": "call", "device": "line-main",
     "section": "市民課", "size": 48213}

A log shipper can follow the file and forward the lines to another system.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import os

from gyomu_cli.events import RecordingErased, RecordingStored
from gyomu_cli.hookspecs import hookimpl

ENV_VAR = "GYOMU_EVENT_LOG"

log = logging.getLogger(__name__)


@hookimpl
def recording_stored(event: RecordingStored) -> None:
    append("recording_stored", event)


@hookimpl
def recording_erased(event: RecordingErased) -> None:
    append("recording_erased", event)


def append(name: str, event) -> None:
    """Write one line; a failure is logged here so that gyomu carries on."""
    path = os.environ.get(ENV_VAR)
    if not path:
        return
    try:
        write_line(path, as_line(name, event))
    except OSError as error:
        log.error("event_log: cannot append to %s: %s", path, error.strerror)


def as_line(name: str, event) -> bytes:
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    record = {"event": name, "logged_at": now, **dataclasses.asdict(event)}
    return (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")


def write_line(path: str, line: bytes) -> None:
    """Append with a single write, so lines from two gyomu runs never mix."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)
