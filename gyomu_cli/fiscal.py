"""The Japanese fiscal year (April 1 to March 31) and its era name.

Reiwa began on 2019-05-01, inside fiscal 2019, which is therefore called both
平成31年度 and 令和元年度.
"""

from __future__ import annotations

import datetime as dt


def bounds(year: int, tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """The fiscal year's first moment and the first moment after it, in `tz`."""
    return dt.datetime(year, 4, 1, tzinfo=tz), dt.datetime(year + 1, 4, 1, tzinfo=tz)


def _number(n: int) -> str:
    return "元" if n == 1 else str(n)


def era_name(year: int) -> str:
    """2026 -> 令和8年度; 2019 -> 平成31年度/令和元年度; 2018 -> 平成30年度."""
    if year >= 2020:
        return f"令和{_number(year - 2018)}年度"
    if year == 2019:
        return "平成31年度/令和元年度"
    if year >= 1989:
        return f"平成{_number(year - 1988)}年度"
    raise ValueError(f"fiscal year {year} is before Heisei")


def title(year: int, lang: str = "ja") -> str:
    if lang == "en":
        return f"Fiscal year {year} (April {year} to March {year + 1})"
    return f"{era_name(year)}({year}年度)"
