"""One Asterisk PBX as a gyomu PBX backend: CDR rows in, finished calls out.

Each scan reads the CDR lines written since the last scan, keeps the rows of
external calls, groups them into conversations (linkedid, else uniqueid), and
offers a conversation once its recording is finished and settled. Rows and
files that do not find each other are reported once they are older than
`orphan_after` and kept for later scans, never dropped. The read position,
the pending rows and what was handed over live in the device's state folder,
so a restart, a re-read or a rotated CDR file changes nothing.
"""

from __future__ import annotations

import csv
import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import soundfile

from gyomu_cli import clock
from gyomu_cli.backends import CallCapture
from gyomu_cli.errors import ConfigError, MediaError
from gyomu_cli.i18n import english
from gyomu_cli.shred import overwrite_and_unlink
from gyomu_pbx_asterisk import cdr, spool
from gyomu_pbx_asterisk.channels import Trunks, extension
from gyomu_pbx_asterisk.messages import _
from gyomu_pbx_asterisk.state import State

log = logging.getLogger(__name__)

DEFAULT_CDR = "/var/log/asterisk/cdr-csv/Master.csv"
DEFAULT_SPOOL = "/var/spool/asterisk/monitor"


def _seconds(options: dict, name: str, default: float) -> float:
    try:
        return float(options.get(name, default))
    except ValueError:
        raise ConfigError(
            _("option {name}={value!r} is not a number of seconds").format(name=name, value=options[name])
        ) from None


def read_extensions(path: Path) -> dict[str, str]:
    """extension,section lines (a header line is allowed)."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as data:
            rows = [r for r in csv.reader(data) if r and not r[0].startswith("#")]
    except OSError as error:
        raise ConfigError(
            _("cannot read the extension map {path}: {error}").format(path=path, error=error.strerror)
        ) from None
    if rows and rows[0][0].strip().lower() == "extension":
        rows = rows[1:]
    if any(len(r) < 2 for r in rows):
        raise ConfigError(_("the extension map {path} needs two columns: extension,section").format(path=path))
    return {r[0].strip(): r[1].strip() for r in rows}


class AsteriskSource:
    def __init__(self, *, device: str, cdr_path: Path, spool_dir: Path, tz, trunks: Trunks,
                 state_dir: Path, extensions: dict[str, str], columns: list[str] | None,
                 settle: float, orphan_after: float, unanswered: str):
        self.device = device
        self.cdr_path = cdr_path
        self.spool_dir = spool_dir
        self.tz = tz
        self.trunks = trunks
        self.extensions = extensions
        self.columns = columns
        self.settle = settle
        self.orphan_after = orphan_after
        self.unanswered = unanswered
        self.work = state_dir / "work"
        self.work.mkdir(mode=0o700, exist_ok=True)
        self.state = State(state_dir / "asterisk.json")
        self._offered: dict[str, list[Path]] = {}  # conversation -> spool files to erase

    @classmethod
    def from_options(cls, home: Path, options: dict) -> "AsteriskSource":
        if not options.get("timezone"):
            raise ConfigError(
                _(
                    "set --option timezone=UTC (cdr.conf usegmtime=yes) or the PBX's zone, e.g. Asia/Tokyo; "
                    "gyomu does not guess the zone of CDR times"
                )
            )
        if not options.get("trunks"):
            raise ConfigError(
                _("set --option trunks=ENDPOINT[,ENDPOINT...]: the trunk endpoints that carry external calls")
            )
        unanswered = options.get("unanswered", "record")
        if unanswered not in ("record", "skip"):
            raise ConfigError(_("option unanswered is record or skip, not {value!r}").format(value=unanswered))
        columns = [c.strip() for c in options["columns"].split(",")] if options.get("columns") else None
        return cls(
            device=options.get("device", "pbx"),
            cdr_path=Path(options.get("cdr", DEFAULT_CDR)),
            spool_dir=Path(options.get("spool", DEFAULT_SPOOL)),
            tz=clock.zone(options["timezone"]),
            trunks=Trunks(options["trunks"].split(",")),
            state_dir=Path(options["state_dir"]),
            extensions=read_extensions(Path(options["extensions"])) if options.get("extensions") else {},
            columns=columns,
            settle=_seconds(options, "settle", 10),
            orphan_after=_seconds(options, "orphan_after", 3600),
            unanswered=unanswered,
        )

    # reading the CDR

    def _take_rows(self) -> None:
        """Read new CDR lines; keep the rows of external conversations as pending."""
        for number, line in self.state.read_new_lines(self.cdr_path):
            try:
                row = cdr.parse(line, self.tz, self.columns)
            except cdr.BadRow as error:
                if self.state.note_bad_line(number, str(english(error))):  # the note's key: in English
                    log.error(
                        _("{file} line {line} set aside: {error}").format(
                            file=self.cdr_path.name, line=number, error=error
                        )
                    )
                continue
            self._cross_check(row)
            self.state.add_row(row, external=self._external(row))

    def _external(self, row: cdr.Row) -> bool:
        return bool(self.trunks.direction(row.channel, row.dstchannel))

    def _cross_check(self, row: cdr.Row) -> None:
        epoch = float(row.uniqueid.split(".")[0])
        if abs(row.start.timestamp() - epoch) > 900 and self.state.note_once("zone-check"):
            log.warning(
                _(
                    "device {device}: CDR start times differ from their uniqueid by {minutes:.0f} minutes; "
                    "is the timezone option right?"
                ).format(device=self.device, minutes=(row.start.timestamp() - epoch) / 60)
            )

    # offering finished calls

    def scan(self) -> Iterator[CallCapture]:
        if not self.cdr_path.exists() and self.state.cdr["inode"] is None:
            raise ConfigError(
                _("the CDR file {path} does not exist; check the cdr option").format(path=self.cdr_path)
            )
        if not self.spool_dir.is_dir():
            raise ConfigError(
                _("the spool folder {path} does not exist; check the spool option").format(path=self.spool_dir)
            )
        self._take_rows()
        files = spool.walk(self.spool_dir)
        now = time.time()
        for conversation, rows in list(self.state.pending_external()):
            call = self._ready(conversation, rows, files, now)
            if call is not None:
                yield call
        self._report_lonely_files(files, now)
        self.state.save()

    def _ready(self, conversation: str, rows: list[cdr.Row], files, now: float) -> CallCapture | None:
        uniqueids = {r.uniqueid for r in rows} | {conversation}
        recordings = [rec for uid in sorted(uniqueids) for rec in files.get(uid, [])]
        states = {rec.path: spool.state(rec.path, self.settle, now) for rec in recordings}
        if any(s in ("recording", "settling") for s in states.values()):
            return None
        last_end = max(r.end for r in rows).timestamp()
        if now - last_end < self.settle:
            return None  # another leg's row may still come
        audible = [rec for rec in recordings if states[rec.path] == "finished"]
        answered = any(r.answer for r in rows)
        if answered and not audible:
            if now - last_end > self.orphan_after and self.state.note_once(f"orphan-row:{conversation}"):
                log.error(
                    _("device {device}: call {call} has CDR rows but no recording in {spool}; kept and retried").format(
                        device=self.device, call=conversation, spool=self.spool_dir
                    )
                )
            return None
        if not answered and self.unanswered == "skip":
            self._erase([rec.path for rec in recordings])
            self.state.done(conversation)
            log.info(_("device {device}: unanswered call {call} skipped").format(device=self.device, call=conversation))
            return None
        try:
            audio = self._audio(conversation, audible)
        except MediaError as error:
            log.error(
                _("device {device}: call {call} set aside: {error}").format(
                    device=self.device, call=conversation, error=error
                )
            )
            self.state.set_aside(conversation, str(english(error)))  # kept in the state file: in English
            return None
        call = self._call(conversation, rows, audio, [r.path for r in recordings])
        self._offered[conversation] = [r.path for r in recordings]
        return call

    def _audio(self, conversation: str, recordings: list[spool.Recording]) -> Path | None:
        """The one file to store: a mixed recording, or r()/t() joined as two channels."""
        parts = {rec.part: rec.path for rec in recordings}
        if "received" in parts and "sent" in parts:
            return self._join(conversation, parts["received"], parts["sent"])
        if None in parts:
            return parts[None]
        return next(iter(parts.values()), None)

    def _join(self, conversation: str, received: Path, sent: Path) -> Path:
        """Caller on the left, staff on the right, so either party can be excerpted alone."""
        try:
            left, rate = soundfile.read(received, dtype="int16")
            right, rate_sent = soundfile.read(sent, dtype="int16")
        except (soundfile.LibsndfileError, RuntimeError) as error:
            raise MediaError(f"{received.name}/{sent.name}: {error}") from None
        if rate != rate_sent or left.ndim != 1 or right.ndim != 1:
            raise MediaError(
                _("{received} and {sent} differ in rate or channels; cannot join them").format(
                    received=received.name, sent=sent.name
                )
            )
        frames = max(len(left), len(right))
        both = np.zeros((frames, 2), dtype="int16")
        both[: len(left), 0] = left
        both[: len(right), 1] = right
        target = self.work / f"{conversation}-joined.wav"
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.close(fd)
        soundfile.write(target, both, rate, subtype="PCM_16")
        return target

    def _call(self, conversation: str, rows: list[cdr.Row], audio: Path | None, files: list[Path]) -> CallCapture:
        rows = sorted(rows, key=lambda r: (r.start, r.sequence))
        main = next((r for r in rows if self._external(r) and r.answer), None) or next(r for r in rows if self._external(r))
        direction = self.trunks.direction(main.channel, main.dstchannel)
        staff = main.dstchannel if direction == "in" else main.channel
        answers = [r.answer for r in rows if r.answer]
        talk = sum(r.billsec for r in rows if r.answer)
        facts = {
            "uniqueid": main.uniqueid,
            "linkedid": main.linkedid or None,
            "disposition": "ANSWERED" if answers else main.disposition,
            "rows": len(rows),
            "extension": extension(staff) or None,
            "files": [f.name for f in files],
        }
        return CallCapture(
            source_ref=conversation,
            started_at=rows[0].start,
            ended_at=max(r.end for r in rows),
            caller=main.src or "anonymous",
            callee=main.dst or "anonymous",
            direction=direction,
            audio=audio,
            answered_at=min(answers) if answers else None,
            talk_seconds=float(talk),
            section=self._section(facts["extension"]),
            facts=facts,
        )

    def _section(self, ext: str | None) -> str | None:
        if not self.extensions:
            return None
        if ext in self.extensions:
            return self.extensions[ext]
        if self.state.note_once(f"unknown-extension:{ext}"):
            log.warning(
                _("device {device}: extension {extension} is not in the extension map; its calls go to the device's section").format(
                    device=self.device, extension=ext
                )
            )
        return None

    def _report_lonely_files(self, files, now: float) -> None:
        for uid, recordings in files.items():
            if self.state.knows(uid):
                continue
            for rec in recordings:
                age = now - rec.path.stat().st_mtime if rec.path.exists() else 0
                if age > self.orphan_after and self.state.note_once(f"orphan-file:{rec.path}"):
                    log.error(
                        _("device {device}: recording {path} has no CDR row; kept and retried").format(
                            device=self.device, path=rec.path
                        )
                    )

    # after the core has stored the call

    def acknowledge(self, call: CallCapture) -> None:
        offered = self._offered.pop(call.source_ref, [])
        self._erase(offered + list(self.work.glob(f"{call.source_ref}-*")))
        self.state.done(call.source_ref)
        self.state.save()

    def set_aside(self, call: CallCapture, reason: str) -> None:
        for path in self.work.glob(f"{call.source_ref}-*"):
            overwrite_and_unlink(path)
        self.state.set_aside(call.source_ref, reason)
        self.state.save()

    def _erase(self, paths: list[Path]) -> None:
        for path in paths:
            overwrite_and_unlink(path)

