"""Times: stored in UTC, shown and reckoned in the city's zone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from gyomu_cli.errors import ConfigError, UsageError
from gyomu_cli.i18n import _

UTC = dt.timezone.utc


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder of the zone database, e.g. "Asia"
        raise ConfigError(
            _("unknown time zone {name!r} in the configuration; use a name like Asia/Tokyo").format(name=name)
        ) from None


def now() -> dt.datetime:
    return dt.datetime.now(UTC)


def parse(text: str, tz: dt.tzinfo, what: str = "time") -> dt.datetime:
    """Read an ISO 8601 date or date-time; without an offset it is in `tz`."""
    value = text.strip()
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            _("{what} {text!r} is not a date or time; write it like 2025-11-20T10:15:30+09:00").format(what=what, text=text)
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed.astimezone(UTC)


def to_db(moment: dt.datetime) -> str:
    """The ledger's form: UTC, fixed width, so that text order is time order."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def from_db(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def show(text: str | None, tz: dt.tzinfo) -> str | None:
    """A ledger time as ISO 8601 in the city's zone, to the second."""
    if text is None:
        return None
    return from_db(text).astimezone(tz).isoformat(timespec="seconds")
