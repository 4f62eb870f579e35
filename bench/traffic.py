"""Bus priority benchmark at Dijon's scale: 180 buses reporting their position every second
to Vigie's priority logic, 113 equipped intersections on 16 lines.

    python bench/traffic.py [--quick]

Each report goes the production path: projection onto the bus's line, the intersection it
approaches, its expected arrival, check-in/out at the priority request server, arbitration
and the strategy's request to that intersection's controller. Reported: priority decisions
per second of one core (`decisions_per_s`) and the latency from a position report to the
controller request (`decision_latency_p99_ms`), with every controller advanced each second.
The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import time

import numpy as np

from vigie.domains.traffic.approach import ApproachTracker, EquippedCrossing, LinePath
from vigie.domains.traffic.controller import StageController
from vigie.domains.traffic.plans import two_stage_plan
from vigie.domains.traffic.priority import PriorityConfig
from vigie.domains.traffic.server import PriorityServer

BUSES = 180
INTERSECTIONS = 113
LINES = 16
SPEED_M_S = 7.0  # 25 km/h, stops included
LATENCY_GOAL_MS = 10.0


def build(seed: int) -> tuple[PriorityServer, ApproachTracker, list[tuple[str, str, float]]]:
    """Lines radiating from the centre (6-9 km), intersections spread along them (a junction
    where two lines meet is shared), buses spread along their lines."""
    rng = np.random.default_rng(seed)
    server = PriorityServer(PriorityConfig(lateness_threshold_s=None))
    lines: dict[str, LinePath] = {}
    per_line = np.full(LINES, INTERSECTIONS // LINES)
    per_line[: INTERSECTIONS % LINES] += 1
    number = 0
    for k in range(LINES):
        angle = 2 * math.pi * k / LINES
        length = float(rng.uniform(6000, 9000))
        bend = rng.normal(0, 300, 6)
        t = np.linspace(0, 1, 7)
        xy = np.column_stack(
            (
                t * length * math.cos(angle) - np.append(0, bend) * math.sin(angle),
                t * length * math.sin(angle) + np.append(0, bend) * math.cos(angle),
            )
        )
        crossings = []
        for distance in np.sort(rng.uniform(300, length - 300, per_line[k])):
            number += 1
            junction = f"urn:ngsi-ld:TrafficSignalController:21231:{number}"
            offset = float(rng.uniform(0, 80))
            server.add_intersection(
                junction, StageController(two_stage_plan(1, 40, 30, offset), now_s=0.0)
            )
            crossings.append(EquippedCrossing(junction, "bus", "bus", float(distance)))
        lines[f"L{k}"] = LinePath(xy.astype(np.float64), crossings)
    buses = []
    for b in range(BUSES):
        line = f"L{b % LINES}"
        buses.append((f"urn:ngsi-ld:Bus:21231:{1001 + b}", line, float(rng.uniform(0, 1))))
    return server, ApproachTracker(server, lines), buses


def run(seconds: int, seed: int = 1) -> dict[str, float]:
    server, tracker, buses = build(seed)
    rng = np.random.default_rng(seed + 1)
    paths = {name: tracker.lines[name] for name in tracker.lines}
    lengths = {name: float(p.cumulative[-1]) for name, p in paths.items()}
    position = {bus: start * lengths[line] for bus, line, start in buses}
    direction = {bus: 1.0 for bus, _, _ in buses}
    latencies_ns: list[int] = []
    busy_ns = 0
    for second in range(1, seconds + 1):
        now = float(second)
        started = time.perf_counter_ns()
        server.advance(now)
        busy_ns += time.perf_counter_ns() - started
        for bus, line, _ in buses:
            path = paths[line]
            s = position[bus] + direction[bus] * SPEED_M_S * float(rng.uniform(0.5, 1.5))
            if not 0 <= s <= lengths[line]:
                direction[bus] = -direction[bus]
                s = min(max(s, 0.0), lengths[line])
            position[bus] = s
            k = min(int(np.searchsorted(path.cumulative, s, side="right")) - 1, len(path.start) - 1)
            fraction = (s - path.cumulative[k]) / (path.cumulative[k + 1] - path.cumulative[k])
            x, y = path.start[k] + path.segment[k] * fraction
            lateness = float(rng.normal(60, 90))
            before = server.decisions
            started = time.perf_counter_ns()
            tracker.on_position(bus, line, float(x), float(y), SPEED_M_S, now, lateness, 480.0)
            elapsed = time.perf_counter_ns() - started
            busy_ns += elapsed
            if server.decisions > before:
                latencies_ns.append(elapsed)
    latencies_ms = sorted(ns / 1e6 for ns in latencies_ns)
    p99 = latencies_ms[min(len(latencies_ms) - 1, int(0.99 * len(latencies_ms)))]
    return {
        "buses": BUSES,
        "intersections": INTERSECTIONS,
        "simulated_s": seconds,
        "reports": BUSES * seconds,
        "decisions": server.decisions,
        "granted": sum(server.granted.values()),
        "decisions_per_s": round(server.decisions / (busy_ns / 1e9), 1),
        "reports_per_s": round(BUSES * seconds / (busy_ns / 1e9), 1),
        "decision_latency_p50_ms": round(statistics.median(latencies_ms), 4),
        "decision_latency_p99_ms": round(p99, 4),
        "latency_goal_ms": LATENCY_GOAL_MS,
        "latency_goal_met": p99 <= LATENCY_GOAL_MS,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 simulated minutes, not 1 hour")
    args = parser.parse_args()
    result = run(600 if args.quick else 3600)
    print(
        f"{result['reports']} reports, {result['decisions']} decisions "
        f"({result['granted']} granted): {result['decisions_per_s']} decisions/s, "
        f"p99 {result['decision_latency_p99_ms']} ms"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
