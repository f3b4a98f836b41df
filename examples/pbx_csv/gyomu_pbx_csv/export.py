"""The PBX's export: one CSV call log per day, and a WAV file per recorded call.

The PBX appends a row to calls-YYYYMMDD.csv when a call ends, and writes the
call's WAV file into the same folder. Each file starts with this header:

    call_id,start,answer,end,direction,external_number,extension,recording

Times are the PBX's local wall-clock time, YYYY-MM-DD HH:MM:SS; answer is
empty for a call nobody answered. direction is in, out or internal.
recording is the WAV's file name, empty when the call was not recorded.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

COLUMNS = [
    "call_id",
    "start",
    "answer",
    "end",
    "direction",
    "external_number",
    "extension",
    "recording",
]
DAY_FILES = "calls-[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9].csv"
DIRECTIONS = ("in", "out", "internal")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


class BadRow(ValueError):
    """A row that cannot be read.

    The message names the field and never repeats its value: a shifted column
    could put a phone number where a direction belongs, and logs are not the
    place for personal data.
    """


@dataclass(frozen=True)
class Row:
    call_id: str
    start: dt.datetime
    answer: dt.datetime | None
    end: dt.datetime
    direction: str
    external_number: str
    extension: str
    recording: str
    day: str  # the day file's name, e.g. calls-20261203.csv
    line: int

    @property
    def where(self) -> str:
        """Where an operator finds the row, for messages: never its numbers."""
        return f"{self.day} line {self.line}"


def day_files(folder: Path) -> list[Path]:
    # Sorted, so calls are offered in the order they happened.
    return sorted(folder.glob(DAY_FILES))


def raw_rows(path: Path) -> Iterator[tuple[int, list[str] | None]]:
    """(line number, fields) for every complete line; fields None for a bad header.

    The PBX may be appending while we read: a last line without its newline
    is still being written and is left for the next scan.
    """
    data = path.read_bytes()
    complete = data[: data.rfind(b"\n") + 1].decode("utf-8-sig", errors="replace")
    lines = complete.splitlines()
    if not lines:
        return
    if next(csv.reader(lines[:1])) != COLUMNS:
        yield 1, None
        return
    for number, fields in enumerate(csv.reader(lines[1:]), start=2):
        if fields:  # a blank line is no row
            yield number, fields


def parse(fields: list[str], zone: dt.tzinfo, day: str, line: int) -> Row:
    """One row as aware datetimes and checked fields, or BadRow saying why."""
    if len(fields) != len(COLUMNS):
        raise BadRow(f"{len(fields)} fields, not {len(COLUMNS)}")
    raw = dict(zip(COLUMNS, fields, strict=True))
    if not raw["call_id"].strip():
        raise BadRow("call_id is empty")
    if raw["direction"] not in DIRECTIONS:
        raise BadRow("direction is not in, out or internal")
    start = _time(raw, "start", zone)
    end = _time(raw, "end", zone)
    answer = _time(raw, "answer", zone) if raw["answer"].strip() else None
    if end < start or (answer is not None and not start <= answer <= end):
        raise BadRow("the times are out of order (start, answer, end)")
    name = raw["recording"].strip()
    # The CSV must not steer gyomu to files outside the export folder: a name
    # with a folder in it would let one bad row erase another file.
    if name and (Path(name).name != name or name in (".", "..")):
        raise BadRow("recording is not a plain file name")
    return Row(
        call_id=raw["call_id"].strip(),
        start=start,
        answer=answer,
        end=end,
        direction=raw["direction"],
        external_number=raw["external_number"].strip(),
        extension=raw["extension"].strip(),
        recording=name,
        day=day,
        line=line,
    )


def _time(raw: dict, column: str, zone: dt.tzinfo) -> dt.datetime:
    try:
        naive = dt.datetime.strptime(raw[column].strip(), TIME_FORMAT)
    except ValueError:
        raise BadRow(f"{column} is not a time like 2026-12-03 09:15:00") from None
    # Wall-clock time in the PBX's zone. In a zone with summer time the hour
    # that repeats in autumn is ambiguous; fold=0 takes its first occurrence.
    return naive.replace(tzinfo=zone)
