"""Asterisk's CDR as written by cdr_csv (Master.csv) and cdr_custom.

cdr_csv writes 16 columns, then, in this order and only when enabled:
uniqueid (loguniqueid), userfield (loguserfield), and peeraccount, linkedid,
sequence (newcdrcolumns). Strings are quoted with inner quotes doubled;
numbers are bare; an unanswered call has an empty, unquoted answer field;
times are "YYYY-MM-DD HH:MM:SS" in the server's zone, or UTC with usegmtime.
cdr_custom writes whatever layout the site chose: the `columns` option names
its columns in order.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass

from gyomu_pbx_asterisk.messages import _

BASE = [
    "accountcode", "src", "dst", "dcontext", "clid", "channel", "dstchannel",
    "lastapp", "lastdata", "start", "answer", "end", "duration", "billsec",
    "disposition", "amaflags",
]
NEW_COLUMNS = ["peeraccount", "linkedid", "sequence"]
UNIQUEID = re.compile(r"\d+\.\d+")


class BadRow(ValueError):
    """A CDR line that cannot be read; the message says why."""


@dataclass(frozen=True)
class Row:
    """One CDR row, times as aware UTC datetimes."""

    src: str
    dst: str
    channel: str
    dstchannel: str
    start: dt.datetime
    answer: dt.datetime | None
    end: dt.datetime
    billsec: int
    disposition: str
    uniqueid: str
    linkedid: str
    sequence: str

    @property
    def key(self) -> tuple:
        """What makes two rows the same row, written twice."""
        return (self.uniqueid, self.linkedid, self.sequence, self.channel, self.dstchannel, self.start, self.end)

    @property
    def conversation(self) -> str:
        return self.linkedid or self.uniqueid


def csv_layout(fields: list[str]) -> list[str]:
    """Column names for a cdr_csv row, from how many fields it has."""
    extra = len(fields) - len(BASE)
    if extra == 0:
        return BASE
    if extra in (3, 4, 5):
        head = {3: [], 4: ["uniqueid" if UNIQUEID.fullmatch(fields[16]) else "userfield"], 5: ["uniqueid", "userfield"]}[extra]
        return BASE + head + NEW_COLUMNS
    if extra == 1:
        return BASE + (["uniqueid"] if UNIQUEID.fullmatch(fields[16]) else ["userfield"])
    if extra == 2:
        return BASE + ["uniqueid", "userfield"]
    raise BadRow(_("{count} columns; cdr_csv writes 16 to 21").format(count=len(fields)))


def parse(line: str, tz: dt.tzinfo, columns: list[str] | None = None) -> Row:
    """One line of a CDR file; raises BadRow with the reason."""
    try:
        [fields] = list(csv.reader([line], strict=True))
    except (csv.Error, ValueError) as error:
        raise BadRow(_("not CSV ({error})").format(error=error)) from None
    names = columns or csv_layout(fields)
    if len(fields) != len(names):
        raise BadRow(_("{count} columns where the layout has {expected}").format(count=len(fields), expected=len(names)))
    value = dict(zip(names, fields))
    if not value.get("uniqueid") and value.get("linkedid"):
        value["uniqueid"] = value["linkedid"]  # newcdrcolumns without loguniqueid: the call's first channel
    if not value.get("uniqueid"):
        raise BadRow(_("no uniqueid: turn on loguniqueid in cdr.conf (or name the column in `columns`)"))
    try:
        billsec = int(value.get("billsec") or 0)
    except ValueError:
        raise BadRow(_("billsec {value!r} is not a number").format(value=value["billsec"])) from None
    return Row(
        src=value.get("src", ""),
        dst=value.get("dst", ""),
        channel=value.get("channel", ""),
        dstchannel=value.get("dstchannel", ""),
        start=_time(value.get("start"), tz, "start"),
        answer=_time(value.get("answer"), tz, "answer") if value.get("answer") else None,
        end=_time(value.get("end"), tz, "end"),
        billsec=billsec,
        disposition=value.get("disposition", "").upper(),
        uniqueid=value["uniqueid"],
        linkedid=value.get("linkedid", ""),
        sequence=value.get("sequence", ""),
    )


def _time(text: str | None, tz: dt.tzinfo, what: str) -> dt.datetime:
    try:
        naive = dt.datetime.strptime(text or "", "%Y-%m-%d %H:%M:%S")
    except ValueError:
        raise BadRow(_("{column} time {text!r} is not YYYY-MM-DD HH:MM:SS").format(column=what, text=text)) from None
    return naive.replace(tzinfo=tz).astimezone(dt.timezone.utc)
