"""Ingest benchmark on the Dijon twin: (a) Mosquitto's own QoS 1 pub→sub rate, (b) Vigie's
MQTT ingest rate into the store as a ratio of (a), (c) HTTP batch ingest, (d) ingest-to-twin
latency at the Dijon peak (1,100 msg/s), (e) the ingest process's peak memory.

    python bench/ingest.py [--quick]

Everything runs on this machine: a private Mosquitto on a free loopback port, a fresh SQLite
store holding the generated Dijon twin, publishers and subscribers in their own processes,
`vigie ingest` and `vigie serve` as real processes. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2 as httpx
import msgspec
from paho.mqtt.client import Client
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions
from sqlalchemy import select
from sqlalchemy.engine import Engine

from scratch import scratch_dir
from vigie.adapters.mqtt.broker import LocalBroker, free_port
from vigie.adapters.mqtt.settings import DEFAULT_INFLIGHT, MqttSettings, sign_in
from vigie.adapters.mqtt.worker import IngestWorker
from vigie.alarms.conditions.sun import SunTimes
from vigie.auth.roles import Role
from vigie.auth.tokens import issue_token
from vigie.auth.users import add_user
from vigie.cli.ingest import freeze_long_lived_objects
from vigie.core.bus import EventBus
from vigie.core.clock import SystemClock
from vigie.domains.buildings.assets import METER, METER_PART
from vigie.domains.installed import install_all
from vigie.lab.city import GeneratedCity, generate_city, write_city
from vigie.protocol.topics import shared_subscription, topic_for
from vigie.registry.municipalities import list_municipalities, seed_reference_municipalities
from vigie.store.engine import make_engine
from vigie.store.migrate import upgrade_to_head
from vigie.store.schema import asset_links, asset_parts, assets
from vigie.telemetry.catalogue import METRICS
from vigie.telemetry.events import StateChanged
from vigie.telemetry.metrics import MetricDescription, MetricKind
from vigie.telemetry.pipeline import Pipeline

install_all()  # the facilities, as the `vigie` command installs them

RATIO_GOAL = 0.8
HTTP_GOAL_READINGS_PER_S = 100_000
LATENCY_P99_GOAL_MS = 50.0
PEAK_MSGS_PER_S = 1_100
#: QoS 1 messages the publisher keeps in flight. It stands for the city's ~35,000 devices, each
#: with a message of its own in flight, so it is as wide as the worker's Receive Maximum: the
#: broker never hands the worker more than that unacknowledged. (A window of 1,000 made the
#: publisher wait for each of the worker's commits, so that publishing and ingesting took
#: turns instead of running side by side.)
PUBLISH_WINDOW = DEFAULT_INFLIGHT
CLIENT_ID = "vigie-ingest-bench"
TS_MARK = "@@TS@@"  # replaced by the publish time in the paced (latency) run
DIJON_LON, DIJON_LAT = 5.0415, 47.3220
GATEWAY_EVERY = 20  # one message in 20 is a cabinet's batch of 10 light readings
GATEWAY_READINGS = 10

Message = tuple[str, bytes]


def light_metrics(k: int) -> dict[str, object]:
    return {
        "on": True,
        "dim_pct": k % 101,
        "power_w": round(20 + (k % 400) / 10, 1),
        "energy_wh": 1_000_000 + k,  # unique: every message changes the twin
        "operating_hours_h": 10_000 + k % 5_000,
    }


def healthy_light_metrics(k: int, rated_w: float, lit: bool) -> dict[str, object]:
    """What a sound luminaire reports: lit at night, at a programme's level, drawing its share
    of its rated power; dark by day. (Readings that break the lighting rules would measure an
    alarm storm instead: the first version of this bench raised 68,000 alarms.)"""
    dim_pct = (50, 70, 100)[k % 3] if lit else 0
    return {
        "on": lit,
        "dim_pct": dim_pct,
        "power_w": round(rated_w * dim_pct / 100, 1),
        "energy_wh": 1_000_000 + k,  # unique: every message changes the twin
        "operating_hours_h": 10_000 + k % 5_000,
    }


def valid_value(description: MetricDescription, k: int) -> object:
    if description.kind is MetricKind.BOOL:
        return k % 2 == 0
    if description.kind is MetricKind.ENUM:
        return description.options[k % len(description.options)]
    if description.kind is MetricKind.TEXT:
        return f"Arrêt {k % 300}"
    low = description.minimum or 0.0
    high = description.maximum if description.maximum is not None else low + 1_000
    return round(low + (high - low) * (k % 97) / 97, 3)


def twin_messages(engine: Engine, total: int, base: datetime) -> tuple[list[Message], int]:
    """One message per reporter of the twin (every asset and meter, all its metrics), then
    streetlight readings and cabinet batches up to `total`; every reading unique."""
    with engine.connect() as conn:
        reporters = [(row.id, row.type) for row in conn.execute(select(assets.c.id, assets.c.type))]
        reporters += [
            (meter_id, METER)
            for meter_id in conn.scalars(
                select(asset_parts.c.id).where(asset_parts.c.kind == METER_PART)
            )
        ]
        # A cabinet's gateway reports for the lights it feeds, and only those (issue #20).
        fed: dict[str, list[str]] = defaultdict(list)
        for cabinet, light in conn.execute(
            select(asset_parts.c.asset_id, asset_links.c.asset_id).join(
                asset_links, asset_links.c.target_id == asset_parts.c.id
            )
        ):
            fed[cabinet].append(light)
    lights = [asset_id for asset_id, kind in reporters if kind == "Streetlight"]
    cabinets = sorted(fed)
    messages: list[Message] = []
    rows = 0
    for k, (asset_id, kind) in enumerate(reporters):
        metrics = {key: valid_value(d, k) for key, d in METRICS[kind].items()}
        ts = (base + timedelta(milliseconds=len(messages))).isoformat()
        messages.append((topic_for(asset_id), msgspec.json.encode({"ts": ts, "metrics": metrics})))
        rows += len(metrics)
    k = 0
    while len(messages) < total:
        ts_of = base + timedelta(milliseconds=len(messages))
        if len(messages) % GATEWAY_EVERY == 0:
            cabinet = cabinets[k % len(cabinets)]
            its_lights = fed[cabinet]
            batch = []
            for j in range(GATEWAY_READINGS):
                ts = (ts_of + timedelta(microseconds=j)).isoformat()
                light = its_lights[(k + j) % len(its_lights)]
                batch.append({"asset": light, "ts": ts, "metrics": light_metrics(k)})
                k += 1
            payload = msgspec.json.encode({"readings": batch})
            messages.append((topic_for(cabinet), payload))
            rows += GATEWAY_READINGS * 5
        else:
            payload = msgspec.json.encode({"ts": ts_of.isoformat(), "metrics": light_metrics(k)})
            messages.append((topic_for(lights[k % len(lights)]), payload))
            rows += 5
            k += 1
    return messages, rows


# -- peers in their own processes (spawned), so they do not share the measured GIL ------------


def publish_process(url: str, path: str, rate: float, out: Any) -> None:
    """Publish the messages of `path` at QoS 1 (paced at `rate` msg/s if > 0) and report the
    wall-clock times of the first publish and of the last acknowledgement."""
    messages = msgspec.msgpack.decode(Path(path).read_bytes(), type=list[tuple[str, bytes]])
    client = Client(CallbackAPIVersion.VERSION2, protocol=MQTTProtocolVersion.MQTTv5)
    address = sign_in(client, url)
    # paho's own in-flight limit walks every message in flight on each acknowledgement
    # (O(window) per ack): the semaphore below keeps the window instead, and paho none.
    client.max_inflight_messages_set(0)
    client.max_queued_messages_set(0)
    slots = threading.Semaphore(PUBLISH_WINDOW)
    client.on_publish = lambda *_args: slots.release()
    client.connect(address.host, address.port)
    client.loop_start()
    mark = TS_MARK.encode()
    started = time.time()
    for k, (topic, payload) in enumerate(messages):
        if rate > 0:
            delay = started + k / rate - time.time()
            if delay > 0:
                time.sleep(delay)
            payload = payload.replace(mark, datetime.now(UTC).isoformat().encode())
        slots.acquire()
        client.publish(topic, payload, qos=1)
    for _ in range(PUBLISH_WINDOW):
        slots.acquire()
    finished = time.time()
    client.disconnect()
    client.loop_stop()
    out.put({"started": started, "finished": finished, "messages": len(messages)})


def join_share_group(client: Client, url: str, ready: Any) -> None:
    """Connect `client` and subscribe it to the ingest's shared subscription with the worker's
    Receive Maximum; `ready` is set once the broker confirms the subscription."""
    client.on_subscribe = lambda *_args: ready.set()
    client.on_connect = lambda c, *_args: c.subscribe(
        shared_subscription(), options=SubscribeOptions(qos=1)
    )
    properties = Properties(PacketTypes.CONNECT)
    properties.ReceiveMaximum = DEFAULT_INFLIGHT
    properties.SessionExpiryInterval = 0  # leave the share group when done
    address = sign_in(client, url)
    client.connect(address.host, address.port, clean_start=True, properties=properties)


def raw_subscribe_process(url: str, expected: int, ready: Any, out: Any) -> None:
    """Count deliveries at QoS 1 with no processing, through the same shared subscription
    and in-flight window as the ingest worker; report when the last one arrived."""
    client = Client(CallbackAPIVersion.VERSION2, "bench-raw", protocol=MQTTProtocolVersion.MQTTv5)
    done = threading.Event()
    state = {"count": 0, "last": 0.0}

    def on_message(*_args: Any) -> None:
        state["count"] += 1
        if state["count"] == expected:
            state["last"] = time.time()
            done.set()

    client.on_message = on_message
    join_share_group(client, url, ready)
    client.loop_start()
    done.wait(600)
    client.disconnect()
    client.loop_stop()
    out.put(dict(state))


# -- measurements ----------------------------------------------------------------------------


def _readings(engine: Engine) -> int:
    """Rows of `readings`. The bench stores and never deletes, so the highest rowid is the
    count; `count(*)` scanned an index of a million rows 20 times a second (~25% of a core
    taken from the processes measured)."""
    with engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT max(rowid) FROM readings").scalar() or 0)


def _write_messages(path: Path, messages: list[Message]) -> str:
    path.write_bytes(msgspec.msgpack.encode(messages))
    return str(path)


def measure_raw(ctx: Any, broker: LocalBroker, path: str, count: int) -> float:
    ready, results = ctx.Event(), ctx.Queue()
    subscriber = ctx.Process(target=raw_subscribe_process, args=(broker.url, count, ready, results))
    subscriber.start()
    if not ready.wait(30):
        raise RuntimeError("the raw subscriber did not subscribe")
    publisher_results = ctx.Queue()
    publisher = ctx.Process(target=publish_process, args=(broker.url, path, 0.0, publisher_results))
    publisher.start()
    published = publisher_results.get(timeout=600)
    received = results.get(timeout=600)
    publisher.join()
    subscriber.join()
    if received["count"] != count:
        raise RuntimeError(f"raw subscriber got {received['count']} of {count} messages")
    return count / (received["last"] - published["started"])


def _vm_peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure_mqtt_ingest(
    ctx: Any, broker: LocalBroker, engine: Engine, env: dict[str, str], path: str, rows: int
) -> tuple[float, float, float]:
    """(messages/s, readings/s, peak RSS in MB) of `vigie ingest` storing every message."""
    log = Path(env["VIGIE_VAR_DIR"]) / "ingest.log"
    worker = subprocess.Popen(
        [sys.executable, "-m", "vigie.cli.main", "ingest", "--client-id", CLIENT_ID],
        env={**env, "VIGIE_MQTT_URL": broker.url},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=log.open("ab"),
    )
    try:
        deadline = time.monotonic() + 60
        while "subscribed to" not in log.read_text(errors="replace"):
            if worker.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("vigie ingest did not start:\n" + log.read_text()[-2000:])
            time.sleep(0.05)
        target = _readings(engine) + rows
        results = ctx.Queue()
        publisher = ctx.Process(target=publish_process, args=(broker.url, path, 0.0, results))
        publisher.start()
        deadline = time.monotonic() + 600
        while _readings(engine) < target:
            if time.monotonic() > deadline:
                raise RuntimeError("ingest did not store every reading in 10 minutes")
            time.sleep(0.05)
        finished = time.time()
        published = results.get(timeout=60)
        publisher.join()
        peak_mb = _vm_peak_mb(worker.pid)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(60)
    elapsed = finished - published["started"]
    return published["messages"] / elapsed, rows / elapsed, peak_mb


def light_bodies(lights: list[tuple[str, float]], requests: int) -> list[bytes]:
    """JSON arrays of 1,000 sound luminaires' readings of 5 metrics each, for the hour of the
    run (lit at night); `lights` are (id, rated W). Every reading is unique."""
    now = datetime.now(UTC)
    base = now - timedelta(hours=3)
    lit = not SunTimes().is_daylight(DIJON_LON, DIJON_LAT, now, timedelta(0))
    bodies = []
    for r in range(requests):
        batch = []
        for i in range(1_000):
            asset_id, rated_w = lights[(r * 1_000 + i) % len(lights)]
            batch.append(
                {
                    "asset": asset_id,
                    "ts": (base + timedelta(microseconds=r * 1_000 + i)).isoformat(),
                    "metrics": healthy_light_metrics(r * 1_000 + i, rated_w, lit),
                }
            )
        bodies.append(msgspec.json.encode(batch))
    return bodies


def wait_healthy(base_url: str, alive: Callable[[], bool], timeout_s: float) -> None:
    """Until `GET /healthz` answers 200; fails if the server died or `timeout_s` passed."""
    deadline = time.monotonic() + timeout_s
    with httpx.Client(base_url=base_url, timeout=60) as probe:
        while True:
            try:
                if probe.get("/healthz").status_code == 200:
                    return
            except httpx.TransportError:
                if not alive() or time.monotonic() > deadline:
                    raise RuntimeError(f"the server at {base_url} did not start") from None
                time.sleep(0.2)


def post_bodies(
    base_url: str, path: str, bodies: list[bytes], headers: dict[str, str]
) -> tuple[int, float]:
    """POST every body from two client threads; (readings stored, as the answers count them,
    and the seconds it took)."""

    def post_all(share: list[bytes]) -> int:
        stored = 0
        with httpx.Client(base_url=base_url, timeout=120) as client:
            for body in share:
                response = client.post(path, content=body, headers=headers)
                if response.status_code != 202:
                    raise RuntimeError(f"{response.status_code}: {response.text[:300]}")
                stored += int(response.json()["stored"])
        return stored

    started = time.perf_counter()
    with ThreadPoolExecutor(2) as pool:
        stored = sum(pool.map(post_all, [bodies[0::2], bodies[1::2]]))
    return stored, time.perf_counter() - started


def measure_http(
    env: dict[str, str], token: str, lights: list[tuple[str, float]], requests: int
) -> float:
    """Readings (metric values) stored per second by `POST /api/v1/telemetry`, 1,000 readings
    of 5 metrics per request, from two client threads; `lights` are (id, rated W)."""
    bodies = light_bodies(lights, requests)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "vigie.cli.main", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    base_url = f"http://127.0.0.1:{port}"
    try:
        # A loaded machine may take a minute to start the server (the twin, the alarm engine).
        wait_healthy(base_url, lambda: server.poll() is None, 300)
        stored, elapsed = post_bodies(base_url, "/api/v1/telemetry", bodies, headers)
    finally:
        server.terminate()
        try:
            server.wait(120)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    if stored != requests * 1_000 * 5:
        raise RuntimeError(f"HTTP stored {stored} of {requests * 5_000} readings")
    return stored / elapsed


def measure_latency(
    ctx: Any, broker: LocalBroker, engine: Engine, lights: list[str], path: Path, seconds: float
) -> list[float]:
    """Milliseconds from publish to the pipeline's StateChanged on the bus, per message, at
    the Dijon peak rate, with the worker in this process."""
    count = int(PEAK_MSGS_PER_S * seconds)
    messages = [
        (
            topic_for(lights[k % len(lights)]),
            msgspec.json.encode({"ts": TS_MARK, "metrics": light_metrics(10_000_000 + k)}),
        )
        for k in range(count)
    ]
    latencies: list[float] = []
    seen: set[tuple[str, datetime]] = set()

    def on_change(event: StateChanged) -> None:
        key = (event.asset_id, event.ts)
        if key not in seen:
            seen.add(key)
            latencies.append((time.time() - event.ts.timestamp()) * 1000)

    bus = EventBus()
    bus.subscribe(StateChanged, on_change)
    pipeline = Pipeline(engine, SystemClock(), bus)
    freeze_long_lived_objects()  # as `vigie ingest` does
    settings = MqttSettings.from_env(url=broker.url, client_id=CLIENT_ID)
    with IngestWorker(pipeline, settings) as worker:
        if not worker.wait_subscribed(30):
            raise RuntimeError("the in-process worker did not subscribe")
        results = ctx.Queue()
        publisher = ctx.Process(
            target=publish_process,
            args=(broker.url, _write_messages(path, messages), PEAK_MSGS_PER_S, results),
        )
        publisher.start()
        results.get(timeout=seconds * 3 + 60)
        publisher.join()
        deadline = time.monotonic() + 30
        while len(latencies) < count and time.monotonic() < deadline:
            time.sleep(0.05)
    if len(latencies) != count:
        raise RuntimeError(f"{len(latencies)} of {count} messages changed the twin")
    return latencies


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def twin_store(database_url: str, seed: int, now: datetime) -> tuple[Engine, str, GeneratedCity]:
    """A fresh store holding the generated Dijon twin and a device's machine token."""
    engine = make_engine(database_url)
    upgrade_to_head(engine)
    with engine.begin() as conn:
        seed_reference_municipalities(conn)
        device = add_user(
            conn,
            username="gateway",
            password="bench-password",
            role=Role.DEVICE,
            actor="bench",
            now=now,
        )
        token, _ = issue_token(
            conn, user_id=device.id, kind="machine", name="bench", now=now, lifetime=None
        )
        city = generate_city(seed, 1.0, list_municipalities(conn))
        write_city(conn, city, now, "bench")
    return engine, token, city


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer messages, shorter runs")
    parser.add_argument("--seed", type=int, default=2017)
    args = parser.parse_args()
    total = 40_000 if args.quick else 100_000
    http_requests = 40 if args.quick else 200
    latency_s = 10.0 if args.quick else 30.0

    workdir = scratch_dir("vigie-bench-ingest-")
    database_url = f"sqlite:///{workdir / 'vigie.db'}"
    env = {**os.environ, "VIGIE_DATABASE_URL": database_url, "VIGIE_VAR_DIR": str(workdir)}
    now = datetime.now(UTC)
    engine, token, city = twin_store(database_url, args.seed, now)
    messages, rows = twin_messages(engine, total, now - timedelta(hours=1))
    lights = [a.id for a in city.assets if a.type == "Streetlight"]
    sizes = [len(payload) for _, payload in messages]
    print(
        f"Dijon twin: {len(city.assets):,} assets; {len(messages):,} messages "
        f"(median {statistics.median(sizes):.0f} B), {rows:,} readings"
    )
    path = _write_messages(workdir / "messages.msgpack", messages)
    ctx = mp.get_context("spawn")
    with LocalBroker(workdir / "broker") as broker:
        raw = measure_raw(ctx, broker, path, len(messages))
        print(f"(a) Mosquitto QoS 1 pub→sub, no processing: {raw:,.0f} msg/s")
        msgs_s, readings_s, peak_mb = measure_mqtt_ingest(ctx, broker, engine, env, path, rows)
        print(
            f"(b) vigie ingest QoS 1 into SQLite: {msgs_s:,.0f} msg/s, {readings_s:,.0f} "
            f"readings/s = {msgs_s / raw:.2f} of raw (goal ≥ {RATIO_GOAL})"
        )
        print(f"(e) peak RSS of vigie ingest over the whole twin: {peak_mb:.0f} MB")
        latencies = measure_latency(
            ctx, broker, engine, lights, workdir / "paced.msgpack", latency_s
        )
        p50, p99 = _percentile(latencies, 0.5), _percentile(latencies, 0.99)
        print(
            f"(d) publish → StateChanged at {PEAK_MSGS_PER_S} msg/s for {latency_s:.0f} s: "
            f"p50 {p50:.1f} ms, p99 {p99:.1f} ms (goal p99 < {LATENCY_P99_GOAL_MS:.0f} ms)"
        )
    rated = [
        (a.id, float(a.attributes["rated_power_w"])) for a in city.assets if a.type == "Streetlight"
    ]
    http = measure_http(env, token, rated, http_requests)
    print(
        f"(c) HTTP POST /api/v1/telemetry, 1,000 readings × 5 metrics per request: "
        f"{http:,.0f} readings/s (goal ≥ {HTTP_GOAL_READINGS_PER_S:,})"
    )
    engine.dispose()
    result = {
        "mosquitto_raw_msgs_per_s": round(raw),
        "mqtt_qos1_msgs_per_s": round(msgs_s),
        "mqtt_qos1_readings_per_s": round(readings_s),
        "mqtt_ratio_to_raw": round(msgs_s / raw, 3),
        "http_readings_per_s": round(http),
        "latency_p50_ms": round(p50, 2),
        "latency_p99_ms": round(p99, 2),
        "peak_rss_mb": round(peak_mb, 1),
        "messages": len(messages),
        "readings": rows,
        "latency_messages": len(latencies),
        "ratio_goal_met": msgs_s / raw >= RATIO_GOAL,
        "http_goal_met": http >= HTTP_GOAL_READINGS_PER_S,
        "latency_goal_met": p99 < LATENCY_P99_GOAL_MS,
        "quick": args.quick,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
