"""Sunrise and sunset where an asset stands, cached (astral costs ~80 µs a call; a city has
tens of thousands of lights but only a handful of distinct 0.1° cells and days)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from astral import Observer
from astral.sun import sun

#: 0.1° of longitude moves sunrise by ~24 s: far below any margin a day-burner rule uses.
_CELL_DEG = 0.1
_CACHE_LIMIT = 10_000


class SunTimes:
    def __init__(self) -> None:
        self._cache: dict[tuple[int, int, date], tuple[datetime, datetime] | None] = {}

    def sunrise_sunset(
        self, lon: float, lat: float, now: datetime
    ) -> tuple[datetime, datetime] | None:
        """UTC sunrise and sunset of the solar day containing `now` at (lon, lat); None where
        the sun does not rise or set that day (polar day or night)."""
        # The local solar date: the day as the sun sees it at this longitude.
        solar_day = (now.astimezone(UTC) + timedelta(hours=lon / 15.0)).date()
        key = (round(lon / _CELL_DEG), round(lat / _CELL_DEG), solar_day)
        if key not in self._cache:
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            observer = Observer(latitude=key[1] * _CELL_DEG, longitude=key[0] * _CELL_DEG)
            try:
                times = sun(observer, date=solar_day, tzinfo=UTC)
                self._cache[key] = (times["sunrise"], times["sunset"])
            except ValueError:
                self._cache[key] = None
        return self._cache[key]

    def is_daylight(self, lon: float, lat: float, now: datetime, margin: timedelta) -> bool:
        """The sun has been up for at least `margin` and will be for at least `margin` more."""
        times = self.sunrise_sunset(lon, lat, now)
        if times is None:
            return False
        sunrise, sunset = times
        return sunrise + margin <= now <= sunset - margin
