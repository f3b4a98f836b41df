"""The retention rule of Art. 6-2, reckoned as the Civil Code reckons periods."""

import calendar
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from gyomu_cli.errors import Refused, UsageError
from gyomu_cli.retention import check_period, decide, parse_period, retain_until

TOKYO = ZoneInfo("Asia/Tokyo")
UTC = dt.timezone.utc


def local(*parts) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=TOKYO)


@pytest.mark.parametrize(
    "start, months, until",
    [
        # a call is kept to the close of its anniversary day
        (local(2025, 11, 20, 10, 15, 30), 12, local(2026, 11, 21)),
        (local(2025, 11, 20, 0, 0, 0), 12, local(2026, 11, 21)),
        (local(2025, 11, 20, 23, 59, 59), 12, local(2026, 11, 21)),
        # month ends: a month without the day ends on its last day
        (local(2025, 11, 30, 9, 0), 3, local(2026, 3, 1)),
        (local(2025, 11, 29, 9, 0), 3, local(2026, 3, 1)),
        (local(2025, 11, 28, 9, 0), 3, local(2026, 3, 1)),
        (local(2025, 11, 27, 9, 0), 3, local(2026, 2, 28)),
        (local(2025, 10, 31, 9, 0), 3, local(2026, 2, 1)),
        (local(2025, 12, 31, 9, 0), 3, local(2026, 4, 1)),
        (local(2026, 1, 31, 9, 0), 12, local(2027, 2, 1)),
        # leap days, both ways
        (local(2024, 2, 29, 12, 0), 12, local(2025, 3, 1)),
        (local(2023, 2, 28, 12, 0), 12, local(2024, 3, 1)),
        (local(2023, 2, 27, 12, 0), 12, local(2024, 2, 28)),
        (local(2023, 11, 28, 12, 0), 3, local(2024, 2, 29)),
        (local(2023, 11, 29, 12, 0), 3, local(2024, 3, 1)),
        (local(2023, 11, 30, 12, 0), 3, local(2024, 3, 1)),
        (local(2024, 11, 29, 12, 0), 3, local(2025, 3, 1)),
    ],
)
def test_retain_until(start, months, until):
    assert retain_until(start.astimezone(UTC), months, TOKYO) == until.astimezone(UTC)


@pytest.mark.parametrize("months", [3, 12])
@pytest.mark.parametrize("day", range(1, 32))
def test_never_shorter_than_the_calendar_months(months, day):
    """Whatever the month length, a recording outlives start + N months."""
    for year in (2023, 2024):
        for month in range(1, 13):
            if day > calendar.monthrange(year, month)[1]:
                continue
            start = local(year, month, day, 18, 30)
            until = retain_until(start.astimezone(UTC), months, TOKYO).astimezone(TOKYO)
            end_year, end_month = divmod(month - 1 + months, 12)
            end_year, end_month = year + end_year, end_month + 1
            last = calendar.monthrange(end_year, end_month)[1]
            naive = start.replace(year=end_year, month=end_month, day=min(day, last))
            assert until > naive
            assert until - naive <= dt.timedelta(days=4)
            assert until.time() == dt.time(0, 0)


def test_reckoned_in_the_city_zone_not_utc():
    """01:00 JST on March 1 is still February 28 in UTC: the city's date counts."""
    start = local(2025, 3, 1, 1, 0)
    assert retain_until(start.astimezone(UTC), 3, TOKYO) == local(2025, 6, 2).astimezone(UTC)


def test_decide_on_both_sides_of_the_moment():
    until = local(2026, 11, 21).astimezone(UTC)
    before = decide(7, until, [], until - dt.timedelta(microseconds=1), TOKYO)
    at = decide(7, until, [], until, TOKYO)
    assert (before.erase, before.reason) == (False, "retention runs until 2026-11-21 00:00 JST")
    assert (at.erase, at.reason) == (True, "retention ended 2026-11-21 00:00 JST")


def test_hold_keeps_past_retention():
    until = local(2026, 11, 21).astimezone(UTC)
    kept = decide(7, until, [(3, "dispute")], until + dt.timedelta(days=400), TOKYO)
    assert not kept.erase
    assert kept.reason == "retention ended 2026-11-21 00:00 JST, but hold 3 (dispute)"


@pytest.mark.parametrize("text, months", [("1y", 12), ("18m", 18), ("2y6m", 30), ("3M", 3), ("1y 1m", 13)])
def test_parse_period(text, months):
    assert parse_period(text) == months


@pytest.mark.parametrize("text", ["", "12", "1d", "y", "-1y", "one year"])
def test_parse_period_refuses(text):
    with pytest.raises(UsageError, match="is not a period"):
        parse_period(text)


def test_floor_names_article_6():
    with pytest.raises(Refused) as refused:
        check_period("call", 11)
    assert str(refused.value) == (
        "retention 11m is shorter than the minimum for call records: at least 1y (Art. 6-2)"
    )
    with pytest.raises(Refused, match=r"images: at least 3m \(Art. 6-2\)"):
        check_period("image", 2)
    check_period("call", 12)
    check_period("image", 3)
