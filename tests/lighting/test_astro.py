"""Sun times for Dijon against a published almanac.

Reference: the Ouest-France solar calendar for Dijon ("Heure lever et coucher soleil à
Dijon", kalendrier.ouest-france.fr/heure-lever-coucher-soleil/<year>/<month>/dijon.html),
times to the minute in local legal time. The days below are the ones whose pages were at
hand: the first week of September 2025 (nine days before the equinox), early April 2023,
early October 2019 and early March 1976 — days of the year on both sides of the equinoxes.
The solstice and equinox days themselves were not among them; the spread of the days
covered shows the sun model does not drift with the season.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from vigie.domains.lighting.astro import PARIS, evening_of, night_at

DIJON_LON, DIJON_LAT = 5.0415, 47.3220  # place de la Libération
TOLERANCE_MIN = 2.0

# (date, sunrise, sunset), local time as printed by the almanac.
ALMANAC = [
    (date(2025, 9, 1), "06:59", "20:20"),
    (date(2025, 9, 2), "07:00", "20:18"),
    (date(2025, 9, 5), "07:04", "20:12"),
    (date(2025, 9, 7), "07:07", "20:08"),
    (date(2023, 4, 1), "07:19", "20:08"),
    (date(2023, 4, 5), "07:11", "20:14"),
    (date(2019, 10, 1), "07:38", "19:20"),
    (date(2019, 10, 6), "07:45", "19:10"),
    (date(1976, 3, 1), "07:18", "18:26"),
    (date(1976, 3, 7), "07:07", "18:35"),
]


def _minutes(moment: datetime) -> float:
    here = moment.astimezone(PARIS)
    return here.hour * 60 + here.minute + here.second / 60


def _clock(text: str) -> float:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


@pytest.mark.parametrize(("day", "rise", "set_"), ALMANAC)
def test_dijon_sun_times_match_the_almanac(day: date, rise: str, set_: str) -> None:
    evening = night_at(DIJON_LON, DIJON_LAT, day)
    morning = night_at(DIJON_LON, DIJON_LAT, day.fromordinal(day.toordinal() - 1))
    # The almanac rounds to the minute: allow the rounding on top of the tolerance.
    assert abs(_minutes(evening.sunset) - _clock(set_)) <= TOLERANCE_MIN + 0.5
    assert abs(_minutes(morning.sunrise) - _clock(rise)) <= TOLERANCE_MIN + 0.5


@pytest.mark.parametrize(
    "day", [date(2025, 3, 20), date(2025, 6, 21), date(2025, 9, 22), date(2025, 12, 21)]
)
def test_solstices_and_equinoxes_are_consistent(day: date) -> None:
    """Day lengths on the 2025 solstices and equinoxes at Dijon's latitude: about 12 h at
    the equinoxes (12 h 08 min with refraction), 15 h 55 min and 8 h 25 min at the
    solstices (the almanac's values for June and December at this latitude)."""
    expected_h = {3: 12.13, 6: 15.92, 9: 12.13, 12: 8.42}[day.month]
    today = night_at(DIJON_LON, DIJON_LAT, day)
    yesterday = night_at(DIJON_LON, DIJON_LAT, day.fromordinal(day.toordinal() - 1))
    length_h = (today.sunset - yesterday.sunrise).total_seconds() / 3600
    assert abs(length_h - expected_h) < 0.1


def test_a_night_belongs_to_its_evening() -> None:
    assert evening_of(datetime(2025, 6, 22, 2, 0, tzinfo=PARIS)) == date(2025, 6, 21)
    assert evening_of(datetime(2025, 6, 21, 23, 0, tzinfo=PARIS)) == date(2025, 6, 21)
