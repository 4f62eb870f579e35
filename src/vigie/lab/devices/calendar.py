"""Local time (the territory's zone) for the simulated city's schedules: hours, weekdays and the
next time a wall-clock time comes round, daylight saving time included."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from vigie.core.settings import local_zone

PARIS = local_zone()  # the territory's zone (VIGIE_TIMEZONE)
DAY_S = 86_400.0


def local(t_s: float) -> datetime:
    return datetime.fromtimestamp(t_s, PARIS)


def local_hour(t_s: float) -> float:
    """Hour of the local day, 0.0 to 24.0 (fractional)."""
    moment = local(t_s)
    return moment.hour + moment.minute / 60.0 + (moment.second + moment.microsecond / 1e6) / 3600.0


def is_weekday(t_s: float) -> bool:
    return local(t_s).weekday() < 5


def at_local(day: date, hour: float) -> float:
    """Epoch seconds of `hour` (fractional, may exceed 24) on local `day`."""
    whole = int(hour // 1)
    minutes = (hour - whole) * 60.0
    moment = datetime.combine(day, time(0), PARIS) + timedelta(hours=whole, minutes=minutes)
    # Adding a timedelta to an aware datetime keeps its UTC offset: re-localise across DST.
    naive = moment.replace(tzinfo=None)
    return naive.replace(tzinfo=PARIS).timestamp()


def next_local(t_s: float, hour: float) -> float:
    """The first time after `t_s` at which the local clock shows `hour` (0 ≤ hour < 24)."""
    day = local(t_s).date()
    for offset in range(3):
        candidate = at_local(day + timedelta(days=offset), hour)
        if candidate > t_s:
            return candidate
    raise AssertionError("unreachable: a local time comes round within two days")


def utc(t_s: float) -> datetime:
    return datetime.fromtimestamp(t_s, UTC)
