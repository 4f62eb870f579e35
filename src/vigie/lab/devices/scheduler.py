"""The simulator's event queue: a heap of (simulated time, sequence, handler, argument).

Devices are not ticked: each one has its next report (or state change) in the queue, so the
cost is proportional to what actually happens, not to the number of devices. The sequence
number keeps events at the same instant in the order they were scheduled, which makes a run
repeatable for a seed.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable

#: handler(t_s, arg): runs an event at simulated time t_s (seconds since the Unix epoch).
Handler = Callable[[float, int], None]


class Scheduler:
    def __init__(self, start_s: float) -> None:
        self.now_s = start_s
        self._heap: list[tuple[float, int, Handler, int]] = []
        self._sequence = itertools.count()

    def at(self, t_s: float, handler: Handler, arg: int = 0) -> None:
        """Run `handler(t_s, arg)` when simulated time reaches `t_s` (never in the past)."""
        heapq.heappush(self._heap, (max(t_s, self.now_s), next(self._sequence), handler, arg))

    def next_s(self) -> float:
        """Time of the next event, or +inf."""
        return self._heap[0][0] if self._heap else float("inf")

    def run_until(self, t_end_s: float, max_events: int | None = None) -> int:
        """Run every event due at or before `t_end_s` (at most `max_events`); how many ran.
        Simulated time ends at `t_end_s` when all due events ran."""
        heap = self._heap
        ran = 0
        while heap and heap[0][0] <= t_end_s:
            if max_events is not None and ran >= max_events:
                return ran
            t_s, _, handler, arg = heapq.heappop(heap)
            self.now_s = t_s
            handler(t_s, arg)
            ran += 1
        self.now_s = max(self.now_s, t_end_s)
        return ran

    def __len__(self) -> int:
        return len(self._heap)
