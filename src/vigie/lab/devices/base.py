"""What every simulated domain shares: readings, the outbox, seeded random streams, and the
interfaces the simulation drives (reports, counters, commands, faults)."""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, NamedTuple, Protocol

import msgspec
import numpy as np

from vigie.lab.devices.scheduler import Scheduler


class Reading(NamedTuple):
    """One device's metrics at one instant. `gateway` names the asset whose gateway forwards
    it (a cabinet for its luminaires), None when the device talks on its own."""

    asset_id: str
    ts_s: float
    metrics: dict[str, Any]
    gateway: str | None = None


class Outbox:
    """Readings emitted since the last drain, in emission order; `observer` sees each one
    (the run's totals)."""

    def __init__(self, observer: Callable[[Reading], None] | None = None) -> None:
        self._readings: list[Reading] = []
        self._observer = observer

    def emit(
        self, asset_id: str, ts_s: float, metrics: dict[str, Any], gateway: str | None = None
    ) -> None:
        reading = Reading(asset_id, ts_s, metrics, gateway)
        self._readings.append(reading)
        if self._observer is not None:
            self._observer(reading)

    def drain(self) -> list[Reading]:
        drained, self._readings = self._readings, []
        return drained

    def __len__(self) -> int:
        return len(self._readings)


@dataclass
class SimContext:
    """What a domain needs from the simulation around it."""

    seed: int
    start_s: float
    scheduler: Scheduler
    outbox: Outbox
    #: Whether a network node is reachable from the core (set by the network domain): the
    #: devices connected to an unreachable node cannot report.
    node_reachable: Callable[[str], bool] = field(default=lambda _node_id: True)

    def rng(self, stream: str, index: int = 0) -> np.random.Generator:
        """An independent random stream per domain (and per device or day when `index` is
        used), so one domain's draws never shift another's."""
        key = zlib.crc32(stream.encode())
        return np.random.Generator(np.random.PCG64(np.random.SeedSequence([self.seed, key, index])))

    def phases(self, stream: str, count: int, interval_s: float) -> list[float]:
        """First report times, spread evenly at random over one interval after the start."""
        offsets = self.rng(stream + ":phase").uniform(0.0, interval_s, count)
        return [self.start_s + float(offset) for offset in offsets]


class Command(msgspec.Struct, kw_only=True):
    """A command as received on `.../cmd` (docs/simulator.md lists the actions); fields a
    later protocol adds are ignored."""

    id: str | None = None
    action: str | None = None
    level_pct: float | None = None
    on: bool | None = None
    plan: int | None = None
    position: str | None = None
    until: Any = None  # an RFC 3339 time; parsed by the command handler
    expires: Any = None  # RFC 3339: a copy arriving later is refused
    # Lighting programmes and adaptive lighting (docs/lighting.md).
    program_id: str | None = None
    steps: Any = None
    class_steps: int | None = None
    factor: float | None = None
    floor_pct: float | None = None


Status = Literal["acknowledged", "failed", "silent"]


class Outcome(NamedTuple):
    """What a device answers: `silent` when it cannot answer at all (unpowered, cut off)."""

    status: Status
    reason: str | None = None


def unsupported(kind: str, command: Command) -> Outcome:
    """What a device answers to an action it does not have."""
    return Outcome("failed", f"unsupported action for a {kind}: {command.action}")


@dataclass(frozen=True)
class Affected:
    """What an injected fault did: when it really starts (a fault may take effect later
    than drawn, e.g. heating left on from the evening), assets it silenced or cut off, and
    details for the ground truth."""

    start_s: float
    assets: tuple[str, ...] = ()
    detail: dict[str, Any] = field(default_factory=dict)


class Domain(Protocol):
    """One kind of simulated device (or a few kinds that share a state)."""

    def start(self, t0_s: float) -> None:
        """Set the state at t0, send the boot reports, schedule the first events."""

    def finish(self, t_s: float) -> None:
        """Send a last report of every counter at the end of the run."""

    def counters(self, t_s: float) -> Iterator[tuple[str, str, float]]:
        """(asset id, metric, value) of every counter at `t_s` (exact, unrounded)."""

    def command(
        self, asset_id: str, command: Command, until_s: float | None, t_s: float
    ) -> Outcome | None:
        """Apply a command to one of this domain's devices; None if the asset is not one."""


class Faultable(Protocol):
    """A domain some faults can be injected into."""

    def fault_assets(self, kind: str) -> Sequence[str]:
        """Ids of the assets `kind` can strike (empty if none of this domain's)."""

    def start_fault(self, kind: str, index: int, t_s: float) -> Affected | None:
        """Strike `fault_assets(kind)[index]`; None when the fault cannot happen now."""

    def end_fault(self, kind: str, index: int, t_s: float) -> None:
        """Repair it."""


YEAR_S = 365.25 * 86_400.0


def years_in_service(t_s: float, since_year: float) -> float:
    """Years from the start of (fractional) `since_year` to `t_s`, at least a few weeks.

    Counters start from what a device would have counted since it went into service, at an
    average rate: so runs started later start with higher counters, as real meters would.
    """
    since_s = datetime(int(since_year), 1, 1, tzinfo=UTC).timestamp()
    since_s += (since_year - int(since_year)) * YEAR_S
    return max(0.05, (t_s - since_s) / YEAR_S)


def rounded(value: float, digits: int) -> float:
    """A plain float rounded for the wire (never a numpy scalar, which JSON encoders refuse)."""
    return round(float(value), digits)
