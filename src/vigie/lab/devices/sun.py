"""When street lights burn and at what level: on from dusk to dawn, by the sun's times at
the cabinet's position (astral), dimmed through the night by a default profile.

Switching follows the astronomical clocks of lighting cabinets: on 10 min after sunset, off
10 min before sunrise (the sky then gives some 20-30 lux, the usual photocell threshold),
each cabinet a minute or two off (clock tolerance, seeded). The default dimming profile is
the product's (`vigie.domains.lighting.programs.DEFAULT_STEPS`): 100% until 22:00, 70% to
00:30, 50% to 05:30, then 80% until off (local time).
"""

from __future__ import annotations

from datetime import UTC, date, timedelta

from astral import Observer
from astral.sun import sunrise, sunset

from vigie.domains.lighting.astro import Night
from vigie.domains.lighting.programs import DEFAULT_STEPS, Program, night_plan
from vigie.lab.devices.calendar import at_local, local, local_hour, next_local

ON_AFTER_SUNSET_S = 600.0
OFF_BEFORE_SUNRISE_S = 600.0


def _clock_hour(at: str) -> float:
    hours, minutes = at.split(":")
    return int(hours) + int(minutes) / 60.0


#: The default profile's clock steps as (local hour it starts, level %), in night order.
_CLOCK_STEPS = tuple((_clock_hour(s.at), s.level_pct) for s in DEFAULT_STEPS if ":" in s.at)
#: Local hours at which a step of the default profile starts (22.0, 0.5, 5.5).
PROFILE_STEPS_H = tuple(hour for hour, _ in _CLOCK_STEPS)


def profile_level(hour: float) -> int:
    """Dimming level (%) of the default profile at a local hour."""
    night_h = (hour - 12.0) % 24.0  # hours after noon: the night's order
    level = DEFAULT_STEPS[0].level_pct  # the level the lights come on at
    for start_h, step_level in _CLOCK_STEPS:
        if (start_h - 12.0) % 24.0 <= night_h:
            level = step_level
    return int(level)


class LightingSchedule:
    """The switching and dimming schedule of one cabinet at (lon, lat)."""

    def __init__(self, lon: float, lat: float, clock_offset_s: float = 0.0) -> None:
        self._observer = Observer(latitude=lat, longitude=lon)
        self._offset_s = clock_offset_s
        self._nights: dict[date, tuple[float, float]] = {}
        self._suns: dict[date, Night] = {}
        self._plans: dict[tuple[int, date], list[tuple[float, float]]] = {}

    def night(self, evening: date) -> tuple[float, float]:
        """(switch-on, switch-off) of the night that starts on the evening of `evening`."""
        found = self._nights.get(evening)
        if found is None:
            try:
                on_s = sunset(self._observer, evening, tzinfo=UTC).timestamp() + ON_AFTER_SUNSET_S
                off_s = (
                    sunrise(self._observer, evening + timedelta(days=1), tzinfo=UTC).timestamp()
                    - OFF_BEFORE_SUNRISE_S
                )
            except ValueError:  # no sunset (polar day or night): a fixed 18:00-07:00 night
                on_s, off_s = at_local(evening, 18.0), at_local(evening, 31.0)
            found = (on_s + self._offset_s, off_s + self._offset_s)
            if len(self._nights) > 16:
                self._nights.clear()
            self._nights[evening] = found
        return found

    def sun(self, evening: date) -> Night:
        """Sunset and next sunrise as this cabinet's astronomical clock reckons them."""
        found = self._suns.get(evening)
        if found is None:
            shift = timedelta(seconds=self._offset_s)
            found = Night(
                evening,
                sunset(self._observer, evening, tzinfo=UTC) + shift,
                sunrise(self._observer, evening + timedelta(days=1), tzinfo=UTC) + shift,
            )
            if len(self._suns) > 16:
                self._suns.clear()
            self._suns[evening] = found
        return found

    def plan(self, program: Program, evening: date) -> list[tuple[float, float]]:
        """The programme's night plan by this clock, as (epoch seconds, level %)."""
        key = (id(program), evening)  # programmes live as long as the simulation
        found = self._plans.get(key)
        if found is None:
            found = [(at.timestamp(), lvl) for at, lvl in night_plan(program, self.sun(evening))]
            if len(self._plans) > 64:
                self._plans.clear()
            self._plans[key] = found
        return found

    def state(self, t_s: float) -> tuple[bool, int, float]:
        """(on, level %, time of the next change) at `t_s`."""
        today = local(t_s).date()
        evening = today if local_hour(t_s) >= 12.0 else today - timedelta(days=1)
        on_s, off_s = self.night(evening)
        if t_s < on_s:
            return False, 0, on_s
        if t_s >= off_s:
            return False, 0, self.night(evening + timedelta(days=1))[0]
        step_s = min(next_local(t_s, hour) for hour in PROFILE_STEPS_H)
        return True, profile_level(local_hour(t_s)), min(off_s, step_s)


def programme_state(
    schedule: LightingSchedule, program: Program, t_s: float
) -> tuple[bool, float, float]:
    """(on, level %, time of the next change) of a node running `program` by the cabinet's
    astronomical clock: the programme's night plan (vigie.domains.lighting.programs), so a
    node switches exactly when the control room's plan says."""
    today = local(t_s).date()
    evening = today if local_hour(t_s) >= 12.0 else today - timedelta(days=1)
    plan = schedule.plan(program, evening)
    if not plan or t_s >= plan[-1][0]:
        upcoming = schedule.plan(program, evening + timedelta(days=1))
        return False, 0.0, upcoming[0][0] if upcoming else t_s + 86_400.0
    if t_s < plan[0][0]:
        return False, 0.0, plan[0][0]
    level, next_s = 0.0, plan[-1][0]
    for at_s, step_level in plan:
        if at_s > t_s:
            next_s = at_s
            break
        level = step_level
    return level > 0.0, level, next_s
