"""How long a recording is kept, and whether it may be erased now (Art. 6).

Art. 6-2 sets a floor: call records are kept at least one year, images at
least three months. A period is reckoned as the Civil Code reckons periods
(民法 第140条・第143条), in the city's time zone: the day the recording starts
is not counted, the period ends at the close of the day before the day that
corresponds to the first counted day, and a month without that day ends on its
last day. A recording is therefore kept to the close of its anniversary day,
never less than the floor, whatever the month lengths or leap years.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from gyomu_cli.errors import Refused, UsageError
from gyomu_cli.i18n import N_, Text, _, english

MINIMUM_MONTHS = {"call": 12, "image": 3}
TOO_SHORT = {
    "call": N_("retention {period} is shorter than the minimum for call records: at least {floor} (Art. 6-2)"),
    "image": N_("retention {period} is shorter than the minimum for images: at least {floor} (Art. 6-2)"),
}


def parse_period(text: str) -> int:
    """'1y', '18m', '1y6m' -> months."""
    match = re.fullmatch(r"\s*(?:(\d+)\s*y)?\s*(?:(\d+)\s*m)?\s*", text.lower())
    if not text.strip() or not match or not any(match.groups()):
        raise UsageError(
            _("retention {text!r} is not a period; write years and months like 1y, 18m or 2y6m").format(text=text)
        )
    years, months = (int(part or 0) for part in match.groups())
    return years * 12 + months


def format_period(months: int) -> str:
    years, rest = divmod(months, 12)
    return "".join(
        part for part in (f"{years}y" if years else "", f"{rest}m" if rest else "")
    ) or "0m"


def check_period(kind: str, months: int) -> None:
    """Refuse a retention below the floor of Art. 6-2."""
    floor = MINIMUM_MONTHS[kind]
    if months < floor:
        raise Refused(_(TOO_SHORT[kind]).format(period=format_period(months), floor=format_period(floor)))


def _add_months(day: dt.date, months: int) -> dt.date:
    """The corresponding day `months` later; a missing day rolls to the 1st after."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    if day.day > calendar.monthrange(year, month)[1]:
        year, month = divmod(index + 1, 12)
        return dt.date(year, month + 1, 1)
    return dt.date(year, month, day.day)


def retain_until(start: dt.datetime, months: int, tz: dt.tzinfo) -> dt.datetime:
    """The first moment at which the retention period has run out (UTC)."""
    first_counted = start.astimezone(tz).date() + dt.timedelta(days=1)
    ends = _add_months(first_counted, months)
    return dt.datetime.combine(ends, dt.time(), tzinfo=tz).astimezone(dt.timezone.utc)


@dataclass(frozen=True)
class Decision:
    """What purge does with one recording, and why.

    The reason is in the reader's language; `english(reason)` gives the English.
    """

    recording_id: int
    erase: bool
    reason: str


def decide(
    recording_id: int,
    retain_until_at: dt.datetime,
    holds: list[tuple[int, str]],
    now: dt.datetime,
    tz: dt.tzinfo,
) -> Decision:
    """Erase when the retention has run out and no hold is active."""
    ended = retain_until_at.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")
    if retain_until_at > now:
        return Decision(recording_id, False, _("retention runs until {ended}").format(ended=ended))
    if holds:
        each = [_("hold {id} ({reason})").format(id=hold_id, reason=why) for hold_id, why in holds]
        named = Text(", ".join(each), ", ".join(map(english, each)))
        return Decision(recording_id, False, _("retention ended {ended}, but {holds}").format(ended=ended, holds=named))
    return Decision(recording_id, True, _("retention ended {ended}").format(ended=ended))
