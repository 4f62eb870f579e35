"""SUMO as the field: the corridor's controllers, buses and signal heads, in libsumo.

The adapter only translates. Each junction's controller is Vigie's `StageController` (the
model of the controller's behaviour: plan, coordination, limits), whose state becomes SUMO's
signal heads; bus positions become check-ins and check-outs of Vigie's `PriorityServer`,
the same code that serves requests in production. What SUMO's heads then show is watched by
`SafetyMonitor`, independently of what the controller meant to do.

With `config=None` nothing requests anything: the controllers run their coordinated
fixed-time plans, the baseline.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vigie.domains.traffic.arrival import seconds_to_stop_line
from vigie.domains.traffic.controller import StageController
from vigie.domains.traffic.priority import PriorityConfig
from vigie.domains.traffic.requests import PriorityRequest
from vigie.domains.traffic.safety import GroupLimits, SafetyMonitor
from vigie.domains.traffic.server import PriorityServer
from vigie.domains.transit.adherence import HeadwayTracker, ScheduledStop, TripAdherence
from vigie.lab.sumo.binaries import sumo_binary
from vigie.lab.sumo.corridor import Corridor, bus_trips
from vigie.lab.sumo.preempt import Preemption

#: A bus checks in this far from the stop line (past the far-side stop of the block before).
CHECK_IN_M = 240.0
#: Time lost within this distance of a stop line counts as delay at the signal.
SIGNAL_ZONE_M = 120.0
#: After the last bus is due, the simulation runs on this long (no new demand) so every
#: measured vehicle arrives.
COOL_DOWN_S = 900.0


@dataclass
class RunMeasures:
    """What one simulation run measured (vehicles that departed within the measured period)."""

    bus_signal_delay_s: list[float] = field(default_factory=list)
    bus_travel_time_s: list[float] = field(default_factory=list)
    bus_stop_delay_s: list[float] = field(default_factory=list)
    main_time_loss_s: list[float] = field(default_factory=list)
    cross_time_loss_s: list[float] = field(default_factory=list)
    emergency_time_loss_s: list[float] = field(default_factory=list)
    safety_violations: int = 0
    greens_judged: int = 0
    decisions: int = 0
    granted: dict[str, int] = field(default_factory=dict)

    @property
    def general_time_loss_s(self) -> list[float]:
        return self.main_time_loss_s + self.cross_time_loss_s


@dataclass
class _Junction:
    tls: str
    controller: StageController
    #: SUMO state string per (stage, "green"/"amber"/"red").
    states: dict[tuple[int, str], str]
    #: Link indices of each plan stage (for reading the heads back).
    stage_links: dict[int, list[int]]
    monitor: SafetyMonitor
    shown: str = ""


def _templates(tls: str, libsumo: Any) -> tuple[dict[tuple[int, str], str], dict[int, list[int]]]:
    """Stage A serves the arterial's links, B the cross street's: their green strings are
    netconvert's own (permitted and protected movements as it derived them)."""
    links = libsumo.trafficlight.getControlledLinks(tls)
    cross = {i for i, link in enumerate(links) if link and link[0][0].startswith(("N", "S"))}
    stage_links = {0: [i for i in range(len(links)) if i not in cross], 1: sorted(cross)}
    logic = libsumo.trafficlight.getAllProgramLogics(tls)[0]
    states: dict[tuple[int, str], str] = {}
    for phase in logic.phases:
        green = {i for i, ch in enumerate(phase.state) if ch in "Gg"}
        for stage, indices in stage_links.items():
            if green and green <= set(indices):
                states[(stage, "green")] = phase.state
                states[(stage, "amber")] = "".join("y" if ch in "Gg" else "r" for ch in phase.state)
    red = "r" * len(links)
    for stage in stage_links:
        states[(stage, "red")] = red
    return states, stage_links


def _groups_shown(junction: _Junction, shown: str) -> set[str]:
    """Plan groups whose links are green on SUMO's heads (the bus group runs with the
    arterial's vehicles; pedestrians are not simulated, their clearance is in the minimum)."""
    green = set()
    for stage, indices in junction.stage_links.items():
        if any(shown[i] in "Gg" for i in indices):
            green |= {"main", "bus"} if stage == 0 else {"cross"}
    return green


def _desired(junction: _Junction, now_s: float, amber_s: float = 3.0) -> str:
    state = junction.controller.state
    if state.green:
        return junction.states[(state.stage, "green")]
    kind = "amber" if now_s - state.started_s < amber_s else "red"
    return junction.states[(state.stage, kind)]


def run_corridor(
    corridor: Corridor,
    net: Path,
    stops: Path,
    demand: Path,
    seed: int,
    config: PriorityConfig | None,
    workdir: Path,
) -> RunMeasures:
    """One run of the corridor under fixed time (`config=None`) or Vigie's priority."""
    import libsumo

    tripinfo = workdir / f"tripinfo.{seed}.{'tsp' if config else 'fixed'}.xml"
    end_s = corridor.warmup_s + corridor.measured_s + COOL_DOWN_S
    libsumo.start(
        [
            sumo_binary("sumo"), "-n", str(net), "-a", str(stops), "-r", str(demand),
            "--seed", str(seed), "--step-length", "1", "--end", str(end_s),
            "--tripinfo-output", str(tripinfo), "--time-to-teleport", "300",
            "--no-step-log", "true", "--no-warnings", "true", "--duration-log.disable", "true",
        ]
    )  # fmt: skip
    try:
        measures = _loop(libsumo, corridor, seed, config, end_s)
    finally:
        libsumo.close()
    _read_tripinfo(tripinfo, corridor, measures)
    return measures


def _loop(
    libsumo: Any, corridor: Corridor, seed: int, config: PriorityConfig | None, end_s: float
) -> RunMeasures:
    measures = RunMeasures()
    server = PriorityServer(config) if config is not None else None
    junctions: dict[str, _Junction] = {}
    for index in range(1, corridor.intersections + 1):
        tls = corridor.junction(index)
        plan = corridor.plan(index)
        controller = StageController(plan, now_s=0.0, extension_budget_s=_budget(config))
        states, stage_links = _templates(tls, libsumo)
        junction = _Junction(tls, controller, states, stage_links, SafetyMonitor(
            GroupLimits.from_plan(plan)
        ))  # fmt: skip
        junctions[tls] = junction
        if server is not None:
            server.add_intersection(tls, controller)
    trips = {f"bus.{t.trip_id}": t for t in bus_trips(corridor)}
    adherence = {
        bus: TripAdherence(t.trip_id, tuple(ScheduledStop(s, d) for s, d in t.timetable))
        for bus, t in trips.items()
    }
    headways = HeadwayTracker()
    checked_in: dict[str, str] = {}
    at_stop: dict[str, str] = {}
    signal_delay: defaultdict[str, float] = defaultdict(float)
    buses: set[str] = set()
    emergencies: set[str] = set()
    preemption = Preemption(server) if server is not None else None
    started = False
    now = 0.0
    while now < end_s:
        if server is not None:
            server.advance(now)  # advances the controllers, re-deciding where a green starts
        else:
            for junction in junctions.values():
                junction.controller.advance(now)
        for junction in junctions.values():
            wanted = _desired(junction, now)
            if wanted != junction.shown:
                libsumo.trafficlight.setRedYellowGreenState(junction.tls, wanted)
                junction.shown = wanted
        libsumo.simulationStep()
        now = libsumo.simulation.getTime()
        for junction in junctions.values():
            shown = libsumo.trafficlight.getRedYellowGreenState(junction.tls)
            groups = _groups_shown(junction, shown)
            if started:
                junction.monitor.observe(groups, now)
            else:
                junction.monitor.start(groups, now)
        started = True
        departed = libsumo.simulation.getDepartedIDList()
        arrived = libsumo.simulation.getArrivedIDList()
        buses.update(v for v in departed if v.startswith("bus."))
        buses.difference_update(arrived)
        emergencies.update(v for v in departed if v.startswith("amb."))
        if preemption is not None:
            for vehicle in emergencies.intersection(arrived):
                preemption.arrived(vehicle, now)
        emergencies.difference_update(arrived)
        if preemption is not None:
            preemption.step(libsumo, emergencies, now)
        for bus in buses:
            direction = trips[bus].direction
            stopped_at = _bus_stop(libsumo, bus)
            if stopped_at is None and bus in at_stop:
                measures.bus_stop_delay_s.append(adherence[bus].depart(at_stop.pop(bus), now))
            elif stopped_at is not None:
                at_stop[bus] = stopped_at
            speed = libsumo.vehicle.getSpeed(bus)
            upcoming = libsumo.vehicle.getNextTLS(bus)
            next_tls: str | None = upcoming[0][0] if upcoming else None
            distance = float(upcoming[0][2]) if upcoming else 1e9
            if distance < SIGNAL_ZONE_M and stopped_at is None:
                signal_delay[bus] += max(0.0, 1.0 - speed / corridor.speed_m_s)
            previous = checked_in.get(bus)
            if previous is not None and previous != next_tls:
                headways.passed(direction, previous, now)
                del checked_in[bus]
                if server is not None:
                    server.check_out(previous, bus, now)
            if (
                server is None
                or next_tls is None
                or distance > CHECK_IN_M
                or stopped_at is not None
            ):
                continue
            checked_in[bus] = next_tls
            request = PriorityRequest(
                request_id=bus,
                vehicle_id=bus,
                intersection_id=next_tls,
                signal_group="bus",
                eta_s=now + seconds_to_stop_line(distance, speed),
                lateness_s=adherence[bus].delay_s(now),
                headway_gap_s=headways.gap_s(direction, next_tls, now, corridor.headway_s),
                checked_in_s=now,
            )
            server.check_in(request, now)
        demand_over = now > corridor.warmup_s + corridor.measured_s
        if demand_over and libsumo.simulation.getMinExpectedNumber() == 0:
            break
    measures.bus_signal_delay_s = [
        signal_delay[bus] for bus, trip in trips.items() if trip.depart_s >= corridor.warmup_s
    ]
    measures.safety_violations = sum(len(j.monitor.violations) for j in junctions.values())
    measures.greens_judged = sum(j.monitor.greens_judged for j in junctions.values())
    if server is not None:
        measures.decisions = server.decisions
        measures.granted = {str(k): v for k, v in server.granted.items()}
    return measures


def _budget(config: PriorityConfig | None) -> float:
    return config.max_extension_s if config is not None else 0.0


def _bus_stop(libsumo: Any, bus: str) -> str | None:
    """The bus stop where `bus` stands, if it does."""
    if not libsumo.vehicle.isAtBusStop(bus):
        return None
    stops = libsumo.vehicle.getStops(bus, 1)
    return str(stops[0].stoppingPlaceID) if stops else None


def _read_tripinfo(path: Path, corridor: Corridor, measures: RunMeasures) -> None:
    start = corridor.warmup_s
    stop = corridor.warmup_s + corridor.measured_s
    for trip in ET.parse(path).getroot().iter("tripinfo"):
        depart = float(trip.get("depart", "0"))
        if not start <= depart < stop:
            continue
        vehicle = trip.get("id", "")
        if vehicle.startswith("bus."):
            measures.bus_travel_time_s.append(float(trip.get("duration", "0")))
        elif vehicle.startswith("main"):
            measures.main_time_loss_s.append(float(trip.get("timeLoss", "0")))
        elif vehicle.startswith("cross"):
            measures.cross_time_loss_s.append(float(trip.get("timeLoss", "0")))
        elif vehicle.startswith("amb."):
            measures.emergency_time_loss_s.append(float(trip.get("timeLoss", "0")))
