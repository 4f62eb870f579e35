"""Which programme runs on which night: exceptions, public holidays, group priority."""

from __future__ import annotations

from datetime import date

from vigie.domains.lighting.calendar import Assignment, Exception_, programme_for
from vigie.domains.lighting.holidays import easter_sunday, is_public_holiday, public_holidays

CITY = Assignment("dijon", 0, "standard", "holiday")
STREET = Assignment("rue-de-la-liberte", 10, "shopping")


def test_french_public_holidays_2025() -> None:
    assert easter_sunday(2025) == date(2025, 4, 20)
    assert easter_sunday(2024) == date(2024, 3, 31)
    days = public_holidays(2025)
    assert len(days) == 11
    for day in (date(2025, 4, 21), date(2025, 5, 29), date(2025, 6, 9), date(2025, 7, 14)):
        assert is_public_holiday(day)
    assert not is_public_holiday(date(2025, 4, 20))  # Easter Sunday is a Sunday anyway


def test_priority_then_holiday_then_exceptions() -> None:
    ordinary, holiday = date(2025, 11, 5), date(2025, 11, 11)
    assert programme_for(ordinary, [CITY], []) == "standard"
    assert programme_for(holiday, [CITY], []) == "holiday"
    # The street's group outranks the city's, and has no holiday programme of its own.
    assert programme_for(ordinary, [CITY, STREET], []) == "shopping"
    assert programme_for(holiday, [CITY, STREET], []) == "shopping"
    # A festival night on that street only; a city-wide exception for everyone else.
    festival = Exception_(date(2025, 6, 21), "festival", "rue-de-la-liberte")
    blackout = Exception_(date(2025, 6, 21), "earth-hour")
    assert programme_for(date(2025, 6, 21), [CITY, STREET], [festival, blackout]) == "festival"
    assert programme_for(date(2025, 6, 21), [CITY], [festival, blackout]) == "earth-hour"
    assert programme_for(date(2025, 6, 22), [CITY], [festival, blackout]) == "standard"
    assert programme_for(ordinary, [], [], fallback="factory") == "factory"
