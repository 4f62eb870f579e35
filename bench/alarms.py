"""Alarm benchmark on the Dijon twin, against a real `vigie serve`:

(a) the latency from a reading's arrival to its alarm on the live stream
    (`GET /api/v1/alarms/stream`), at 10× the Dijon peak load: 11,000 readings a second
    offered as HTTP batches (`POST /api/v1/telemetry`, 100 readings per request, a device's
    machine token), almost all of them ordinary luminaire readings that raise nothing, and
    among them a known set of fault readings (a camera going offline) whose alarms are timed
    from the moment their request is sent to the moment the stream delivers the `raised`
    event;
(b) the time to correlate a 1,000-luminaire outage: a cabinet feeding 1,000 lights whose
    lights reported dark (1,000 lamp-failure alarms), then the cabinet's supply-loss
    reading — timed from that reading's request to the stream's last event attaching a
    light's alarm to the root.

    python bench/alarms.py [--quick]

Everything runs on this machine: a fresh SQLite store holding the generated Dijon twin (plus
the 1,000-light cabinet), the server as a subprocess on a free loopback port, the clients in
this process. Every reporter is booted first with the simulator's first reports, so nothing
is silent; the network and the signal controllers, expected every minute, are kept alive
while the benchmark runs. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2 as httpx
import msgspec

from scratch import scratch_dir
from vigie.adapters.mqtt.broker import free_port
from vigie.auth.roles import Role
from vigie.auth.tokens import issue_token
from vigie.auth.users import add_user
from vigie.domains.installed import install_all
from vigie.lab.city import generate_city, write_city
from vigie.lab.devices.base import Reading
from vigie.lab.devices.simulation import Simulation
from vigie.lab.devices.wire import http_bodies
from vigie.lab.faults.config import FaultConfig
from vigie.registry.assets import Link, NewAsset, Part, insert_assets
from vigie.registry.ids import part_urn
from vigie.registry.municipalities import list_municipalities, seed_reference_municipalities
from vigie.registry.snapshot import load_snapshot
from vigie.store.engine import make_engine
from vigie.store.migrate import upgrade_to_head

install_all()  # the facilities, as the `vigie` command installs them

PEAK_MSGS_PER_S = 1_100  # the Dijon peak (issue #3)
OFFERED_MSGS_PER_S = 10 * PEAK_MSGS_PER_S
BATCH_READINGS = 100
SENDERS = 4
LATENCY_P99_GOAL_MS = 250.0
BIG_CABINET_LIGHTS = 1_000
BIG_CABINET = "urn:ngsi-ld:StreetlightControlCabinet:21231:9000"
KEEP_ALIVE_TYPES = ("NetworkNode", "FibreLink", "TrafficSignalController")
KEEP_ALIVE_EVERY_S = 30.0
TELEMETRY = "/api/v1/telemetry"


# --- the store -----------------------------------------------------------------------------


def big_cabinet(template: NewAsset, light: NewAsset, lights: int) -> list[NewAsset]:
    """A cabinet like `template` with four feeders and `lights` luminaires like `light`."""
    code = "21231"
    feeders = [part_urn("StreetlightFeeder", code, 9000, n) for n in range(1, 5)]
    cabinet = msgspec.structs.replace(
        template,
        id=BIG_CABINET,
        municipality_code=code,
        name="Armoire 9000 (banc)",
        parts=tuple(
            Part(f, "feeder", f"Départ {n}", {"circuit": n}) for n, f in enumerate(feeders, 1)
        ),
        links=(),
    )
    made = [cabinet]
    for n in range(lights):
        made.append(
            msgspec.structs.replace(
                light,
                id=f"urn:ngsi-ld:Streetlight:{code}:9{n:05d}",
                municipality_code=code,
                name=f"Banc {n}",
                lon=template.lon + (n % 40) * 1e-4,
                lat=template.lat + (n // 40) * 1e-4,
                links=(Link("fed_by", feeders[n % 4]),),
            )
        )
    return made


@dataclass
class Setup:
    workdir: Path
    env: dict[str, str]
    device_token: str
    operator_token: str
    lights: list[str]
    cameras: list[str]
    big_lights: list[str]
    boot: list[Reading]
    keep_alive: list[Reading]


def prepare(seed: int) -> Setup:
    workdir = scratch_dir("vigie-bench-alarms-")
    database_url = f"sqlite:///{workdir / 'vigie.db'}"
    engine = make_engine(database_url)
    upgrade_to_head(engine)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        seed_reference_municipalities(conn)
        device = add_user(
            conn, username="gateway", password="bench-password", role=Role.DEVICE,
            actor="bench", now=now,
        )  # fmt: skip
        device_token, _ = issue_token(
            conn, user_id=device.id, kind="machine", name="bench", now=now, lifetime=None
        )
        operator = add_user(
            conn, username="operator", password="bench-password", role=Role.OPERATOR,
            actor="bench", now=now,
        )  # fmt: skip
        operator_token, _ = issue_token(
            conn, user_id=operator.id, kind="session", name="bench", now=now,
            lifetime=timedelta(hours=2),
        )  # fmt: skip
        city = generate_city(seed, 1.0, list_municipalities(conn))
        write_city(conn, city, now, "bench")
        template = next(a for a in city.assets if a.type == "StreetlightControlCabinet")
        light = next(a for a in city.assets if a.type == "Streetlight")
        extra = big_cabinet(template, light, BIG_CABINET_LIGHTS)
        insert_assets(conn, extra, now)
    # Every reporter's first report, as the simulator boots it (realistic values: nothing
    # in them raises an alarm).
    simulation = Simulation(
        load_snapshot(engine), seed=seed, start=datetime.now(UTC), faults=FaultConfig.none()
    )
    simulation.start()
    boot = simulation.drain()
    engine.dispose()
    keep = {a.id for a in city.assets if a.type in KEEP_ALIVE_TYPES}
    return Setup(
        workdir=workdir,
        env={**os.environ, "VIGIE_DATABASE_URL": database_url, "VIGIE_VAR_DIR": str(workdir)},
        device_token=device_token,
        operator_token=operator_token,
        lights=[a.id for a in city.assets if a.type == "Streetlight"],
        cameras=[a.id for a in city.assets if a.type == "Camera"],
        big_lights=[a.id for a in extra[1:]],
        boot=boot,
        keep_alive=[r for r in boot if r.asset_id in keep],
    )


# --- the server and the stream -------------------------------------------------------------


@contextmanager
def server(env: dict[str, str]) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "vigie.cli.main", "serve", "--port", str(port), "--no-access-log"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=5) as probe:
            for _ in range(600):
                try:
                    if probe.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if process.poll() is not None:
                    raise RuntimeError(f"vigie serve exited with {process.returncode}")
                time.sleep(0.1)
            else:
                raise RuntimeError("vigie serve did not answer within a minute")
        yield base
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()


@dataclass
class StreamEvent:
    at: float  # perf_counter when the event was read
    change: str
    alarm_id: int
    asset_id: str
    rule_id: str
    caused_by: int | None


@dataclass
class Stream:
    """Reads the live stream in a thread; keeps every alarm event with its arrival time."""

    base: str
    token: str
    events: list[StreamEvent] = field(default_factory=list)
    resyncs: int = 0
    connected: threading.Event = field(default_factory=threading.Event)
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> None:
        threading.Thread(target=self._read, name="sse", daemon=True).start()
        if not self.connected.wait(30):
            raise RuntimeError("the alarm stream did not connect")

    def _read(self) -> None:
        url = f"{self.base}/api/v1/alarms/stream"
        timeout = httpx.Timeout(10.0, read=None)
        with (
            httpx.Client(timeout=timeout) as client,
            client.stream("GET", url, params={"token": self.token}) as response,
        ):
            if response.status_code != 200:
                raise RuntimeError(f"stream: HTTP {response.status_code}")
            kind = ""
            for line in response.iter_lines():
                if self.stop.is_set():
                    return
                if line.startswith(": connected"):
                    self.connected.set()
                elif line.startswith("event: "):
                    kind = line[7:]
                elif line.startswith("data: "):
                    now = time.perf_counter()
                    if kind == "resync":
                        self.resyncs += 1
                    elif kind == "alarm":
                        data = msgspec.json.decode(line[6:])
                        alarm = data["alarm"]
                        event = StreamEvent(
                            now, data["change"], alarm["id"], alarm["asset_id"],
                            alarm["rule_id"], alarm["caused_by"],
                        )  # fmt: skip
                        with self.lock:
                            self.events.append(event)

    def snapshot(self) -> list[StreamEvent]:
        with self.lock:
            return list(self.events)

    def wait_for(self, predicate: Any, timeout_s: float) -> list[StreamEvent]:
        """Events so far, once `predicate(events)` holds (or the time is up)."""
        deadline = time.monotonic() + timeout_s
        while True:
            events = self.snapshot()
            if predicate(events) or time.monotonic() > deadline:
                return events
            time.sleep(0.02)


# --- sending -------------------------------------------------------------------------------


def post(client: httpx.Client, token: str, body: bytes) -> None:
    response = client.post(
        TELEMETRY,
        content=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    if response.status_code != 202:
        raise RuntimeError(f"telemetry refused: {response.status_code} {response.text[:300]}")


def send_readings(base: str, token: str, readings: Sequence[Reading]) -> None:
    with httpx.Client(base_url=base, timeout=120) as client:
        for body, _ in http_bodies(readings):
            post(client, token, body)


def refreshed(readings: Sequence[Reading], ts_s: float) -> list[Reading]:
    return [r._replace(ts_s=ts_s) for r in readings]


class KeepAlive:
    """Re-sends the boot reports of the devices expected every minute (with a fresh time),
    so that they do not fall silent while the benchmark runs."""

    def __init__(self, base: str, token: str, readings: Sequence[Reading]) -> None:
        self.base, self.token, self.readings = base, token, readings
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="keep-alive", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stop.wait(KEEP_ALIVE_EVERY_S):
            send_readings(self.base, self.token, refreshed(self.readings, time.time()))

    def close(self) -> None:
        self.stop.set()
        self.thread.join(60)


def _wire(asset: str, ts: str, metrics: dict[str, Any]) -> dict[str, Any]:
    return {"asset": asset, "ts": ts, "metrics": metrics}


def load_bodies(setup: Setup, seconds: float, faults: int) -> tuple[list[bytes], dict[int, str]]:
    """The request bodies of the load, and which request carries which camera's fault."""
    requests = int(seconds * OFFERED_MSGS_PER_S / BATCH_READINGS)
    every = max(1, requests // faults)
    base = datetime.now(UTC) - timedelta(seconds=2)
    bodies: list[bytes] = []
    carrying: dict[int, str] = {}
    lights = setup.lights
    k = 0
    for r in range(requests):
        ts = (base + timedelta(microseconds=r)).isoformat()
        batch = []
        for _ in range(BATCH_READINGS):
            # An ordinary report of a light switched off: nothing in it raises an alarm.
            metrics = {"on": False, "power_w": 0.3, "energy_wh": 2_000_000 + k}
            batch.append(_wire(lights[k % len(lights)], ts, metrics))
            k += 1
        if r % every == every // 2 and len(carrying) < faults:
            camera = setup.cameras[len(carrying)]
            batch[BATCH_READINGS // 2] = _wire(
                camera, ts, {"online": False, "video_ok": False, "bitrate_kbps": 0}
            )
            carrying[r] = camera
        bodies.append(msgspec.json.encode(batch))
    return bodies, carrying


@dataclass
class LoadResult:
    sent_at: dict[str, float]  # camera → when the request carrying its fault was sent
    readings: int
    seconds: float
    lags_ms: list[float]  # how long after its slot each request was sent


def offer_load(base: str, token: str, bodies: list[bytes], carrying: dict[int, str]) -> LoadResult:
    interval = BATCH_READINGS / OFFERED_MSGS_PER_S
    sent_at: dict[str, float] = {}
    lags: list[list[float]] = [[] for _ in range(SENDERS)]
    start = time.perf_counter() + 0.2

    def sender(k: int) -> None:
        with httpx.Client(base_url=base, timeout=120) as client:
            for r in range(k, len(bodies), SENDERS):
                slot = start + r * interval
                pause = slot - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
                lags[k].append((time.perf_counter() - slot) * 1000)
                camera = carrying.get(r)
                if camera is not None:
                    sent_at[camera] = time.perf_counter()
                post(client, token, bodies[r])

    threads = [threading.Thread(target=sender, args=(k,)) for k in range(SENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    return LoadResult(sent_at, len(bodies) * BATCH_READINGS, elapsed, [x for s in lags for x in s])


# --- the measures --------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def measure_latency(
    setup: Setup, base: str, stream: Stream, seconds: float, faults: int
) -> dict[str, Any]:
    bodies, carrying = load_bodies(setup, seconds, faults)
    load = offer_load(base, setup.device_token, bodies, carrying)
    wanted = set(carrying.values())

    def all_seen(events: list[StreamEvent]) -> bool:
        seen = {e.asset_id for e in events if e.change == "raised" and e.asset_id in wanted}
        return seen == wanted

    events = stream.wait_for(all_seen, 30.0)
    arrived: dict[str, float] = {}
    for event in events:
        if event.change == "raised" and event.rule_id == "cctv.camera_offline":
            arrived.setdefault(event.asset_id, event.at)
    latencies_ms = [
        (arrived[c] - load.sent_at[c]) * 1000 for c in wanted if c in arrived and c in load.sent_at
    ]
    return {
        "latencies_ms": latencies_ms,
        "missing": len(wanted) - len(latencies_ms),
        "achieved_msgs_per_s": load.readings / load.seconds,
        "lag_p99_ms": percentile(load.lags_ms, 0.99),
        "lag_max_ms": max(load.lags_ms),
        "requests": len(bodies),
    }


def measure_correlation(setup: Setup, base: str, stream: Stream) -> dict[str, Any]:
    lights = set(setup.big_lights)
    stamp = datetime.now(UTC).isoformat()
    dark = [_wire(a, stamp, {"on": True, "dim_pct": 100, "power_w": 0.0}) for a in lights]
    with httpx.Client(base_url=base, timeout=120) as client:
        post(client, setup.device_token, msgspec.json.encode(dark))

        def failures(events: list[StreamEvent]) -> int:
            return len(
                {
                    e.asset_id
                    for e in events
                    if e.change == "raised" and e.rule_id == "lighting.lamp_failure"
                    and e.asset_id in lights
                }
            )  # fmt: skip

        # lighting.lamp_failure waits 60 s (a switching report may precede the power one).
        events = stream.wait_for(lambda ev: failures(ev) == len(lights), 180.0)
        if failures(events) != len(lights):
            raise RuntimeError(f"only {failures(events)} lamp failures raised")
        resyncs = stream.resyncs
        loss = [_wire(BIG_CABINET, datetime.now(UTC).isoformat(), {"supply_v": 0.0})]
        started = time.perf_counter()
        post(client, setup.device_token, msgspec.json.encode(loss))
        posted = time.perf_counter()

        def root_of(events: list[StreamEvent]) -> int | None:
            return next(
                (
                    e.alarm_id
                    for e in events
                    if e.asset_id == BIG_CABINET and e.rule_id == "lighting.cabinet_supply_loss"
                ),
                None,
            )

        def attached(events: list[StreamEvent]) -> list[StreamEvent]:
            root = root_of(events)
            return [
                e
                for e in events
                if root is not None and e.change == "correlated" and e.caused_by == root
                and e.asset_id in lights and e.at >= started
            ]  # fmt: skip

        events = stream.wait_for(lambda ev: len(attached(ev)) >= len(lights), 60.0)
        done = attached(events)
        root_at = next(
            (e.at for e in events if e.asset_id == BIG_CABINET and e.at >= started), None
        )
        result: dict[str, Any] = {
            "attached": len({e.asset_id for e in done}),
            "resyncs": stream.resyncs - resyncs,
            "post_s": posted - started,
            "root_s": None if root_at is None else root_at - started,
        }
        if len(done) >= len(lights):
            result["correlate_s"] = max(e.at for e in done) - started
            return result
        # Events lost on the way (a resync): ask the API when the root holds all its lights.
        root = root_of(events)
        if root is not None:
            headers = {"Authorization": f"Bearer {setup.operator_token}"}
            while time.perf_counter() - started < 60:
                found = client.get(f"/api/v1/alarms/{root}", headers=headers).json()
                if found.get("children_total") == len(lights):
                    result["correlate_s"] = time.perf_counter() - started
                    result["from_api"] = True
                    break
                time.sleep(0.05)
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a shorter load, fewer faults")
    parser.add_argument("--seed", type=int, default=2017)
    args = parser.parse_args()
    seconds, faults = (10.0, 80) if args.quick else (30.0, 240)

    began = time.perf_counter()
    setup = prepare(args.seed)
    print(
        f"Dijon twin + a {BIG_CABINET_LIGHTS:,}-light cabinet in {setup.workdir} (removed at "
        f"the end unless VIGIE_BENCH_KEEP=1); {len(setup.boot):,} boot reports "
        f"({time.perf_counter() - began:.0f} s)",
        flush=True,
    )
    with server(setup.env) as base:
        stream = Stream(base, setup.operator_token)
        stream.start()
        send_readings(base, setup.device_token, refreshed(setup.boot, time.time()))
        keep_alive = KeepAlive(base, setup.device_token, setup.keep_alive)
        try:
            correlation = measure_correlation(setup, base, stream)
            print(
                f"(b) 1,000-light cabinet: supply loss → root alarm "
                f"{_s(correlation['root_s'])}, all {correlation['attached']:,} lights' alarms "
                f"attached on the stream {_s(correlation.get('correlate_s'))} "
                f"(the request itself {_s(correlation['post_s'])}; "
                f"resyncs {correlation['resyncs']})",
                flush=True,
            )
            latency = measure_latency(setup, base, stream, seconds, faults)
        finally:
            keep_alive.close()
            stream.stop.set()
    values = latency["latencies_ms"]
    p50 = statistics.median(values) if values else None
    p99 = percentile(values, 0.99) if values else None
    print(
        f"(a) {latency['achieved_msgs_per_s']:,.0f} readings/s achieved of "
        f"{OFFERED_MSGS_PER_S:,} offered ({latency['requests']:,} requests of "
        f"{BATCH_READINGS}, sent after their slot by p99 {latency['lag_p99_ms']:.0f} ms, "
        f"at most {latency['lag_max_ms']:.0f} ms); {len(values)} fault readings "
        f"timed ({latency['missing']} missing): reading → alarm on the stream "
        f"p50 {_ms(p50)}, p99 {_ms(p99)} (goal p99 < {LATENCY_P99_GOAL_MS:.0f} ms)",
        flush=True,
    )
    result = {
        "alarm_latency_p50_ms": None if p50 is None else round(p50, 1),
        "alarm_latency_p99_ms": None if p99 is None else round(p99, 1),
        "correlate_1000_s": (
            None if correlation.get("correlate_s") is None else round(correlation["correlate_s"], 3)
        ),
        "latency_goal_met": p99 is not None and p99 < LATENCY_P99_GOAL_MS,
        "offered_msgs_per_s": OFFERED_MSGS_PER_S,
        "achieved_msgs_per_s": round(latency["achieved_msgs_per_s"]),
        "send_lag_p99_ms": round(latency["lag_p99_ms"], 1),
        "faults_timed": len(values),
        "faults_missing": latency["missing"],
        "stream_resyncs": stream.resyncs,
        "quick": args.quick,
        "elapsed_s": round(time.perf_counter() - began, 1),
    }
    print(json.dumps(result))


def _s(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f} s"


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} ms"


if __name__ == "__main__":
    main()
