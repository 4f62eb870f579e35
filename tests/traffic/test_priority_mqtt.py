"""Live bus priority through a real Mosquitto: a bus's telemetry on the device protocol
becomes priority requests on the `.../priority` topics of the controllers on its line (the
line from an imported GTFS feed, the controllers and the bus from the registry)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from paho.mqtt.client import Client, MQTTMessage
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from sqlalchemy.engine import Engine

from tests.builders import DIJON, NODE_ID, seed_small_network
from tests.commands.devices import wait_for
from tests.gtfs.test_gtfs_import import agency_feed
from tests.mosquitto import Publisher, mosquitto
from vigie.adapters.mqtt.broker import LocalBroker
from vigie.adapters.mqtt.settings import sign_in
from vigie.domains.traffic.priority import PriorityConfig
from vigie.domains.traffic.priority_link.mqtt import PriorityLink
from vigie.domains.traffic.priority_link.wiring import build_live_priority
from vigie.domains.transit.gtfs.feed import write_zip
from vigie.domains.transit.gtfs.store import import_feed
from vigie.registry.batch import create_assets
from vigie.registry.validation import AssetInput

__all__ = ["mosquitto"]
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday morning in Paris
BUS = "urn:ngsi-ld:Bus:21231:1001"


def _controller(n: int, lon: float) -> AssetInput:
    groups = [
        ("Rue A depuis le ouest", "vehicle", {}),
        ("Rue A depuis le ouest", "bus", {}),
        ("Rue A depuis le est", "vehicle", {}),
        ("Rue A depuis le est", "bus", {}),
        ("Rue B depuis le nord", "vehicle", {}),
        ("Rue B depuis le nord", "pedestrian", {"pedestrian_clearance_s": 13}),
    ]
    return AssetInput(
        type="TrafficSignalController", id=f"urn:ngsi-ld:TrafficSignalController:21231:{n}",
        name=f"Carrefour {n}", municipality_code=DIJON, lon=lon, lat=47.3201,
        attributes={"intersection_name": "A / B", "control_mode": "fixed_time",
                    "bus_priority": True},
        parts=[{"kind": "signal_group", "attributes": {"movement": m, "approach": a,
                                                       "min_green_s": 6, **x}}
               for a, m, x in groups],
        links=[{"relation": "connected_to", "target_id": NODE_ID}],
    )  # fmt: skip


class Listener:
    """A field-side subscriber to every controller's priority topic."""

    def __init__(self, url: str) -> None:
        self.messages: list[tuple[str, dict[str, object]]] = []
        self.ready = threading.Event()
        self.client = Client(CallbackAPIVersion.VERSION2, client_id="test-controllers",
                             protocol=MQTTProtocolVersion.MQTTv5)  # fmt: skip
        address = sign_in(self.client, url)
        self.client.on_connect = lambda c, *_: c.subscribe(
            "vigie/+/TrafficSignalController/+/priority"
        )
        self.client.on_subscribe = lambda *_: self.ready.set()
        self.client.on_message = self._on_message
        self.client.connect(address.host, address.port)
        self.client.loop_start()

    def _on_message(self, _client: Client, _userdata: object, message: MQTTMessage) -> None:
        self.messages.append((message.topic, json.loads(message.payload)))

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def corridor(engine: Engine) -> Engine:
    with engine.begin() as conn:
        seed_small_network(conn, NOW - timedelta(days=1))
        bus = AssetInput(
            type="Bus", id=BUS, name="Bus 1001", municipality_code=DIJON, lon=5.03, lat=47.32,
            attributes={"fleet_number": "1001", "capacity_passengers": 95,
                        "propulsion": "electric", "line_ref": "B5"},
        )  # fmt: skip
        rows = [_controller(1, 5.036), _controller(2, 5.046), bus]
        create_assets(conn, list(enumerate(rows, start=1)), actor="test", now=NOW)
        import_feed(conn, write_zip(agency_feed()), "test", NOW)
    return engine


@pytest.fixture
def listener(mosquitto: LocalBroker) -> Iterator[Listener]:
    made = Listener(mosquitto.url)
    assert made.ready.wait(10)
    yield made
    made.close()


@pytest.mark.postgres
def test_bus_positions_become_requests_to_the_controllers_on_its_line(
    corridor: Engine, mosquitto: LocalBroker, listener: Listener
) -> None:
    live = build_live_priority(corridor, NOW, PriorityConfig(lateness_threshold_s=None))
    assert len(live.server.intersections()) == 2
    link = PriorityLink(mosquitto.url, live)
    publisher = Publisher(mosquitto.url)
    try:
        assert link.wait_subscribed()
        # The bus drives east along line B5 at 10 m/s, back and forth, reporting every 2 s.
        west, east = 5.0300, 5.0511
        span = east - west
        messages = []
        for step in range(900):
            travelled = (0.000264 * step) % (2 * span)
            lon = west + (travelled if travelled <= span else 2 * span - travelled)
            heading = 90.0 if travelled <= span else 270.0
            ts = NOW + timedelta(seconds=2 * step)
            metrics = {"lon": lon, "lat": 47.32, "speed_kmh": 36.0, "heading_deg": heading}
            payload = json.dumps({"ts": ts.isoformat(), "metrics": metrics}).encode()
            messages.append(("vigie/21231/Bus/1001/telemetry", payload))
        publisher.publish(messages)
        wait_for(lambda: link.published > 0 and len(listener.messages) == link.published)
    finally:
        publisher.close()
        link.close()
    topics = {topic for topic, _ in listener.messages}
    assert topics <= {
        "vigie/21231/TrafficSignalController/1/priority",
        "vigie/21231/TrafficSignalController/2/priority",
    }
    _, first = listener.messages[0]
    assert first["vehicle"] == BUS
    assert first["strategy"] in {"green_extension", "early_green"}
    assert str(first["signal_group"]).startswith("urn:ngsi-ld:SignalGroup:21231:")
