"""The floor under goals (b) and (c) of `bench/ingest.py`: how fast the least that any ingest
must do can go on this machine, measured in one run beside Mosquitto's raw rate and Vigie's own.

    python bench/ingest_floor.py [--quick] [--rounds N]

The least work, with none of Vigie's pipeline (no validation against the catalogue, no twin,
no events, no alarm engine, no rollups):
- MQTT (b): the same QoS 1 messages as `bench/ingest.py`, through the same shared subscription
  and Receive Maximum, taken by a paho subscriber with manual acknowledgements, in batches of
  Vigie's size and linger. `ack_only`: each batch is only acknowledged (what acknowledging
  after a commit costs on its own). `floor`: each batch is decoded (Vigie's own decoder),
  appended to the barest table that still deduplicates (key (asset, metric, ts), `WITHOUT
  ROWID`, nothing else) and committed, then acknowledged; once by one process, once by two
  sharing the subscription (each with a table of its own: no write lock shared).
- HTTP (c): the same request bodies as `bench/ingest.py` (1,000 readings × 5 metrics), the
  same two client threads, to a one-route Starlette app under uvicorn (the stack under FastAPI)
  that decodes each body and appends it to the same bare table, one commit per request.

Each round measures raw, ack_only, the floors and Vigie's `vigie ingest`, then the HTTP floor and
`vigie serve`, so that every ratio compares figures taken minutes apart. The last line printed
is one JSON object: the best round of each figure, and every round's figures.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import shutil
import sqlite3
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

import msgspec
from paho.mqtt.client import Client, MQTTMessage
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

from ingest import (
    HTTP_GOAL_READINGS_PER_S,
    RATIO_GOAL,
    join_share_group,
    light_bodies,
    measure_http,
    measure_mqtt_ingest,
    measure_raw,
    post_bodies,
    publish_process,
    twin_messages,
    twin_store,
    wait_healthy,
)
from scratch import scratch_dir
from vigie.adapters.mqtt.broker import LocalBroker, free_port
from vigie.adapters.mqtt.settings import DEFAULT_BATCH_MS, DEFAULT_BATCH_SIZE
from vigie.adapters.mqtt.worker import _send_pubacks, _telemetry_asset
from vigie.domains.installed import install_all
from vigie.protocol.telemetry import ReadingIn
from vigie.store.engine import make_engine
from vigie.store.types import micros
from vigie.telemetry.payloads import decode_json_array, decode_mqtt

install_all()  # the facilities, as the `vigie` command installs them

BARE_TABLE = (
    "CREATE TABLE IF NOT EXISTS readings (asset TEXT NOT NULL, metric TEXT NOT NULL,"
    " ts INTEGER NOT NULL, value, PRIMARY KEY (asset, metric, ts)) WITHOUT ROWID"
)
INSERT = "INSERT OR IGNORE INTO readings VALUES (?, ?, ?, ?)"

Row = tuple[str, str, int, object]


def open_bare_store(path: str) -> sqlite3.Connection:
    """The bare table, with the store settings Vigie uses (WAL, synchronous NORMAL)."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA cache_size=-65536")
    conn.execute(BARE_TABLE)
    return conn


def rows_of(readings: list[ReadingIn], topic_asset: str | None) -> list[Row]:
    """One row per metric value; booleans and numbers as numbers, the rest as text."""
    rows: list[Row] = []
    for reading in readings:
        asset = reading.asset or topic_asset or ""
        ts_us = micros(reading.ts)
        for metric, value in reading.metrics.items():
            rows.append((asset, metric, ts_us, value))
    return rows


def append(conn: sqlite3.Connection, rows: list[Row]) -> int:
    """Append in one transaction; how many rows were new."""
    before = conn.total_changes
    conn.execute("BEGIN")
    conn.executemany(INSERT, rows)
    conn.execute("COMMIT")
    return conn.total_changes - before


# -- (b) the floor subscriber, in a process of its own -----------------------------------------


class Progress(NamedTuple):
    """Shared by the floor subscribers of one measurement (they may be several processes)."""

    acknowledged: Any  # mp.Value("q"): messages acknowledged so far, by all
    stored: Any  # mp.Value("q"): readings stored so far, by all
    finished: Any  # mp.Value("d"): when the last message was acknowledged (epoch s)
    done: Any  # mp.Event: every message acknowledged
    stop: Any  # mp.Event: the measurement is over, disconnect


def floor_subscribe_process(
    url: str,
    mode: str,
    db_path: str,
    client_id: str,
    expected: int,
    progress: Progress,
    ready: Any,
) -> None:
    """Take the stream in batches of Vigie's size and linger and, by `mode`, only acknowledge
    each batch (`ack_only`) or decode, store and commit it first (`floor`). The batches are
    handled on paho's network thread (a linger timer flushes a batch that does not fill): in
    this experiment that was faster than handing the deliveries to a thread of their own, as
    `vigie ingest` does (the hand-off alone, acknowledging at once, halved the raw rate)."""
    conn = open_bare_store(db_path) if mode == "floor" else None
    client = Client(
        CallbackAPIVersion.VERSION2,
        client_id,
        protocol=MQTTProtocolVersion.MQTTv5,
        manual_ack=True,
    )
    pending: list[MQTTMessage] = []
    oldest = [0.0]
    lock = threading.Lock()
    linger_s = DEFAULT_BATCH_MS / 1000

    def flush() -> None:  # with `lock` held
        if conn is not None:
            rows: list[Row] = []
            for message in pending:
                asset = _telemetry_asset(message.topic)
                readings, _rejected = decode_mqtt(asset, bytes(message.payload))
                rows.extend(rows_of(readings, asset))
            stored = append(conn, rows)
            with progress.stored.get_lock():
                progress.stored.value += stored
        _send_pubacks(client, [m.mid for m in pending])
        with progress.acknowledged.get_lock():
            progress.acknowledged.value += len(pending)
            if progress.acknowledged.value >= expected and not progress.done.is_set():
                progress.finished.value = time.time()
                progress.done.set()
        pending.clear()

    def on_message(_client: Client, _userdata: Any, message: MQTTMessage) -> None:
        with lock:
            if not pending:
                oldest[0] = time.monotonic()
            pending.append(message)
            if len(pending) >= DEFAULT_BATCH_SIZE:
                flush()

    def linger() -> None:
        while not progress.stop.wait(linger_s / 2):
            with lock:
                if pending and time.monotonic() - oldest[0] >= linger_s:
                    flush()

    client.on_message = on_message
    join_share_group(client, url, ready)
    timer = threading.Thread(target=linger, daemon=True)
    timer.start()
    client.loop_start()
    progress.stop.wait(600)
    client.disconnect()
    client.loop_stop()


def measure_floor(
    ctx: Any,
    broker: LocalBroker,
    mode: str,
    path: str,
    workdir: Path,
    count: int,
    processes: int = 1,
) -> dict[str, float]:
    """Messages and readings per second of `processes` floor subscribers sharing the stream
    (each with a store file of its own: the most favourable case, no write lock shared)."""
    progress = Progress(
        ctx.Value("q", 0), ctx.Value("q", 0), ctx.Value("d", 0.0), ctx.Event(), ctx.Event()
    )
    subscribers = []
    for k in range(processes):
        ready = ctx.Event()
        db_path = str(workdir / f"floor-{mode}-{processes}-{k}-{time.monotonic_ns()}.db")
        subscriber = ctx.Process(
            target=floor_subscribe_process,
            args=(broker.url, mode, db_path, f"bench-{mode}-{k}", count, progress, ready),
        )
        subscriber.start()
        subscribers.append(subscriber)
        if not ready.wait(30):
            raise RuntimeError(f"the {mode} subscriber did not subscribe")
    publisher_results = ctx.Queue()
    publisher = ctx.Process(target=publish_process, args=(broker.url, path, 0.0, publisher_results))
    publisher.start()
    published = publisher_results.get(timeout=600)
    if not progress.done.wait(600):
        raise RuntimeError(f"{mode}: {progress.acknowledged.value} of {count} acknowledged")
    progress.stop.set()
    publisher.join()
    for subscriber in subscribers:
        subscriber.join(60)
    if progress.acknowledged.value != count:
        raise RuntimeError(f"{mode}: {progress.acknowledged.value} of {count} acknowledged")
    elapsed = progress.finished.value - published["started"]
    return {
        "msgs_per_s": count / elapsed,
        "readings_per_s": progress.stored.value / elapsed,
        "stored": progress.stored.value,
    }


# -- (c) the floor HTTP server, in a process of its own ----------------------------------------


def floor_http_process(port: int, db_path: str) -> None:
    """One route: decode the JSON array, append it, commit, answer with the count."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    conn = open_bare_store(db_path)
    write_lock = threading.Lock()

    def store(body: bytes) -> int:
        readings, rejected = decode_json_array(body)
        if rejected:
            raise ValueError(rejected[0].reason)
        rows = rows_of(readings, None)
        with write_lock:
            return append(conn, rows)

    async def telemetry(request: Request) -> JSONResponse:
        from starlette.concurrency import run_in_threadpool

        stored = await run_in_threadpool(store, await request.body())
        return JSONResponse({"stored": stored}, status_code=202)

    async def health(_request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    app = Starlette(
        routes=[Route("/telemetry", telemetry, methods=["POST"]), Route("/healthz", health)]
    )
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def measure_http_floor(ctx: Any, workdir: Path, bodies: list[bytes]) -> float:
    port = free_port()
    server = ctx.Process(
        target=floor_http_process, args=(port, str(workdir / f"http-{time.monotonic_ns()}.db"))
    )
    server.start()
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base_url, server.is_alive, 60)
        headers = {"Content-Type": "application/json"}
        stored, elapsed = post_bodies(base_url, "/telemetry", bodies, headers)
    finally:
        server.terminate()
        server.join(30)
    if stored != len(bodies) * 5_000:
        raise RuntimeError(f"the HTTP floor stored {stored} of {len(bodies) * 5_000} readings")
    return stored / elapsed


# -- the run ---------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer messages, one round")
    parser.add_argument("--rounds", type=int, default=None, help="rounds (default 2, quick 1)")
    parser.add_argument("--seed", type=int, default=2017)
    args = parser.parse_args()
    total = 40_000 if args.quick else 100_000
    http_requests = 40 if args.quick else 200
    rounds = args.rounds or (1 if args.quick else 2)

    workdir = scratch_dir("vigie-bench-ingest-floor-")
    template = workdir / "template.db"
    now = datetime.now(UTC)
    engine, token, city = twin_store(f"sqlite:///{template}", args.seed, now)
    messages, rows = twin_messages(engine, total, now - timedelta(hours=1))
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    lights = [
        (a.id, float(a.attributes["rated_power_w"])) for a in city.assets if a.type == "Streetlight"
    ]
    bodies = light_bodies(lights, http_requests)
    path = workdir / "messages.msgpack"
    path.write_bytes(msgspec.msgpack.encode(messages))
    print(f"{len(messages):,} messages, {rows:,} readings; {len(bodies)} HTTP bodies of 5,000")
    ctx = mp.get_context("spawn")
    figures: list[dict[str, float]] = []
    for round_no in range(1, rounds + 1):
        # Each round on a fresh copy of the store and a fresh broker: the same messages again
        # would only be duplicates, and `vigie ingest`'s persistent session would take its
        # share of the next round's stream while offline.
        round_dir = workdir / f"round-{round_no}"
        round_dir.mkdir()
        shutil.copyfile(template, round_dir / "vigie.db")
        database_url = f"sqlite:///{round_dir / 'vigie.db'}"
        env = {**os.environ, "VIGIE_DATABASE_URL": database_url, "VIGIE_VAR_DIR": str(round_dir)}
        engine = make_engine(database_url)
        with LocalBroker(round_dir / "broker") as broker:
            raw = measure_raw(ctx, broker, str(path), len(messages))
            ack = measure_floor(ctx, broker, "ack_only", str(path), round_dir, len(messages))
            floor = measure_floor(ctx, broker, "floor", str(path), round_dir, len(messages))
            floor_two = measure_floor(
                ctx, broker, "floor", str(path), round_dir, len(messages), processes=2
            )
            for measured in (floor, floor_two):
                if measured["stored"] != rows:
                    raise RuntimeError(f"a floor stored {measured['stored']} of {rows} readings")
            vigie_msgs, _vigie_readings, _peak = measure_mqtt_ingest(
                ctx, broker, engine, env, str(path), rows
            )
        http_floor = measure_http_floor(ctx, round_dir, bodies)
        vigie_http = measure_http(env, token, lights, http_requests)
        engine.dispose()
        figure = {
            "mosquitto_raw_msgs_per_s": round(raw),
            "ack_only_msgs_per_s": round(ack["msgs_per_s"]),
            "floor_msgs_per_s": round(floor["msgs_per_s"]),
            "floor_readings_per_s": round(floor["readings_per_s"]),
            "floor_ratio_to_raw": round(floor["msgs_per_s"] / raw, 3),
            "floor_2_processes_msgs_per_s": round(floor_two["msgs_per_s"]),
            "floor_2_processes_ratio_to_raw": round(floor_two["msgs_per_s"] / raw, 3),
            "ack_only_ratio_to_raw": round(ack["msgs_per_s"] / raw, 3),
            "mqtt_qos1_msgs_per_s": round(vigie_msgs),
            "mqtt_ratio_to_raw": round(vigie_msgs / raw, 3),
            "mqtt_ratio_to_floor": round(vigie_msgs / floor["msgs_per_s"], 3),
            "http_floor_readings_per_s": round(http_floor),
            "http_readings_per_s": round(vigie_http),
            "http_ratio_to_floor": round(vigie_http / http_floor, 3),
        }
        figures.append(figure)
        print(f"round {round_no}: " + ", ".join(f"{k} {v:,}" for k, v in figure.items()))
    best = {key: max(f[key] for f in figures) for key in figures[0]}
    result = {
        **best,
        "floor_ratio_goal_met": max(
            best["floor_ratio_to_raw"], best["floor_2_processes_ratio_to_raw"]
        )
        >= RATIO_GOAL,
        "http_floor_goal_met": best["http_floor_readings_per_s"] >= HTTP_GOAL_READINGS_PER_S,
        "messages": len(messages),
        "readings": rows,
        "rounds": figures,
        "quick": args.quick,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
