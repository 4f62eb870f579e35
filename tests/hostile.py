"""Hostile device input for issue #20, shared by `tests/api/test_hostile_suite.py` (a few
hundred cases) and `bench/hostile.py` (ten thousand and more): a real `vigie serve` ingesting
over HTTP and from a real Mosquitto, fed hostile payloads interleaved with valid readings.

Each hostile payload is built so that it must end as exactly one dead letter: a single reading
(or a bare blob) on a light's own topic, or an HTTP body of one element. So the dead letters
counted after a run say how many hostile payloads were accounted for, and the valid readings,
each with its own timestamp, how many were stored — exactly once.
"""

from __future__ import annotations

import http.client
import json
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from paho.mqtt.client import Client
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from sqlalchemy import func, select

from tests.builders import seed_small_network
from tests.web.server import Server, start_server
from vigie.adapters.mqtt.broker import LocalBroker
from vigie.adapters.mqtt.settings import sign_in
from vigie.auth.roles import Role
from vigie.auth.tokens import issue_token
from vigie.auth.users import add_user
from vigie.protocol.topics import topic_for
from vigie.registry.municipalities import seed_reference_municipalities
from vigie.store.engine import make_engine
from vigie.store.migrate import upgrade_to_head
from vigie.store.schema import dead_letters, readings

LIGHTS = [f"urn:ngsi-ld:Streetlight:21231:{n}" for n in range(1, 11)]
VALID_METRICS = 3  # each valid reading below


def _ts(n: int) -> str:
    # Within the accepted window, distinct for every reading of a run.
    return (datetime.now(UTC) - timedelta(minutes=10, microseconds=n)).isoformat()


def valid_reading(n: int) -> dict[str, object]:
    return {"ts": _ts(n), "metrics": {"on": True, "dim_pct": n % 101, "power_w": 5.0 + n % 40}}


def hostile_reading(rng: random.Random, n: int) -> bytes:
    """One reading no valid device would send, in one of many ways."""
    ts = _ts(n).encode()
    kind = rng.randrange(14)
    if kind == 0:
        return rng.randbytes(rng.randrange(1, 300))
    if kind == 1:
        return b'{"ts": "' + ts + b'", "metrics": {"on": true, "x": "' + rng.randbytes(8) + b'"}}'
    if kind == 2:
        depth = rng.choice((100, 1_000, 10_000))
        return b'{"ts": "' + ts + b'", "metrics": {"a": ' + b"[" * depth + b"]" * depth + b"}}"
    if kind == 3:
        return (
            b'{"ts": "'
            + ts
            + b'", "metrics": {"power_w": '
            + rng.choice((b"NaN", b"1e400", b"-1e308", b"99999999999999999999999999", b"Infinity"))
            + b"}}"
        )
    if kind == 4:
        return json.dumps({"ts": ts.decode(), "metrics": {"on": "yes", "dim_pct": "70"}}).encode()
    if kind == 5:
        unknown = {f"m{i}_{rng.random()}": i for i in range(rng.randrange(1, 2_000))}
        return json.dumps({"ts": ts.decode(), "metrics": unknown}).encode()
    if kind == 6:
        return json.dumps({"ts": "2999-01-01T00:00:00Z", "metrics": {"on": True}}).encode()
    if kind == 7:
        return json.dumps({"ts": "2026-01-01T00:00:00", "metrics": {"on": True}}).encode()
    if kind == 8:
        return json.dumps({"ts": ts.decode(), "metrics": {"on\u0000": 1, "\ud7ff": 2}}).encode()
    if kind == 9:
        return json.dumps([1, {"a": None}, "x" * rng.randrange(100)]).encode()
    if kind == 10:
        text = json.dumps(valid_reading(n))
        cut = rng.randrange(1, len(text))
        return text[:cut].encode()
    if kind == 11:
        return json.dumps({"ts": ts.decode(), "metrics": {"dim_pct": 500, "power_w": -3}}).encode()
    if kind == 12:
        return b'{"ts": "' + ts + b'", "metrics": {"x": "\\ud800\\udfff\\u0000"}, "zz": 1}'
    return json.dumps({"ts": ts.decode(), "metrics": {}, "readings": []}).encode()


def post_telemetry(host: str, port: int, token: str, body: bytes) -> tuple[int, bytes]:
    """POST raw bytes as a JSON telemetry body (no client-side check of what they hold)."""
    connection = http.client.HTTPConnection(host, port, timeout=120)
    try:
        connection.request(
            "POST",
            "/api/v1/telemetry",
            body=body,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _one_element(payload: bytes, asset: str) -> bytes:
    """An HTTP body of one element holding the hostile payload: naming the light when it is
    a JSON object (so it reaches the metric checks), else as it is inside the brackets."""
    try:
        decoded = json.loads(payload)
    except (ValueError, RecursionError):
        return b"[" + payload + b"]"
    if isinstance(decoded, dict):
        return json.dumps([{**decoded, "asset": asset}]).encode()
    return b"[" + payload + b"]"


@dataclass
class Tally:
    valid_sent: int = 0
    hostile_sent: int = 0
    http_500: int = 0
    http_other_5xx: int = 0
    valid_ts: list[str] = field(default_factory=list)


class HostileRig:
    """The server, its store, a device token, a publisher on the broker."""

    def __init__(self, workdir: Path, broker: LocalBroker) -> None:
        self.database_url = f"sqlite:///{workdir / 'vigie.db'}"
        engine = make_engine(self.database_url)
        upgrade_to_head(engine)
        now = datetime.now(UTC)
        with engine.begin() as conn:
            seed_reference_municipalities(conn)
            seed_small_network(conn, now - timedelta(days=1))
            user = add_user(conn, username="gw", password="gateway-password", role=Role.DEVICE,
                            actor="hostile", now=now)  # fmt: skip
            self.token, _ = issue_token(conn, user_id=user.id, kind="machine", name="h",
                                        now=now, lifetime=None)  # fmt: skip
        engine.dispose()
        self.server: Server = start_server(
            workdir, self.database_url, {"VIGIE_MQTT_URL": broker.url}
        )
        self.host, port = self.server.base_url.removeprefix("http://").split(":")
        self.port = int(port)
        self.publisher = Client(
            CallbackAPIVersion.VERSION2, client_id="hostile", protocol=MQTTProtocolVersion.MQTTv5
        )
        self.publisher.max_inflight_messages_set(1_000)
        address = sign_in(self.publisher, broker.url)
        self.publisher.connect(address.host, address.port)
        self.publisher.loop_start()

    def post(self, body: bytes) -> int:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=120)
        try:
            connection.request(
                "POST",
                "/api/v1/telemetry",
                body=body,
                headers={
                    "Authorization": f"Bearer {self.token}",
                    "Content-Type": "application/json",
                },
            )
            response = connection.getresponse()
            response.read()
            return response.status
        finally:
            connection.close()

    def send(self, count: int, seed: int, tally: Tally, hostile_share: float = 0.5) -> None:
        """`count` payloads, half over MQTT and half over HTTP, `hostile_share` of them hostile,
        interleaved in a random order."""
        rng = random.Random(seed)
        infos = []
        for i in range(count):
            n = seed * 10_000_000 + i
            light = LIGHTS[i % len(LIGHTS)]
            hostile = rng.random() < hostile_share
            if hostile:
                payload = hostile_reading(rng, n)
                tally.hostile_sent += 1
            else:
                reading = valid_reading(n)
                tally.valid_ts.append(str(reading["ts"]))
                tally.valid_sent += 1
            if i % 2 == 0:
                if not hostile:
                    payload = json.dumps(reading).encode()
                infos.append(self.publisher.publish(topic_for(light), payload, qos=1))
            else:
                if hostile:
                    body = _one_element(payload, light)
                else:
                    body = json.dumps([{**reading, "asset": light}]).encode()
                status = self.post(body)
                if status == 500:
                    tally.http_500 += 1
                elif status >= 500:
                    tally.http_other_5xx += 1
        for info in infos:
            info.wait_for_publish(60)

    def counts(self, valid_ts: list[str]) -> tuple[int, int]:
        """(valid readings stored, dead letters) in the store now."""
        engine = make_engine(self.database_url)
        try:
            with engine.connect() as conn:
                stored = 0
                wanted = [datetime.fromisoformat(t) for t in valid_ts]
                for start in range(0, len(wanted), 500):
                    stored += int(
                        conn.scalar(
                            select(func.count()).where(
                                readings.c.ts.in_(wanted[start : start + 500])
                            )
                        )
                        or 0
                    )
                dead = int(conn.scalar(select(func.count()).select_from(dead_letters)) or 0)
        finally:
            engine.dispose()
        return stored, dead

    def settle(self, tally: Tally, timeout_s: float = 300.0) -> tuple[int, int, int]:
        """Wait until every valid reading is stored and every hostile payload dead-lettered
        (or the time is up); (stored, dead letters, intake stalls seen by /healthz)."""
        deadline = time.monotonic() + timeout_s
        stalls = 0
        while True:
            stored, dead = self.counts(tally.valid_ts)
            status, health = self.server.request("GET", "/healthz")
            if status != 200 or health.get("status") != "ok":
                stalls += 1
            done = stored >= tally.valid_sent * VALID_METRICS and dead >= tally.hostile_sent
            if done or time.monotonic() > deadline:
                return stored, dead, stalls
            time.sleep(0.5)

    def close(self) -> None:
        self.publisher.loop_stop()
        self.publisher.disconnect()
        self.server.stop()


@contextmanager
def hostile_rig(workdir: Path) -> Iterator[HostileRig]:
    with LocalBroker(workdir / "broker") as broker:
        rig = HostileRig(workdir, broker)
        try:
            yield rig
        finally:
            rig.close()
