"""Schedule adherence: a bus's delay against its trip's timetable, and the headway gap to the
bus ahead of it on its line.

Delay is measured where a timetable is defined, at stops: departure from a stop minus its
scheduled departure (positive: late). Between stops a bus carries the delay of its last stop,
grown by any time spent beyond the scheduled run to the next one, so a bus stuck between two
stops is seen late before it reaches the next one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: The usual on-time window (transit agencies use about 1 min early to 5 min late).
ON_TIME_EARLY_S = 60.0
ON_TIME_LATE_S = 300.0


@dataclass(frozen=True)
class ScheduledStop:
    stop_id: str
    #: Scheduled departure, on the same clock as the observations.
    departure_s: float


@dataclass
class TripAdherence:
    """One trip's progress against its timetable (stops in order)."""

    trip_id: str
    stops: tuple[ScheduledStop, ...]
    #: Index of the last stop departed, -1 before the first.
    last_stop: int = -1
    last_delay_s: float = 0.0
    delays_s: list[float] = field(default_factory=list)

    def depart(self, stop_id: str, now_s: float) -> float:
        """The bus leaves `stop_id` (skipped stops are passed over); its delay there."""
        for index in range(self.last_stop + 1, len(self.stops)):
            if self.stops[index].stop_id == stop_id:
                self.last_stop = index
                self.last_delay_s = now_s - self.stops[index].departure_s
                self.delays_s.append(self.last_delay_s)
                return self.last_delay_s
        raise ValueError(f"{stop_id} is not ahead of trip {self.trip_id}'s last stop")

    def delay_s(self, now_s: float) -> float:
        """The delay now: that of the last stop, or more if the next is already overdue."""
        following = self.last_stop + 1
        if following >= len(self.stops):
            return self.last_delay_s
        overdue = now_s - self.stops[following].departure_s
        return max(self.last_delay_s, overdue) if self.last_stop >= 0 else overdue

    @property
    def finished(self) -> bool:
        return self.last_stop == len(self.stops) - 1


def on_time(delay_s: float) -> bool:
    return -ON_TIME_EARLY_S <= delay_s <= ON_TIME_LATE_S


@dataclass
class HeadwayTracker:
    """When the last bus of each line and direction passed each point (a stop or a stop
    line): the gap a bus has behind the one ahead of it."""

    _last_pass_s: dict[tuple[str, str], float] = field(default_factory=dict)

    def gap_s(self, line_direction: str, point: str, now_s: float, default_s: float) -> float:
        last = self._last_pass_s.get((line_direction, point))
        return default_s if last is None else now_s - last

    def passed(self, line_direction: str, point: str, now_s: float) -> None:
        self._last_pass_s[(line_direction, point)] = now_s
