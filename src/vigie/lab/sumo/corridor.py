"""The evaluation scenario: a signalised arterial with cross streets and a bus line, written
as SUMO input files (network through netconvert, bus stops, seeded demand).

Layout: nodes W — J1 … Jn — E along x, J_i every `spacing_m`; each J_i has a cross street
from N_i to S_i. The arterial has two lanes each way, the cross streets one. Buses run both
ways with far-side stops just past each junction (the usual layout for signal priority: a
bus stops after the light, not before it).
"""

from __future__ import annotations

import itertools
import subprocess
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np

from vigie.domains.traffic.plans import two_stage_plan
from vigie.domains.traffic.timing import TimingPlan
from vigie.lab.sumo.binaries import sumo_binary

EASTBOUND = "EB"
WESTBOUND = "WB"


@dataclass(frozen=True)
class Corridor:
    intersections: int = 9
    spacing_m: float = 500.0
    cross_m: float = 200.0
    speed_m_s: float = 13.89  # 50 km/h
    #: Demand, vehicles per hour: each way on the arterial, each way on each cross street.
    main_veh_h: float = 800.0
    cross_veh_h: float = 300.0
    headway_s: float = 480.0
    #: Simulated time: a warm-up not measured, then the measured period.
    warmup_s: float = 300.0
    measured_s: float = 3600.0
    cycle_main_green_s: float = 40.0
    cycle_cross_green_s: float = 30.0
    bus_dwell_median_s: float = 20.0
    #: Scheduled running time of a bus per block (run, stop, signals), for the timetable.
    scheduled_block_s: float = 80.0
    #: An emergency vehicle eastbound every this many seconds (0: none).
    emergency_every_s: float = 0.0

    def junction(self, index: int) -> str:
        return f"J{index}"

    @property
    def cycle_s(self) -> float:
        return self.cycle_main_green_s + self.cycle_cross_green_s + 10.0

    def plan(self, index: int) -> TimingPlan:
        """Junction `index` (1-based): the two-stage plan. Offsets alternate by half a cycle
        (the "alternate" two-way progression): with 500 m blocks and an 80 s cycle a platoon
        crosses a block in about half a cycle, both ways."""
        offset = (index - 1) % 2 * self.cycle_s / 2
        return two_stage_plan(1, self.cycle_main_green_s, self.cycle_cross_green_s, offset)

    def main_edges(self, direction: str) -> list[str]:
        names = ["W", *(self.junction(i) for i in range(1, self.intersections + 1)), "E"]
        if direction == WESTBOUND:
            names.reverse()
        return [f"{a}_{b}" for a, b in itertools.pairwise(names)]

    def bus_stops(self, direction: str) -> list[tuple[str, str]]:
        """(stop id, edge) in running order: one on the entry edge, then one after each
        junction."""
        edges = self.main_edges(direction)
        return [(f"{direction}{k}", edge) for k, edge in enumerate(edges)]


def _nodes(c: Corridor) -> str:
    rows = ['<node id="W" x="0" y="0" type="priority"/>']
    for i in range(1, c.intersections + 1):
        x = i * c.spacing_m
        rows.append(f'<node id="J{i}" x="{x}" y="0" type="traffic_light"/>')
        rows.append(f'<node id="N{i}" x="{x}" y="{c.cross_m}" type="priority"/>')
        rows.append(f'<node id="S{i}" x="{x}" y="{-c.cross_m}" type="priority"/>')
    rows.append(f'<node id="E" x="{(c.intersections + 1) * c.spacing_m}" y="0" type="priority"/>')
    return "<nodes>\n" + "\n".join(rows) + "\n</nodes>\n"


def _edges(c: Corridor) -> str:
    rows = []
    names = ["W", *(f"J{i}" for i in range(1, c.intersections + 1)), "E"]
    for a, b in itertools.pairwise(names):
        for u, v in ((a, b), (b, a)):
            rows.append(
                f'<edge id="{u}_{v}" from="{u}" to="{v}" numLanes="2" speed="{c.speed_m_s}"/>'
            )
    for i in range(1, c.intersections + 1):
        for u, v in (
            (f"N{i}", f"J{i}"),
            (f"J{i}", f"S{i}"),
            (f"S{i}", f"J{i}"),
            (f"J{i}", f"N{i}"),
        ):
            rows.append(
                f'<edge id="{u}_{v}" from="{u}" to="{v}" numLanes="1" speed="{c.speed_m_s}"/>'
            )
    return "<edges>\n" + "\n".join(rows) + "\n</edges>\n"


def build_network(corridor: Corridor, directory: Path) -> Path:
    """Write the nodes and edges, and run netconvert on them (no turns on the arterial
    crossing: through movements only keep the two-stage plan free of conflicts)."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "corridor.nod.xml").write_text(_nodes(corridor))
    (directory / "corridor.edg.xml").write_text(_edges(corridor))
    net = directory / "corridor.net.xml"
    subprocess.run(
        [
            sumo_binary("netconvert"),
            "--node-files",
            str(directory / "corridor.nod.xml"),
            "--edge-files",
            str(directory / "corridor.edg.xml"),
            "--output-file",
            str(net),
            "--no-turnarounds",
            "true",
            "--tls.default-type",
            "static",
            "--junctions.corner-detail",
            "0",
            "--no-warnings",
            "true",
        ],
        check=True,
        capture_output=True,
    )
    return net


def write_stops(corridor: Corridor, directory: Path) -> Path:
    """Bus stops on the right-hand lane, 20-40 m past the junction (or the entry)."""
    rows = []
    for direction in (EASTBOUND, WESTBOUND):
        for stop_id, edge in corridor.bus_stops(direction):
            rows.append(
                f'<busStop id="{stop_id}" lane="{edge}_0" startPos="20" endPos="40" '
                f'friendlyPos="true"/>'
            )
    path = directory / "stops.add.xml"
    path.write_text("<additional>\n" + "\n".join(rows) + "\n</additional>\n")
    return path


@dataclass(frozen=True)
class BusTrip:
    trip_id: str
    direction: str
    depart_s: float
    #: (stop id, scheduled departure) in order.
    timetable: tuple[tuple[str, float], ...]


def bus_trips(corridor: Corridor) -> list[BusTrip]:
    """Both directions at the headway, the westbound half a headway later; each trip's
    timetable from the scheduled block time."""
    trips = []
    end = corridor.warmup_s + corridor.measured_s - corridor.headway_s / 2
    for direction, shift in ((EASTBOUND, 0.0), (WESTBOUND, corridor.headway_s / 2)):
        depart = corridor.warmup_s + shift
        number = 0
        while depart < end:
            stops = corridor.bus_stops(direction)
            timetable = tuple(
                (stop_id, depart + corridor.bus_dwell_median_s + k * corridor.scheduled_block_s)
                for k, (stop_id, _) in enumerate(stops)
            )
            trips.append(BusTrip(f"{direction}.{number}", direction, depart, timetable))
            depart += corridor.headway_s
            number += 1
    return trips


def write_demand(corridor: Corridor, directory: Path, seed: int) -> Path:
    """Cars as Poisson arrivals (the same for every control under one seed), buses on their
    timetable with log-normal dwells."""
    rng = np.random.default_rng(seed)
    end = corridor.warmup_s + corridor.measured_s
    vehicles: list[tuple[float, str]] = []
    flows: list[tuple[str, list[str], float]] = [
        (f"main{d}", corridor.main_edges(d), corridor.main_veh_h) for d in (EASTBOUND, WESTBOUND)
    ]
    for i in range(1, corridor.intersections + 1):
        flows.append((f"cross{i}S", [f"N{i}_J{i}", f"J{i}_S{i}"], corridor.cross_veh_h))
        flows.append((f"cross{i}N", [f"S{i}_J{i}", f"J{i}_N{i}"], corridor.cross_veh_h))
    for name, edges, per_hour in flows:
        t = 0.0
        n = 0
        while True:
            t += float(rng.exponential(3600.0 / per_hour))
            if t >= end:
                break
            vehicles.append(
                (t, f'<vehicle id="{name}.{n}" type="car" depart="{t:.1f}" departLane="best" '
                    f'departSpeed="max"><route edges="{" ".join(edges)}"/></vehicle>')
            )  # fmt: skip
            n += 1
    for trip in bus_trips(corridor):
        stops = "".join(
            f'<stop busStop={quoteattr(stop_id)} duration="{dwell:.0f}"/>'
            for (stop_id, _), dwell in zip(
                trip.timetable,
                rng.lognormal(np.log(corridor.bus_dwell_median_s), 0.35, len(trip.timetable)),
                strict=True,
            )
        )
        route = " ".join(corridor.main_edges(trip.direction))
        vehicles.append(
            (trip.depart_s, f'<vehicle id="bus.{trip.trip_id}" type="bus" '
                f'depart="{trip.depart_s:.1f}" departLane="0"><route edges="{route}"/>'
                f"{stops}</vehicle>")
        )  # fmt: skip
    if corridor.emergency_every_s > 0:
        route = " ".join(corridor.main_edges(EASTBOUND))
        t, n = corridor.warmup_s + 120.0, 0
        while t < end:
            vehicles.append(
                (t, f'<vehicle id="amb.{n}" type="emergency" depart="{t:.1f}" departLane="best" '
                    f'departSpeed="max"><route edges="{route}"/></vehicle>')
            )  # fmt: skip
            t += corridor.emergency_every_s
            n += 1
    vehicles.sort(key=lambda v: v[0])
    types = (
        '<vType id="car" vClass="passenger" sigma="0.5" speedDev="0.1"/>\n'
        '<vType id="bus" vClass="bus" length="12" accel="1.2" decel="3.0" maxSpeed="14" '
        'sigma="0.3"/>\n'
        '<vType id="emergency" vClass="emergency" length="6" accel="2.6" maxSpeed="19" '
        'sigma="0.2"/>\n'
    )
    path = directory / f"demand.{seed}.rou.xml"
    path.write_text("<routes>\n" + types + "\n".join(v for _, v in vehicles) + "\n</routes>\n")
    return path
