"""Programmes: what is refused (with the reason), evaluation over a night, and the two
daylight-saving nights of 2025 in Europe/Paris."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from vigie.domains.lighting.astro import PARIS, night_at
from vigie.domains.lighting.programs import (
    DEFAULT_STEPS,
    Program,
    ProgramError,
    floored,
    level_at,
    make_program,
    night_plan,
)

LON, LAT = 5.0415, 47.3220
ON = {"at": "sunset", "offset_min": -10, "level_pct": 100}
OFF = {"at": "sunrise", "offset_min": 10, "level_pct": 0}


def _steps(*inner: dict[str, Any]) -> list[dict[str, Any]]:
    return [ON, *inner, OFF]


@pytest.mark.parametrize(
    ("steps", "reason"),
    [
        (_steps({"at": "00:30", "level_pct": 50}, {"at": "22:00", "level_pct": 70}), "night order"),
        (_steps({"at": "22:00", "level_pct": 70}, {"at": "22:00", "level_pct": 50}), "overlaps"),
        (_steps({"at": "22:00", "level_pct": 120}), "between 0 and 100"),
        (_steps({"at": "22:00", "level_pct": -1}), "between 0 and 100"),
        (_steps({"at": "25:00", "level_pct": 50}), '"HH:MM"'),
        (_steps({"at": "sunrise", "level_pct": 50}), "only the first step"),
        ([{"at": "22:00", "level_pct": 70}, OFF], "step 1 must switch on at sunset"),
        ([ON, {"at": "sunrise", "level_pct": 30}], "must switch off at sunrise"),
        ([ON], "at least"),
        (_steps({"at": "22:00", "level_pct": 70, "colour": "red"}), "steps"),
        ("not a list", "steps"),
    ],
)
def test_bad_programmes_are_refused_with_the_reason(steps: Any, reason: str) -> None:
    with pytest.raises(ProgramError, match=reason):
        make_program("bad", steps)


def test_the_default_profile_over_a_winter_night() -> None:
    program = Program("default", DEFAULT_STEPS)
    night = night_at(LON, LAT, date(2025, 12, 10))
    plan = night_plan(program, night)
    assert [level for _, level in plan] == [100.0, 70.0, 50.0, 80.0, 0.0]
    assert plan[0][0] == night.sunset - timedelta(minutes=10)
    assert plan[-1][0] == night.sunrise + timedelta(minutes=10)
    local = [at.astimezone(PARIS).strftime("%H:%M") for at, _ in plan[1:4]]
    assert local == ["22:00", "00:30", "05:30"]
    assert level_at(plan, datetime(2025, 12, 10, 23, 0, tzinfo=PARIS)) == 70.0
    assert level_at(plan, datetime(2025, 12, 11, 3, 0, tzinfo=PARIS)) == 50.0
    assert level_at(plan, datetime(2025, 12, 11, 12, 0, tzinfo=PARIS)) == 0.0


def test_a_clock_step_before_switch_on_sets_the_starting_level() -> None:
    """At midsummer the lights come on at ~21:30 and go off at ~05:54: a 21:00 step is the
    level they come on at, a 06:30 step falls after switch-off and does nothing."""
    program = make_program(
        "summer",
        _steps({"at": "21:00", "level_pct": 60}, {"at": "06:30", "level_pct": 80}),
    )
    plan = night_plan(program, night_at(LON, LAT, date(2025, 6, 21)))
    assert [level for _, level in plan] == [60.0, 0.0]


@pytest.mark.parametrize("evening", [date(2025, 3, 29), date(2025, 10, 25)])
def test_daylight_saving_nights_neither_skip_nor_repeat_a_step(evening: date) -> None:
    """02:30 does not exist on 30 March 2025 and happens twice on 26 October 2025: the step
    happens exactly once each night, one hour after the 01:30 step in real time less or more
    the hour the clocks moved."""
    program = make_program(
        "dst",
        _steps(
            {"at": "01:30", "level_pct": 60},
            {"at": "02:30", "level_pct": 50},
            {"at": "03:30", "level_pct": 40},
        ),
    )
    plan = night_plan(program, night_at(LON, LAT, evening))
    levels = [level for _, level in plan]
    assert levels == [100.0, 60.0, 50.0, 40.0, 0.0]
    times = [at.astimezone(UTC) for at, _ in plan]
    assert times == sorted(times) and len(set(times)) == len(times)
    t130, t230, t330 = times[1], times[2], times[3]
    if evening.month == 3:
        # 01:30 CET = 00:30 UTC; 02:30 does not exist: it happens at the jump (01:00 UTC,
        # shown 03:00 CEST) and lasts until 03:30 CEST = 01:30 UTC.
        assert t130 == datetime(2025, 3, 30, 0, 30, tzinfo=UTC)
        assert t230 == datetime(2025, 3, 30, 1, 0, tzinfo=UTC)
        assert t330 == datetime(2025, 3, 30, 1, 30, tzinfo=UTC)
    else:
        # 01:30 CEST = 23:30 UTC; 02:30 first occurrence (CEST) = 00:30 UTC; 03:30 CET = 02:30.
        assert t130 == datetime(2025, 10, 25, 23, 30, tzinfo=UTC)
        assert t230 == datetime(2025, 10, 26, 0, 30, tzinfo=UTC)
        assert t330 == datetime(2025, 10, 26, 2, 30, tzinfo=UTC)
    # Walking the night in 1-minute steps crosses each level exactly once, in order.
    seen: list[float] = []
    moment = times[0]
    while moment <= times[-1] + timedelta(minutes=1):
        level = level_at(plan, moment)
        if not seen or seen[-1] != level:
            seen.append(level)
        moment += timedelta(minutes=1)
    assert seen == levels


def test_floors_raise_only_lit_steps() -> None:
    program = floored(Program("default", DEFAULT_STEPS), 60.0, "default-60")
    assert [s.level_pct for s in program.steps] == [100.0, 70.0, 60.0, 80.0, 0.0]
    assert program.id == "default-60"
