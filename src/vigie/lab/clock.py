"""Simulated time for the city simulator: a clock that runs `speed` times faster than the wall.

The server refuses readings stamped more than a few minutes in its future, so a simulation
faster than real time must never overtake the wall clock. `simulated_start` picks a start
that keeps it behind: with a duration, the run starts `duration` before now and ends at about
the moment it was launched; without one, it starts a day back and, once it has caught up,
carries on at real time (`never_ahead_of_wall`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

#: How far back an open-ended fast run starts: it catches up with the wall clock after
#: CATCH_UP / (speed - 1) of wall time (24 min at speed 60), then runs live.
DEFAULT_CATCH_UP = timedelta(days=1)


class SimulatedClock:
    """`now()` = `start` + `speed` × wall seconds elapsed since the clock was made.

    With `never_ahead_of_wall`, simulated time never passes the wall clock: it runs at
    `speed` until it reaches the wall time, then at real time. Implements `vigie.core.clock.Clock`.
    """

    def __init__(
        self,
        start: datetime,
        speed: float = 1.0,
        *,
        never_ahead_of_wall: bool = False,
        monotonic: Callable[[], float] = time.monotonic,
        wall: Callable[[], datetime] | None = None,
    ) -> None:
        if start.tzinfo is None:
            raise ValueError("SimulatedClock needs a timezone-aware start time")
        if not speed > 0:
            raise ValueError("the speed must be positive")
        self.speed = float(speed)
        self.start_s = start.astimezone(UTC).timestamp()
        self._monotonic = monotonic
        self._origin = monotonic()
        self._never_ahead = never_ahead_of_wall
        self._wall_origin_s = (wall or (lambda: datetime.now(UTC)))().timestamp()

    def now_s(self) -> float:
        """Simulated time as seconds since the Unix epoch."""
        elapsed = self._monotonic() - self._origin
        simulated = self.start_s + self.speed * elapsed
        if self._never_ahead:
            return min(simulated, self._wall_origin_s + elapsed)
        return simulated

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.now_s(), UTC)

    def wall_seconds_until(self, t_s: float) -> float:
        """Wall seconds until simulated time reaches `t_s` (0 if it already has)."""
        ahead = t_s - self.now_s()
        if ahead <= 0:
            return 0.0
        caught_up = self._never_ahead and self.now_s() >= self._wall_origin_s + (
            self._monotonic() - self._origin
        )
        return ahead if caught_up else ahead / self.speed


def simulated_start(now: datetime, speed: float, duration: timedelta | None) -> datetime:
    """Where simulated time starts so that it never runs ahead of the wall clock.

    At real time (speed ≤ 1) the run starts now. Faster, it starts `duration` before now (so
    it ends at about the launch time), or DEFAULT_CATCH_UP before now when open-ended."""
    if speed <= 1.0:
        return now
    return now - (duration if duration is not None else DEFAULT_CATCH_UP)
