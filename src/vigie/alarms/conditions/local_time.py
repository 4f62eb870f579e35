"""Hours of the day as the city lives them (the territory's zone), for night and occupancy
windows."""

from __future__ import annotations

from datetime import datetime, time

from vigie.core.settings import local_zone

CITY_TIMEZONE = local_zone()  # the territory's zone (VIGIE_TIMEZONE)


def parse_hhmm(text: str) -> time:
    """'22:00' → 22:00; raises ValueError on anything else."""
    hours, sep, minutes = text.partition(":")
    if not sep or len(hours) != 2 or len(minutes) != 2 or not (hours + minutes).isdigit():
        raise ValueError(f"{text!r} is not a time of day as HH:MM")
    return time(int(hours), int(minutes))


class HoursWindow:
    """A window of local hours, [start, end), which may wrap past midnight (22:00–05:00)."""

    def __init__(self, start: str, end: str) -> None:
        self.start = parse_hhmm(start)
        self.end = parse_hhmm(end)
        if self.start == self.end:
            raise ValueError("a window of hours cannot start and end at the same time")

    def contains(self, moment: datetime) -> bool:
        local = moment.astimezone(CITY_TIMEZONE).time()
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def __str__(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}"
