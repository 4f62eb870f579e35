"""French public holidays (jours fériés of the Code du travail, art. L3133-1), computed:
the fixed dates, and Easter Monday, Ascension and Whit Monday from Easter Sunday."""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

_FIXED = ((1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25))


def easter_sunday(year: int) -> date:
    """Gregorian Easter (the anonymous algorithm published in Nature, 1876)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)
    return date(year, month, day + 1)


@cache
def public_holidays(year: int) -> frozenset[date]:
    easter = easter_sunday(year)
    movable = (easter + timedelta(days=n) for n in (1, 39, 50))
    return frozenset([*(date(year, m, d) for m, d in _FIXED), *movable])


def is_public_holiday(day: date) -> bool:
    return day in public_holidays(day.year)
