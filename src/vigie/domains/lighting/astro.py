"""The astronomical clock: sunset and sunrise at a luminaire's position (astral, NOAA
algorithm with standard refraction: the upper limb on the horizon, zenith 90.833°).

A lighting *night* is named by the local date (the territory's zone) of its evening: the night of
2025-06-21 runs from the sunset of 21 June to the sunrise of 22 June.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from astral import Observer
from astral.sun import sunrise, sunset

from vigie.core.settings import local_zone

PARIS = local_zone()  # the territory's zone (VIGIE_TIMEZONE)


@dataclass(frozen=True)
class Night:
    """Sunset of the evening and sunrise of the next morning, UTC."""

    evening: date
    sunset: datetime
    sunrise: datetime


def night_at(lon_deg: float, lat_deg: float, evening: date) -> Night:
    """The night that starts on the (local) evening of `evening` at (lon, lat).

    Where the sun does not set or rise (polar latitudes; never in France) astral raises
    ValueError, which is passed on: a programme cannot be run there.
    """
    observer = Observer(latitude=lat_deg, longitude=lon_deg)
    return Night(
        evening,
        sunset(observer, evening, tzinfo=UTC),
        sunrise(observer, evening + timedelta(days=1), tzinfo=UTC),
    )


def evening_of(moment: datetime) -> date:
    """The evening (local date) of the night `moment` belongs to: before local noon it is
    the previous evening's night."""
    here = moment.astimezone(PARIS)
    return here.date() if here.hour >= 12 else here.date() - timedelta(days=1)
