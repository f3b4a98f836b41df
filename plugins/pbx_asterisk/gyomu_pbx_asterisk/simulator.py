"""A stand-in for Asterisk that writes exactly the files Asterisk writes.

For the tests and `gyomu demo`, where no PBX runs: it writes CDR lines and
MixMonitor recordings byte for byte as cdr_csv and
MixMonitor do: quoted strings with doubled quotes, bare numbers, an empty
unquoted answer for an unanswered call, clid names with backslash-escaped
quotes cut at 80 bytes, a WAV header with zero sizes while recording. Each
call's audio is a tone of its own frequency, so a test can tell which audio
landed with which call.
"""

from __future__ import annotations

import datetime as dt
import itertools
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile

UTC = dt.timezone.utc
JST = dt.timezone(dt.timedelta(hours=9))
LAYOUTS = {
    "csv16": [],
    "csv17": ["uniqueid"],
    "csv18": ["uniqueid", "userfield"],
    "csv19": ["peeraccount", "linkedid", "sequence"],
    "csv21": ["uniqueid", "userfield", "peeraccount", "linkedid", "sequence"],
}
RATE = 8000


def quote(text: str | bytes) -> bytes:
    raw = text.encode() if isinstance(text, str) else text
    return b'"' + raw.replace(b'"', b'""') + b'"'


def clid(name: str, number: str) -> bytes:
    """`"Name" <number>`, the name escaped and cut at 80 bytes as Asterisk does."""
    escaped = name.replace("\\", "\\\\").replace('"', '\\"').encode()[:80]
    return b'"' + escaped + b'" <' + number.encode() + b">"


def tone(frequency: float, seconds: float, rate: int = RATE) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (np.sin(2 * np.pi * frequency * t) * 9000).astype("int16")


def dominant(samples: np.ndarray, rate: int = RATE) -> float:
    spectrum = np.abs(np.fft.rfft(samples.astype(float)))
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[spectrum.argmax()])


@dataclass
class Call:
    uniqueid: str
    linkedid: str
    start: dt.datetime
    tone: float
    files: list[Path]


class Pbx:
    def __init__(self, root: Path, layout: str = "csv18", zone: dt.tzinfo = UTC, tree: str = "freepbx"):
        self.cdr = root / "cdr-csv" / "Master.csv"
        self.spool = root / "monitor"
        self.cdr.parent.mkdir(parents=True, exist_ok=True)
        self.spool.mkdir(parents=True, exist_ok=True)
        self.layout = layout
        self.zone = zone
        self.tree = tree
        self.counter = itertools.count(36)
        self.tones = itertools.count(300, 40)
        self.flat_extension = "wav"
        self.rate = RATE

    def uniqueid(self, start: dt.datetime) -> str:
        return f"{int(start.timestamp())}.{next(self.counter)}"

    # CDR rows

    def row(self, *, src, dst, channel, dstchannel, start, answer, end, disposition,
            uniqueid, linkedid=None, sequence=1, caller_name="", context="from-trunk",
            lastapp="Dial", lastdata="", userfield="") -> bytes:
        def when(moment):
            return quote(moment.astimezone(self.zone).strftime("%Y-%m-%d %H:%M:%S"))

        duration = int((end - start).total_seconds())
        billsec = int((end - answer).total_seconds()) if answer else 0
        fields = [
            quote(""), quote(src), quote(dst), quote(context), quote(clid(caller_name, src)),
            quote(channel), quote(dstchannel), quote(lastapp), quote(lastdata),
            when(start), when(answer) if answer else b"", when(end),
            str(duration).encode(), str(billsec).encode(), quote(disposition), quote("DOCUMENTATION"),
        ]
        extra = {
            "uniqueid": quote(uniqueid), "userfield": quote(userfield), "peeraccount": quote(""),
            "linkedid": quote(linkedid or uniqueid), "sequence": str(sequence).encode(),
        }
        fields += [extra[name] for name in LAYOUTS[self.layout]]
        return b",".join(fields) + b"\n"

    def append(self, *rows: bytes, to: Path | None = None) -> None:
        with open(to or self.cdr, "ab") as out:
            for row in rows:
                out.write(row)
                out.flush()

    # recordings

    def recording_path(self, call_type: str, dest: str, source: str, start: dt.datetime, uniqueid: str, part: str = "") -> Path:
        local = start.astimezone(JST)
        suffix = f"-{part}" if part else ""
        if self.tree == "flat":
            return self.spool / f"{uniqueid}{suffix}.{self.flat_extension}"
        folder = self.spool / local.strftime("%Y/%m/%d")
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"{call_type}-{dest}-{source}-{local:%Y%m%d-%H%M%S}-{uniqueid}{suffix}.wav"

    @staticmethod
    def write_wav(path: Path, samples: np.ndarray, rate: int = RATE, subtype: str = "PCM_16", finished: bool = True) -> Path:
        soundfile.write(path, samples, rate, subtype=subtype, format="WAV")
        if not finished:  # as MixMonitor leaves it while still recording
            data = bytearray(path.read_bytes())
            data[4:8] = struct.pack("<I", 0)
            data[40:44] = struct.pack("<I", 0)
            path.write_bytes(bytes(data))
        return path

    @staticmethod
    def finish_wav(path: Path) -> None:
        data = bytearray(path.read_bytes())
        data[4:8] = struct.pack("<I", len(data) - 8)
        data[40:44] = struct.pack("<I", len(data) - 44)
        path.write_bytes(bytes(data))

    def inbound(self, start: dt.datetime, *, caller="0586281234", did="0586289999", ext="201",
                talk=4.0, ring=2.0, trunk="ntt-trunk", record="mixed", answered=True, write_row=True,
                finished=True) -> Call:
        """An outside caller rings a city line and a staff phone answers."""
        uid = self.uniqueid(start)
        answer = start + dt.timedelta(seconds=ring) if answered else None
        end = (answer or start) + dt.timedelta(seconds=talk if answered else 20)
        frequency = float(next(self.tones))
        files = self._record(record, "in", did, caller, start, uid, frequency, talk, finished)
        if write_row:
            self.append(self.row(
                src=caller, dst=did, channel=f"PJSIP/{trunk}-0000001a", dstchannel=f"PJSIP/{ext}-0000001b",
                start=start, answer=answer, end=end, disposition="ANSWERED" if answered else "NO ANSWER",
                uniqueid=uid, lastdata=f"PJSIP/{ext},30,tT",
            ))
        return Call(uid, uid, start, frequency, files)

    def outbound(self, start: dt.datetime, *, ext="203", number="09012345678", talk=4.0,
                 trunk="ntt-trunk", caller_name='税務課 "山田"', record="mixed") -> Call:
        """A staff phone dials out through the trunk."""
        uid = self.uniqueid(start)
        answer = start + dt.timedelta(seconds=3)
        end = answer + dt.timedelta(seconds=talk)
        frequency = float(next(self.tones))
        files = self._record(record, "out", number, ext, start, uid, frequency, talk, True)
        self.append(self.row(
            src=ext, dst=number, channel=f"PJSIP/{ext}-0000002c", dstchannel=f"PJSIP/{trunk}-0000002d",
            start=start, answer=answer, end=end, disposition="ANSWERED", uniqueid=uid,
            caller_name=caller_name, context="from-internal", lastdata=f"PJSIP/{number}@{trunk},60,T",
        ))
        return Call(uid, uid, start, frequency, files)

    def internal(self, start: dt.datetime, *, ext="201", other="202", talk=3.0, record=True) -> Call:
        uid = self.uniqueid(start)
        answer = start + dt.timedelta(seconds=1)
        frequency = float(next(self.tones))
        files = self._record("mixed" if record else "none", "internal", other, ext, start, uid, frequency, talk, True)
        self.append(self.row(
            src=ext, dst=other, channel=f"PJSIP/{ext}-00000031", dstchannel=f"PJSIP/{other}-00000032",
            start=start, answer=answer, end=answer + dt.timedelta(seconds=talk), disposition="ANSWERED",
            uniqueid=uid, context="from-internal",
        ))
        return Call(uid, uid, start, frequency, files)

    def _record(self, record, call_type, dest, source, start, uid, frequency, talk, finished) -> list[Path]:
        if record == "none":
            return []
        if record == "empty":  # MixMonitor with option b on an unanswered call
            return [self.write_wav(self.recording_path(call_type, dest, source, start, uid), np.zeros(0, "int16"))]
        if record == "rt":
            received = self.recording_path(call_type, dest, source, start, uid, "r")
            sent = self.recording_path(call_type, dest, source, start, uid, "t")
            return [self.write_wav(received, tone(frequency, talk), finished=finished),
                    self.write_wav(sent, tone(frequency + 1000, talk), finished=finished)]
        if record == "wav49":
            path = self.recording_path(call_type, dest, source, start, uid).with_suffix(".WAV")
            return [self.write_wav(path, tone(frequency, talk), subtype="GSM610", finished=finished)]
        path = self.recording_path(call_type, dest, source, start, uid)
        return [self.write_wav(path, tone(frequency, talk, self.rate), rate=self.rate, finished=finished)]
