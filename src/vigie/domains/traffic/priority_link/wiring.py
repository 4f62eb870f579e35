"""Building live bus priority from the store: the controllers and buses of the registry, the
lines of the served GTFS feed (the latest import, else the twin's timetable)."""

from __future__ import annotations

from datetime import datetime

import numpy as np
from sqlalchemy.engine import Engine

from vigie.domains.traffic.assets import TRAFFIC_SIGNAL_CONTROLLER
from vigie.domains.traffic.live import LivePriority, PriorityMessage
from vigie.domains.traffic.priority import PriorityConfig
from vigie.domains.transit.assets import BUS
from vigie.domains.transit.gtfs.feed import read_zip
from vigie.domains.transit.gtfs.live import delay_of
from vigie.domains.transit.gtfs.network import build_network
from vigie.domains.transit.gtfs.store import latest_feed
from vigie.domains.transit.gtfs.twin import twin_feed
from vigie.registry.snapshot import load_snapshot


def _discard(_message: PriorityMessage) -> None:
    """Until an adapter sets where requests go."""


def build_live_priority(
    engine: Engine, now: datetime, config: PriorityConfig | None = None
) -> LivePriority:
    twin = load_snapshot(engine)
    with engine.connect() as conn:
        imported = latest_feed(conn)
    feed = read_zip(imported.data) if imported is not None else twin_feed(twin, now.date())
    network = build_network(feed)
    lines = {}
    for short_name, route_id in network.routes.items():
        path = network.paths[route_id]
        lines[short_name] = np.vstack([path.start, path.start[-1] + path.segment[-1]])

    def lateness(
        _bus: str, line: str, lon: float, lat: float, heading: float | None, when: datetime
    ) -> float:
        return delay_of(network, line, lon, lat, heading, when)

    live = LivePriority(
        lines,
        twin.of_type(TRAFFIC_SIGNAL_CONTROLLER),
        network.frame.to_xy,
        now,
        _discard,
        lateness,
        config,
    )
    for bus in twin.of_type(BUS):
        line = bus.attributes.get("line_ref")
        if isinstance(line, str):
            live.add_bus(bus.id, line)
    return live
