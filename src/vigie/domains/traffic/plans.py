"""Plans by time of day, and the common two-stage plan of a corridor crossing.

The schedule is the one the twin's controllers run (docs/simulator.md): 1 night, 2 off-peak,
3 morning peak, 4 evening peak, 5 weekend day, in local time. An operator's plan
command overrides it until the command's expiry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from vigie.core.settings import local_zone
from vigie.domains.traffic.timing import Movement, SignalGroup, Stage, TimingPlan

PARIS = local_zone()  # the territory's zone (VIGIE_TIMEZONE)


@dataclass(frozen=True)
class ScheduleEntry:
    start: time
    end: time
    plan: int
    weekdays: bool = True
    weekends: bool = True

    def covers(self, local: datetime) -> bool:
        weekend = local.weekday() >= 5
        if (weekend and not self.weekends) or (not weekend and not self.weekdays):
            return False
        now = local.time()
        if self.start <= self.end:
            return self.start <= now < self.end
        return now >= self.start or now < self.end


#: Later entries win over earlier ones where they overlap.
DEFAULT_SCHEDULE: tuple[ScheduleEntry, ...] = (
    ScheduleEntry(time(6), time(21), 2),
    ScheduleEntry(time(6), time(21), 5, weekdays=False),
    ScheduleEntry(time(7), time(9, 30), 3, weekends=False),
    ScheduleEntry(time(16, 30), time(19), 4, weekends=False),
    ScheduleEntry(time(21), time(6), 1),
)


def scheduled_plan(at: datetime, schedule: tuple[ScheduleEntry, ...] = DEFAULT_SCHEDULE) -> int:
    """The plan number the schedule runs at `at` (timezone-aware); 1 if nothing covers it."""
    if at.tzinfo is None:
        raise ValueError("a schedule needs a timezone-aware time")
    local = at.astimezone(PARIS)
    chosen = 1
    for entry in schedule:
        if entry.covers(local):
            chosen = entry.plan
    return chosen


def two_stage_plan(
    number: int,
    main_green_s: float,
    cross_green_s: float,
    offset_s: float = 0.0,
    *,
    main_min_green_s: float = 8.0,
    cross_min_green_s: float = 6.0,
    crossing_main_m: float = 14.0,
    crossing_cross_m: float = 7.0,
    walking_speed_m_s: float = 1.1,
    pedestrian_walk_s: float = 5.0,
    intergreen_s: float = 5.0,
    max_green_slack_s: float = 20.0,
) -> TimingPlan:
    """Stage A: the main road (its vehicles, its buses, and pedestrians crossing the side
    road); stage B: the side road and pedestrians crossing the main road. Clearances follow
    the crossing widths at walking speed."""
    main_clearance = round(crossing_cross_m / walking_speed_m_s)
    cross_clearance = round(crossing_main_m / walking_speed_m_s)
    stage_a = Stage(
        "A",
        (
            SignalGroup("main", Movement.VEHICLE, main_min_green_s),
            SignalGroup("bus", Movement.BUS, 5.0),
            SignalGroup("walk_side", Movement.PEDESTRIAN, pedestrian_walk_s, main_clearance),
        ),
        main_green_s,
        intergreen_s,
        max_green_s=main_green_s + max_green_slack_s,
    )
    stage_b = Stage(
        "B",
        (
            SignalGroup("cross", Movement.VEHICLE, cross_min_green_s),
            SignalGroup("walk_main", Movement.PEDESTRIAN, pedestrian_walk_s, cross_clearance),
        ),
        cross_green_s,
        intergreen_s,
        max_green_s=cross_green_s + max_green_slack_s,
    )
    return TimingPlan(number, (stage_a, stage_b), offset_s)
