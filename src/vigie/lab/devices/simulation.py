"""The simulated city: every domain's devices on one event queue, the fault injector, the
command handler and the run's totals. Pure and repeatable: no wall clock, no I/O; the same
twin, seed, start and fault rates give the same readings and the same faults (commands from
outside are the only thing that can make two runs differ). `vigie.lab.runner` paces it
against a clock and ships its readings; tests and `vigie alarms score` can drive it directly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from vigie.lab.devices.base import Domain, Faultable, Outbox, Outcome, Reading, SimContext
from vigie.lab.devices.bollards import Bollards
from vigie.lab.devices.buildings import Buildings
from vigie.lab.devices.cctv import Cctv
from vigie.lab.devices.commands import ack_payload, decode_command, until_of
from vigie.lab.devices.fleet import Fleet
from vigie.lab.devices.lighting import Lighting, NodeReporting
from vigie.lab.devices.network import Network
from vigie.lab.devices.scheduler import Scheduler
from vigie.lab.devices.totals import COUNTER_METRICS, Totals
from vigie.lab.devices.traffic import Traffic
from vigie.lab.devices.transit import Transit
from vigie.lab.faults.config import FaultConfig
from vigie.lab.faults.ground_truth import FaultRecord
from vigie.lab.faults.injector import FaultInjector
from vigie.protocol.telemetry import rfc3339
from vigie.registry.snapshot import RegistrySnapshot


class SimulationClock:
    """The simulation's own time, as a `vigie.core.clock.Clock` (for an in-process pipeline
    fed by the simulation: its readings are never in that clock's future)."""

    def __init__(self, scheduler: Scheduler) -> None:
        self._scheduler = scheduler

    def now(self) -> datetime:
        return datetime.fromtimestamp(self._scheduler.now_s, UTC)


class Simulation:
    def __init__(
        self,
        twin: RegistrySnapshot,
        *,
        seed: int,
        start: datetime,
        faults: FaultConfig | None = None,
        on_fault: Callable[[FaultRecord], None] | None = None,
        lighting_reporting: NodeReporting | None = None,
    ) -> None:
        if start.tzinfo is None:
            raise ValueError("the simulation needs a timezone-aware start")
        self.start_s = start.timestamp()
        self.end_s: float | None = None
        self.totals = Totals()
        self.scheduler = Scheduler(self.start_s)
        self.ctx = SimContext(seed, self.start_s, self.scheduler, Outbox(self.totals.observe))
        self.clock = SimulationClock(self.scheduler)
        # The network first: it tells the other domains which nodes are reachable.
        self.network = Network(self.ctx, twin)
        self.lighting = Lighting(self.ctx, twin, lighting_reporting)
        self.traffic = Traffic(self.ctx, twin)
        self.cctv = Cctv(self.ctx, twin)
        self.bollards = Bollards(self.ctx, twin)
        self.transit = Transit(self.ctx, twin)
        self.fleet = Fleet(self.ctx, twin)
        self.buildings = Buildings(self.ctx, twin)
        self._domains: list[Domain] = [
            self.network, self.lighting, self.traffic, self.cctv, self.bollards, self.transit,
            self.fleet, self.buildings,
        ]  # fmt: skip
        faultable: list[Faultable] = [
            self.lighting, self.traffic, self.cctv, self.network, self.transit, self.buildings,
        ]  # fmt: skip
        self.injector = FaultInjector(
            self.ctx, faultable, faults if faults is not None else FaultConfig(), on_fault
        )
        self._counters_at_start: dict[tuple[str, str], float] = {}
        self._started = False

    @property
    def now_s(self) -> float:
        return self.scheduler.now_s

    @property
    def faults(self) -> list[FaultRecord]:
        """The ground truth so far."""
        return self.injector.records

    def start(self) -> None:
        """Boot every device at the start time (each sends its state once), schedule
        everything. Readings are in the outbox (`drain`)."""
        if self._started:
            raise RuntimeError("the simulation has already started")
        self._started = True
        for domain in self._domains:
            domain.start(self.start_s)
        self.injector.start(self.start_s)
        self._counters_at_start = {(a, m): v for a, m, v in self._counters(self.start_s)}

    def run_until(self, t_s: float, max_events: int | None = None) -> int:
        """Run the events due up to `t_s`; how many ran."""
        if not self._started:
            self.start()
        return self.scheduler.run_until(t_s, max_events)

    def finish(self, t_s: float | None = None) -> None:
        """End the run at `t_s` (default: now): every counter reports one last time."""
        end = self.scheduler.now_s if t_s is None else t_s
        self.run_until(end)
        for domain in self._domains:
            domain.finish(end)
        self.end_s = end

    def drain(self) -> list[Reading]:
        """The readings emitted since the last drain, in order."""
        return self.ctx.outbox.drain()

    def _counters(self, t_s: float) -> Iterator[tuple[str, str, float]]:
        for domain in self._domains:
            for asset_id, metric, value in domain.counters(t_s):
                if metric in COUNTER_METRICS:
                    yield asset_id, metric, value

    def command(self, asset_id: str, payload: bytes) -> bytes | None:
        """Apply a command received for `asset_id` now; the acknowledgement to publish, or
        None when no simulated device answers (not one of ours, unpowered, cut off)."""
        t_s = self.scheduler.now_s
        command = decode_command(payload)
        if isinstance(command, str):
            return ack_payload(None, Outcome("failed", command), rfc3339(t_s))
        if command.id is None:
            return ack_payload(None, Outcome("failed", "the command has no id"), rfc3339(t_s))
        until = until_of(command, t_s)
        if isinstance(until, str):
            return ack_payload(command.id, Outcome("failed", until), rfc3339(t_s))
        for domain in self._domains:
            outcome = domain.command(asset_id, command, until, t_s)
            if outcome is not None:
                if outcome.status == "silent":
                    return None
                return ack_payload(command.id, outcome, rfc3339(t_s))
        return None

    def summary(self) -> dict[str, Any]:
        """The run's totals (see Totals), with its span and the faults injected."""
        end = self.end_s if self.end_s is not None else self.scheduler.now_s
        simulated = (
            (a, m, v - self._counters_at_start.get((a, m), v)) for a, m, v in self._counters(end)
        )
        faults: dict[str, int] = {}
        for record in self.faults:
            faults[record.type] = faults.get(record.type, 0) + 1
        return {
            "start": rfc3339(self.start_s),
            "end": rfc3339(end),
            "seed": self.ctx.seed,
            **self.totals.summary(simulated),
            "faults": {"injected": len(self.faults), "by_type": dict(sorted(faults.items()))},
        }
