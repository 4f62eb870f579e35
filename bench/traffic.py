"""Bus priority benchmark at Dijon's scale: 180 buses reporting their position every second
to Vigie's priority logic, 113 equipped intersections on 16 lines.

    python bench/traffic.py [--quick]

Each report goes the production path: projection onto the bus's line, the intersection it
approaches, its expected arrival, check-in/out at the priority request server, arbitration
and the strategy's request to that intersection's controller. Reported: priority decisions
per second of one core (`decisions_per_s`) and the latency from a position report to the
controller request (`decision_latency_p99_ms`), with every controller advanced each second.
Then, when Mosquitto is installed, the same scale end to end through the broker for two
minutes of real time (20 s with `--quick`): each bus publishes its telemetry once a second at
its own phase, `vigie traffic priority`'s link decides, a controller-side subscriber receives
the requests (`mqtt_latency_p99_ms`: from the bus's publish to the request's arrival).
The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from paho.mqtt.client import Client, MQTTMessage
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

from vigie.adapters.mqtt.broker import LocalBroker, find_mosquitto
from vigie.adapters.mqtt.settings import sign_in
from vigie.core.geodesy import M_PER_DEG_LAT, m_per_deg_lon
from vigie.domains.installed import install_all
from vigie.domains.traffic.approach import ApproachTracker
from vigie.domains.traffic.controller import StageController
from vigie.domains.traffic.live import LivePriority
from vigie.domains.traffic.plans import two_stage_plan
from vigie.domains.traffic.priority import PriorityConfig
from vigie.domains.traffic.priority_link.mqtt import PriorityLink
from vigie.domains.traffic.server import PriorityServer
from vigie.domains.transit.line_path import EquippedCrossing, LinePath
from vigie.registry.assets import Asset, Part

install_all()  # the facilities, as the `vigie` command installs them

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


def _controller_asset(number: int, lon: float, lat: float) -> Asset:
    """A registry controller with a main road (vehicles and buses both ways) and a cross
    road (vehicles, pedestrians)."""
    groups = [
        ("Rue A depuis le ouest", "vehicle"), ("Rue A depuis le ouest", "bus"),
        ("Rue A depuis le est", "vehicle"), ("Rue A depuis le est", "bus"),
        ("Rue B depuis le nord", "vehicle"), ("Rue B depuis le nord", "pedestrian"),
    ]  # fmt: skip
    now = datetime.now(UTC)
    return Asset(
        id=f"urn:ngsi-ld:TrafficSignalController:21231:{number}", type="TrafficSignalController",
        municipality_code="21231", name=f"Carrefour {number}", status="active", lon=lon, lat=lat,
        attributes={"intersection_name": "A / B", "control_mode": "fixed_time",
                    "bus_priority": True},
        geometry=None, created_at=now, updated_at=now,
        parts=tuple(
            Part(f"urn:ngsi-ld:SignalGroup:21231:{number}-{k}", "signal_group", f"SG{k}",
                 {"movement": m, "approach": a, "min_green_s": 6.0,
                  "pedestrian_clearance_s": 13.0 if m == "pedestrian" else None})
            for k, (a, m) in enumerate(groups, start=1)
        ),
    )  # fmt: skip


def run_mqtt(seconds: int, seed: int = 1) -> dict[str, float]:
    """The same scale through a real Mosquitto: buses publish their telemetry each second
    (QoS 0, paced in real time), `PriorityLink` decides, a controller-side subscriber
    receives the requests; latency from a bus's report to the request's arrival."""
    kx, ky = m_per_deg_lon(47.32), M_PER_DEG_LAT
    _, tracker, buses = build(seed)
    lines = {name: np.vstack([p.start, p.start[-1] + p.segment[-1]]) for name, p in
             tracker.lines.items()}  # fmt: skip
    origin = (5.04 * kx, 47.32 * ky)
    shifted = {name: xy + origin for name, xy in lines.items()}
    controllers = []
    for name, path in tracker.lines.items():
        for crossing in path.crossings:
            s = crossing.distance_m
            k = min(int(np.searchsorted(path.cumulative, s, side="right")) - 1,
                    len(path.start) - 1)  # fmt: skip
            x, y = path.start[k] + path.segment[k] * (s - path.cumulative[k]) / (
                path.cumulative[k + 1] - path.cumulative[k])  # fmt: skip
            number = int(crossing.intersection_id.rsplit(":", 1)[1])
            controllers.append(_controller_asset(number, (x + origin[0]) / kx,
                                                 (y + origin[1]) / ky))  # fmt: skip
        del name
    sent_at: dict[str, float] = {}
    latencies_ms: list[float] = []
    lock = threading.Lock()

    def received(_client: Client, _userdata: object, message: MQTTMessage) -> None:
        arrived = time.perf_counter()
        vehicle = json.loads(message.payload)["vehicle"]
        with lock:
            if vehicle in sent_at:
                latencies_ms.append((arrived - sent_at[vehicle]) * 1000)

    with tempfile.TemporaryDirectory() as scratch, LocalBroker(Path(scratch)) as broker:
        live = LivePriority(shifted, controllers, lambda lon, lat: (lon * kx, lat * ky),
                            datetime.now(UTC), lambda _m: None)  # fmt: skip
        for bus, line, _ in buses:
            live.add_bus(bus, line)
        link = PriorityLink(broker.url, live)
        listener = Client(CallbackAPIVersion.VERSION2, client_id="bench-controllers",
                          protocol=MQTTProtocolVersion.MQTTv5)  # fmt: skip
        address = sign_in(listener, broker.url)
        listener.on_message = received
        listener.connect(address.host, address.port)
        listener.subscribe("vigie/+/TrafficSignalController/+/priority")
        listener.loop_start()
        sender = Client(CallbackAPIVersion.VERSION2, client_id="bench-buses",
                        protocol=MQTTProtocolVersion.MQTTv5)  # fmt: skip
        sign_in(sender, broker.url)
        sender.connect(address.host, address.port)
        sender.loop_start()
        link.wait_subscribed()
        time.sleep(0.5)
        rng = np.random.default_rng(seed + 1)
        position = {bus: start * float(tracker.lines[line].cumulative[-1])
                    for bus, line, start in buses}  # fmt: skip
        started = time.perf_counter()
        for second in range(seconds):
            tick = started + second
            time.sleep(max(0.0, tick - time.perf_counter()))
            now = datetime.now(UTC)
            for index, (bus, line, _) in enumerate(buses):
                # Buses report at their own phase within the second, as in the field.
                time.sleep(max(0.0, tick + index / len(buses) - time.perf_counter()))
                path = tracker.lines[line]
                length = float(path.cumulative[-1])
                s = (position[bus] + SPEED_M_S * float(rng.uniform(0.5, 1.5))) % length
                position[bus] = s
                k = min(int(np.searchsorted(path.cumulative, s, side="right")) - 1,
                        len(path.start) - 1)  # fmt: skip
                x, y = path.start[k] + path.segment[k] * (s - path.cumulative[k]) / (
                    path.cumulative[k + 1] - path.cumulative[k])  # fmt: skip
                metrics = {"lon": (x + origin[0]) / kx, "lat": (y + origin[1]) / ky,
                           "speed_kmh": SPEED_M_S * 3.6}  # fmt: skip
                payload = json.dumps({"ts": now.isoformat(), "metrics": metrics})
                local = bus.rsplit(":", 1)[1]
                with lock:
                    sent_at[bus] = time.perf_counter()
                sender.publish(f"vigie/21231/Bus/{local}/telemetry", payload, qos=0)
        time.sleep(1.0)
        decided, published = live.server.decisions, link.published
        sender.loop_stop()
        listener.loop_stop()
        link.close()
    ordered = sorted(latencies_ms)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] if ordered else math.nan
    return {
        "mqtt_reports": BUSES * seconds,
        "mqtt_decisions": decided,
        "mqtt_requests_sent": published,
        "mqtt_requests": len(ordered),
        "mqtt_latency_p50_ms": round(statistics.median(ordered), 3) if ordered else math.nan,
        "mqtt_latency_p99_ms": round(p99, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 simulated minutes, not 1 hour")
    args = parser.parse_args()
    result = run(600 if args.quick else 3600)
    if find_mosquitto() is not None:
        result.update(run_mqtt(20 if args.quick else 120))
    print(
        f"{result['reports']} reports, {result['decisions']} decisions "
        f"({result['granted']} granted): {result['decisions_per_s']} decisions/s, "
        f"p99 {result['decision_latency_p99_ms']} ms; through Mosquitto: "
        f"{result.get('mqtt_requests')} requests, p99 {result.get('mqtt_latency_p99_ms')} ms"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
