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

MINIMUM_MONTHS = {"call": 12, "image": 3}
KIND_WORDS = {"call": "call records", "image": "images"}


def parse_period(text: str) -> int:
    """'1y', '18m', '1y6m' -> months."""
    match = re.fullmatch(r"\s*(?:(\d+)\s*y)?\s*(?:(\d+)\s*m)?\s*", text.lower())
    if not text.strip() or not match or not any(match.groups()):
        raise UsageError(
            f"retention {text!r} is not a period; write years and months like 1y, 18m or 2y6m"
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
        raise Refused(
            f"retention {format_period(months)} is shorter than the minimum for "
            f"{KIND_WORDS[kind]}: at least {format_period(floor)} (Art. 6-2)"
        )


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
    """What purge does with one recording, and why."""

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
        return Decision(recording_id, False, f"retention runs until {ended}")
    if holds:
        named = ", ".join(f"hold {hold_id} ({why})" for hold_id, why in holds)
        return Decision(recording_id, False, f"retention ended {ended}, but {named}")
    return Decision(recording_id, True, f"retention ended {ended}")
