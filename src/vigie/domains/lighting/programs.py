"""Control programmes: a night's dimming profile as steps anchored to sunset, sunrise or a
local clock time (in the spirit of the TALQ "control program"), checked and evaluated.

    {"at": "sunset", "offset_min": -10, "level_pct": 100}   switch on
    {"at": "22:00", "level_pct": 70}
    {"at": "00:30", "level_pct": 50}
    {"at": "05:30", "level_pct": 80}
    {"at": "sunrise", "offset_min": 10, "level_pct": 0}      switch off

Rules (anything else is refused with the reason): the first step is at sunset and lights
(level > 0), the last at sunrise with level 0; clock steps in between, in night order (hours
from noon to noon: 22:00 before 00:30), no two at the same time; levels 0-100.

Evaluation, per night: sun steps move with the sun, clock steps are local (the territory's zone)
times. A clock step that falls before switch-on only sets the level the lights come on at;
one after switch-off does nothing. Each step is one instant per night, so daylight-saving
changes neither skip nor repeat it: a time that does not exist on the spring-forward night
(02:30) happens at the jump (03:00 CEST, 01:00 UTC) and lasts until the next step; a time
that occurs twice in autumn happens at its first occurrence only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Any

import msgspec

from vigie.domains.lighting.astro import PARIS, Night

MAX_STEPS = 24
_MINUTE = timedelta(minutes=1)
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class Step(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    at: str  # "sunset", "sunrise" or "HH:MM" local time
    level_pct: float
    offset_min: float = 0.0


class ProgramError(ValueError):
    """A programme that cannot be run; the message says why."""


@dataclass(frozen=True)
class Program:
    id: str
    steps: tuple[Step, ...]

    def to_json(self) -> list[dict[str, Any]]:
        return [msgspec.to_builtins(step) for step in self.steps]


def _night_hour(clock: str) -> float:
    """Hours after noon of a local clock time: 22:00 → 10, 00:30 → 12.5."""
    found = _CLOCK.match(clock)
    assert found is not None
    hour = int(found.group(1)) + int(found.group(2)) / 60.0
    return hour - 12.0 if hour >= 12.0 else hour + 12.0


def parse_steps(raw: Any) -> tuple[Step, ...]:
    """Steps from untrusted JSON, every rule checked; ProgramError names the first broken."""
    try:
        steps = msgspec.convert(raw, tuple[Step, ...])
    except msgspec.ValidationError as error:
        raise ProgramError(f"steps: {error}") from None
    if len(steps) < 2:
        raise ProgramError("a programme needs at least a switch-on and a switch-off step")
    if len(steps) > MAX_STEPS:
        raise ProgramError(f"at most {MAX_STEPS} steps")
    for n, step in enumerate(steps, 1):
        if not 0.0 <= step.level_pct <= 100.0:
            raise ProgramError(f"step {n}: level_pct must be between 0 and 100")
        if not -180.0 <= step.offset_min <= 180.0:
            raise ProgramError(f"step {n}: offset_min must be between -180 and 180")
        if step.at not in ("sunset", "sunrise") and not _CLOCK.match(step.at):
            raise ProgramError(f'step {n}: at must be "sunset", "sunrise" or a time "HH:MM"')
        inner = 1 < n < len(steps)
        if inner and step.at in ("sunset", "sunrise"):
            raise ProgramError(f"step {n}: only the first step is at sunset, the last at sunrise")
        if inner and step.offset_min != 0.0:
            raise ProgramError(f"step {n}: clock steps take no offset")
    first, last = steps[0], steps[-1]
    if first.at != "sunset" or first.level_pct <= 0.0:
        raise ProgramError("step 1 must switch on at sunset (level_pct above 0)")
    if last.at != "sunrise" or last.level_pct != 0.0:
        raise ProgramError(f"step {len(steps)} must switch off at sunrise (level_pct 0)")
    hours = [_night_hour(step.at) for step in steps[1:-1]]
    for n, (before, after) in enumerate(pairwise(hours), 3):
        if after == before:
            raise ProgramError(f"step {n}: overlaps step {n - 1} (same time)")
        if after < before:
            raise ProgramError(f"step {n}: steps must be in night order (evening to morning)")
    return steps


def make_program(program_id: str, raw_steps: Any) -> Program:
    return Program(program_id, parse_steps(raw_steps))


def _local_instant(evening: date, clock: str) -> datetime:
    """The instant (UTC-aware) of local `clock` during the night of `evening`; a time that
    does not exist (spring forward) maps forward, an ambiguous one to its first occurrence."""
    hour, minute = (int(part) for part in clock.split(":"))
    day = evening if hour >= 12 else evening + timedelta(days=1)
    # fold=0: an ambiguous wall time is read as its first occurrence.
    moment = datetime.combine(day, time(hour, minute, fold=0), PARIS).astimezone(UTC)
    wall = datetime.combine(day, time(hour, minute))
    if moment.astimezone(PARIS).replace(tzinfo=None) != wall:
        # A wall time the spring-forward jump skips: the step happens at the jump itself
        # (the first instant whose wall time is past it), so it is neither lost nor merged
        # with the step the clocks jump to.
        while (moment - _MINUTE).astimezone(PARIS).replace(tzinfo=None) > wall:
            moment -= _MINUTE
    return moment


def night_plan(program: Program, night: Night) -> list[tuple[datetime, float]]:
    """The switching instants of one night and the level from each (the last is 0, off),
    strictly increasing in time; clock steps outside the lit span are folded in as above."""
    steps = program.steps
    on_at = night.sunset + timedelta(minutes=steps[0].offset_min)
    off_at = night.sunrise + timedelta(minutes=steps[-1].offset_min)
    if off_at <= on_at:
        return []
    level = steps[0].level_pct
    plan: list[tuple[datetime, float]] = []
    for step in steps[1:-1]:
        at = _local_instant(night.evening, step.at)
        if at <= on_at:
            level = step.level_pct  # before switch-on: the level the lights come on at
        elif at < off_at:
            plan.append((at, step.level_pct))
    return [(on_at, level), *plan, (off_at, 0.0)]


def level_at(plan: list[tuple[datetime, float]], moment: datetime) -> float:
    """Level (%) a night plan gives at `moment` (0 outside the lit span)."""
    level = 0.0
    for at, step_level in plan:
        if at > moment:
            break
        level = step_level
    return level


def lowest_level(program: Program) -> float:
    """The lowest level the programme lights at (its switch-off aside)."""
    return min(step.level_pct for step in program.steps[:-1])


#: The contract's default profile (issue #5): on at sunset −10 min at 100%, 22:00 70%,
#: 00:30 50%, 05:30 80%, off at sunrise +10 min.
DEFAULT_STEPS: tuple[Step, ...] = (
    Step("sunset", 100.0, -10.0),
    Step("22:00", 70.0),
    Step("00:30", 50.0),
    Step("05:30", 80.0),
    Step("sunrise", 0.0, 10.0),
)


def floored(program: Program, floor_pct: float, program_id: str | None = None) -> Program:
    """The programme with every lit level raised to at least `floor_pct`."""
    steps = tuple(
        msgspec.structs.replace(step, level_pct=max(step.level_pct, floor_pct))
        if step.level_pct > 0.0
        else step
        for step in program.steps
    )
    return Program(program_id or program.id, steps)
