"""How alarms behave once raised: escalation delays, flapping, correlation windows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from vigie.alarms.model import Severity


def _default_escalation() -> dict[Severity, timedelta]:
    # A minor fault waits for the next shift; a critical one is re-notified every half hour.
    return {
        Severity.MINOR: timedelta(hours=8),
        Severity.MAJOR: timedelta(hours=2),
        Severity.CRITICAL: timedelta(minutes=30),
    }


@dataclass(frozen=True)
class AlarmPolicy:
    #: A top-level alarm not acknowledged within this time (by its current severity) goes up
    #: one severity step (critical stays critical) and is notified again.
    escalate_after: dict[Severity, timedelta] = field(default_factory=_default_escalation)
    #: A condition that comes back more than `flap_limit` times within `flap_window` keeps one
    #: alarm open and counts the flaps; the alarm clears once it has been quiet for a window.
    flap_limit: int = 4
    flap_window: timedelta = timedelta(minutes=15)
    #: A root alarm adopts consequences raised up to this many expected reporting intervals
    #: (of the root's asset type) before it.
    adoption_intervals: float = 2.0
    #: When a root clears, its still-active consequences stay attached for this many expected
    #: intervals (of their own type) to recover with it before becoming alarms of their own.
    settle_intervals: float = 2.0
    #: Cleared alarms nobody closed are closed after this long (None: never), so the set of
    #: alarms not closed stays the console's, not the whole history's.
    close_cleared_after: timedelta | None = timedelta(days=7)
    #: How often the registry is checked for changes to the topology.
    topology_check: timedelta = timedelta(minutes=1)
    #: How often time-dependent rules (daylight, night hours, expected plans) are re-evaluated.
    recheck: timedelta = timedelta(seconds=60)
    #: How often the cache of open alarms is reconciled with the store (changes made by
    #: operators in other processes).
    resync: timedelta = timedelta(minutes=1)

    def escalation_delay(self, severity: Severity) -> timedelta:
        return self.escalate_after[severity]
