"""What every condition sees and must answer.

A condition looks at one asset's latest values (and, for some, the clock, the sun or the
registry) and answers a short description of what is wrong (a `Text`, in every language of
the UI), or None when all is well. It is
given whether its alarm is active, so thresholds can clear at a different level than they
trip (hysteresis). Minimum durations, flapping and the alarm lifecycle are the engine's
business, not the condition's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

import msgspec
from sqlalchemy.engine import Connection

from vigie.alarms.topology import AssetInfo, Topology
from vigie.core.text import Text

if TYPE_CHECKING:
    from vigie.alarms.conditions.sun import SunTimes


class Value(msgspec.Struct, frozen=True, gc=False):
    """An asset's latest value of a metric. The engine holds one per metric of the city
    (over a million for Dijon), replaced at every change: kept out of the cyclic garbage
    collector (it holds no containers), whose full passes walked them all otherwise."""

    value: float | None  # numbers, counters, booleans as 0/1
    text: str | None  # enums and text
    ts: datetime


class ExpectedPlans(Protocol):
    """Which timing plan an intersection controller should be running (from the commands
    sent to it, or a schedule); None when nothing is expected of it."""

    def expected_plan(self, asset_id: str, now: datetime) -> int | None: ...


class NoExpectedPlans:
    """Until commands exist (issue #7), nothing is expected: the plan rule stays silent."""

    def expected_plan(self, asset_id: str, now: datetime) -> int | None:
        return None


@dataclass
class Services:
    """What conditions may consult beyond the asset's own values."""

    topology: Topology
    sun: SunTimes
    expected_plans: ExpectedPlans


@dataclass
class Context:
    asset: AssetInfo
    values: Mapping[str, Value]
    now: datetime
    last_seen: datetime | None
    services: Services

    def number(self, metric: str) -> float | None:
        found = self.values.get(metric)
        return found.value if found is not None else None

    def text(self, metric: str) -> str | None:
        found = self.values.get(metric)
        return found.text if found is not None else None

    def is_true(self, metric: str) -> bool:
        return self.number(metric) == 1.0


class Condition:
    """Base of every condition kind; subclasses set the class attributes they need."""

    #: Evaluate again when one of these metrics of the asset changes.
    metrics: frozenset[str] = frozenset()
    #: The answer can change with time alone (daylight, night hours, a schedule): evaluate
    #: again on clock ticks.
    on_tick: bool = False
    #: Call `observe` every time an asset of the rule's type reports (to learn baselines).
    observes: bool = False
    #: (metric, value) the asset must show for the condition to be possible at all: clock
    #: ticks skip the others (a day-burner needs the lamp on) without building a context.
    gate: tuple[str, float] | None = None

    def idle(self, now: datetime, topology: Topology) -> bool:
        """True when the condition cannot hold for any asset at this moment (a night rule
        by day): clock ticks then only look at the assets whose alarm is active."""
        return False

    def evaluate(self, ctx: Context, active: bool) -> Text | None:
        raise NotImplementedError

    def observe(self, ctx: Context) -> None:
        """Learn from a report (changed or not)."""

    def prime(self, conn: Connection, topology: Topology, now: datetime) -> None:
        """Learn from the store what the engine did not see (history before a restart)."""


class ParamError(ValueError):
    """A rule's parameters are wrong: `key` (and `index` within an array) say where."""

    def __init__(self, reason: str, key: str | None = None, index: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.key = key
        self.index = index
