"""Live bus priority: position reports published on the core bus become requests to the
controllers on the bus's line, and only to those."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from vigie.core.bus import EventBus
from vigie.core.geodesy import M_PER_DEG_LAT, m_per_deg_lon
from vigie.domains.traffic.live import LivePriority, PriorityMessage
from vigie.registry.assets import Asset, Part
from vigie.telemetry.events import StateChanged

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # 10:00 in Paris, a Monday: plan 2
KX, KY = m_per_deg_lon(47.32), M_PER_DEG_LAT
BUS = "urn:ngsi-ld:Bus:21231:1001"


def to_xy(lon: float, lat: float) -> tuple[float, float]:
    return lon * KX, lat * KY


def controller(n: int, lon: float, lat: float) -> Asset:
    parts = []
    for k, (road, movement, extra) in enumerate([
        ("Rue A depuis le ouest", "vehicle", {}),
        ("Rue A depuis le ouest", "bus", {}),
        ("Rue A depuis le est", "vehicle", {}),
        ("Rue A depuis le est", "bus", {}),
        ("Rue B depuis le nord", "vehicle", {}),
        ("Rue B depuis le nord", "pedestrian", {"pedestrian_clearance_s": 13.0}),
    ], start=1):  # fmt: skip
        attributes = {"movement": movement, "approach": road, "min_green_s": 6.0, **extra}
        parts.append(Part(f"c{n}-SG{k}", "signal_group", f"SG{k}", attributes))
    return Asset(
        id=f"urn:ngsi-ld:TrafficSignalController:21231:{n}", type="TrafficSignalController",
        municipality_code="21231", name=f"Carrefour {n}", status="active", lon=lon, lat=lat,
        attributes={"intersection_name": "A / B", "control_mode": "fixed_time",
                    "bus_priority": True},
        geometry=None, created_at=START, updated_at=START, parts=tuple(parts),
    )  # fmt: skip


def test_positions_on_the_bus_become_requests_to_the_line_s_controllers() -> None:
    west, east = to_xy(5.030, 47.32), to_xy(5.070, 47.32)
    line = np.array([west, east], dtype=np.float64)
    near = [controller(1, 5.040, 47.3201), controller(2, 5.052, 47.3199)]
    far = controller(3, 5.045, 47.33)  # 1.1 km north of the line
    sent: list[PriorityMessage] = []
    live = LivePriority({"L1": line}, [*near, far], to_xy, START, sent.append)
    live.add_bus(BUS, "L1")
    bus = EventBus()
    bus.subscribe(StateChanged, live.on_state)
    # Back and forth along the line at 10 m/s for an hour, a report every 5 seconds.
    length_m = east[0] - west[0]
    for step in range(720):
        t = START + timedelta(seconds=5 * step)
        travelled = (50.0 * step) % (2 * length_m)
        x = west[0] + (travelled if travelled <= length_m else 2 * length_m - travelled)
        lon = x / KX
        for metric, value in (("speed_kmh", 36.0), ("lon", lon), ("lat", 47.32)):
            bus.publish(StateChanged(BUS, "Bus", "21231", metric, value, None, None, None, t))
    assert sent, "an hour of a bus crossing two junctions asks for priority at least once"
    assert {m.controller_id for m in sent} <= {c.id for c in near}
    assert {m.strategy for m in sent} <= {"green_extension", "early_green"}
    assert all(m.signal_group.endswith(("SG2", "SG4")) for m in sent)
    assert live.sent == len(sent)
    assert live.server.decisions >= len(sent)
