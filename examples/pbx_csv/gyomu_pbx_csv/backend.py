"""One PBX export folder as a gyomu PBX backend.

scan() reads the day files and offers each external call whose WAV is
complete; acknowledge() erases the WAV once gyomu holds a verified copy;
set_aside() remembers why gyomu could not take a call. The CSV files are the
PBX's own log: this backend reads them and never changes them.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from gyomu_cli.backends import CallCapture
from gyomu_cli.errors import ConfigError
from gyomu_pbx_csv import export
from gyomu_pbx_csv.export import BadRow, Row
from gyomu_pbx_csv.state import State

log = logging.getLogger(__name__)

# A row whose WAV is still missing this long after the call ended is reported
# (once) as a problem; it is still awaited, since the file may yet arrive.
LATE_AFTER = 3600.0


class CsvPbx:
    def __init__(
        self,
        *,
        device: str,
        folder: Path,
        zone: ZoneInfo,
        settle: float,
        sections: dict[str, str],
        state_dir: Path,
    ):
        self.device = device
        self.folder = folder
        self.zone = zone
        self.settle = settle
        self.sections = sections
        self.state = State(state_dir / "pbx_csv.json")
        # The rows of the calls offered and not yet acknowledged, by call_id.
        self._offered: dict[str, Row] = {}

    @classmethod
    def from_options(cls, home: Path, options: dict) -> CsvPbx:
        """The factory gyomu calls with the device's options (all strings).

        Every option is checked here, so that a mistake refuses `gyomu device
        add` (or stops `gyomu capture`) with one line naming the option, before
        any call is read.
        gyomu adds two options of its own: `device`, the device's name, and
        `state_dir`, a folder for this device alone.
        """
        folder = options.get("export")
        if not folder:
            raise ConfigError(
                "set --option export=FOLDER: the folder the PBX writes calls-YYYYMMDD.csv into"
            )
        if not Path(folder).is_dir():
            raise ConfigError(
                f"option export: {folder} is not a folder; is the PBX's export share mounted?"
            )
        name = options.get("timezone")
        if not name:
            raise ConfigError(
                "set --option timezone=ZONE, the PBX clock's zone, e.g. Asia/Tokyo: "
                "the CSV times carry none"
            )
        try:
            zone = ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise ConfigError(
                f"option timezone: {name!r} is not a time zone; use a name like Asia/Tokyo"
            ) from None
        try:
            settle = float(options.get("settle", 10))
        except ValueError:
            settle = -1.0
        if not settle >= 0:  # also refuses "nan"
            raise ConfigError(
                f"option settle: {options['settle']!r} is not a number of seconds"
            )
        return cls(
            device=options["device"],
            folder=Path(folder),
            zone=zone,
            settle=settle,
            sections=read_sections(options.get("extensions", "")),
            state_dir=Path(options["state_dir"]),
        )

    # scan: what is ready to hand over

    def scan(self) -> Iterator[CallCapture]:
        if not self.folder.is_dir():
            # Unmounted since capture started: say so rather than find nothing.
            raise ConfigError(
                f"the export folder {self.folder} is gone; is the PBX's export share mounted?"
            )
        now = time.time()
        named: set[str] = set()  # every WAV some row names, offered or not
        for day in export.day_files(self.folder):
            for row in self._rows(day, named):
                call = self._ready(row, now)
                if call is not None:
                    # gyomu stores the call and calls acknowledge (or set_aside)
                    # before it asks for the next one, so state is current here.
                    self._offered[row.call_id] = row
                    yield call
        self._report_lonely_wavs(named, now)
        self.state.forget_files_gone({path.name for path in self.folder.iterdir()})
        self.state.save()

    def _rows(self, day: Path, named: set[str]) -> Iterator[Row]:
        """The day file's readable rows; a malformed one is reported once and kept."""
        for line, fields in export.raw_rows(day):
            if fields is None:
                if self.state.report_once(f"header:{day.name}", day.name):
                    log.error(
                        "device %s: %s lacks the header %s; the file is kept and not read",
                        self.device,
                        day.name,
                        ",".join(export.COLUMNS),
                    )
                continue
            if len(fields) == len(export.COLUMNS):
                named.add(fields[-1].strip())
            try:
                row = export.parse(fields, self.zone, day.name, line)
            except BadRow as error:
                # Not dropped: the row stays in the file and is read again on
                # every scan, so once someone corrects it, it is taken in.
                if self.state.report_once(f"bad:{day.name}:{line}:{error}", day.name):
                    log.error(
                        "device %s: %s line %s kept aside: %s; correct the row and it is read again",
                        self.device,
                        day.name,
                        line,
                        error,
                    )
                continue
            yield row

    def _ready(self, row: Row, now: float) -> CallCapture | None:
        """The row as a call when it is complete, else None: a later scan asks again."""
        if row.direction == "internal":
            # Extension to extension: no call record (Art. 2). Its WAV, if the
            # PBX made one, is not gyomu's to take or to erase.
            return None
        if row.call_id in self.state.done:
            if self.state.done[row.call_id] == row.day:
                # Finishes an erasure that a crash interrupted; if the WAV is
                # gone, as it normally is, this does nothing.
                self._erase(row)
            return None
        if row.call_id in self.state.aside:
            return None
        if not row.recording:
            # A call without audio (unanswered, say) is still a call record.
            return self._capture(row, None)
        wav = self.folder / row.recording
        try:
            info = wav.stat()
        except FileNotFoundError:
            late = now - row.end.timestamp() > LATE_AFTER
            if late and self.state.report_once(f"late:{row.call_id}", row.day):
                log.error(
                    "device %s: %s names a recording that is not in %s; kept and retried",
                    self.device,
                    row.where,
                    self.folder,
                )
            return None
        if now - info.st_mtime < self.settle:
            # Written to within `settle` seconds: the PBX may still be writing.
            return None
        return self._capture(row, wav)

    def _capture(self, row: Row, audio: Path | None) -> CallCapture:
        inbound = row.direction == "in"
        return CallCapture(
            # Stable and unique for the PBX's lifetime: gyomu registers each once.
            source_ref=row.call_id,
            started_at=row.start,
            ended_at=row.end,
            answered_at=row.answer,
            talk_seconds=(row.end - row.answer).total_seconds() if row.answer else 0.0,
            caller=row.external_number if inbound else row.extension,
            callee=row.extension if inbound else row.external_number,
            direction=row.direction,
            audio=audio,
            # None when the extension is not in the map: the device's section.
            section=self.sections.get(row.extension),
            facts={
                "call_id": row.call_id,
                "extension": row.extension,
                "day_file": row.day,
            },
        )

    def _report_lonely_wavs(self, named: set[str], now: float) -> None:
        """Report a WAV that no row names, once it is old: its row may be on its way."""
        for wav in self.folder.glob("*.wav"):
            try:
                old = now - wav.stat().st_mtime > LATE_AFTER
            except FileNotFoundError:
                continue
            if wav.name in named or not old:
                continue
            if self.state.report_once(f"lonely:{wav.name}", wav.name):
                log.error(
                    "device %s: %s has no row in any day file; kept and retried",
                    self.device,
                    wav.name,
                )

    # after gyomu has stored the call

    def acknowledge(self, call: CallCapture) -> None:
        """gyomu holds a verified copy: remember the call as done, then erase the WAV.

        In this order, a crash in between leaves a done call with its WAV,
        which the next scan erases; the other order could leave a row that
        waits forever for a WAV that was erased.
        """
        row = self._offered.pop(call.source_ref)
        self.state.done[row.call_id] = row.day
        self.state.save()
        self._erase(row)

    def set_aside(self, call: CallCapture, reason: str) -> None:
        """gyomu could not take the call: keep its files, offer it no more, keep why."""
        self._offered.pop(call.source_ref, None)
        self.state.aside[call.source_ref] = reason
        self.state.save()

    def _erase(self, row: Row) -> None:
        if row.recording:
            overwrite_and_remove(self.folder / row.recording)


def overwrite_and_remove(path: Path) -> None:
    """Zero the file's bytes, flush them to disk, then unlink it (Art. 6-2).

    Unlinking alone leaves the audio on the disk until the space is reused;
    the regulation wants erasure by overwriting. A missing file is already gone.
    """
    try:
        fd = os.open(path, os.O_WRONLY)
    except FileNotFoundError:
        return
    try:
        remaining = os.fstat(fd).st_size
        zeros = bytes(min(remaining, 1 << 20))
        while remaining > 0:
            remaining -= os.write(fd, zeros[:remaining])
        os.fsync(fd)
    finally:
        os.close(fd)
    path.unlink()


def read_sections(text: str) -> dict[str, str]:
    """The extensions option, "201:市民課,305:税務課", as a dict by extension."""
    sections = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        extension, colon, section = item.partition(":")
        if not colon or not extension.strip() or not section.strip():
            raise ConfigError(
                f"option extensions: {item!r} is not EXTENSION:SECTION, e.g. 201:市民課"
            )
        sections[extension.strip()] = section.strip()
    return sections
