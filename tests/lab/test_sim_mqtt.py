"""The simulator against a real Mosquitto broker: telemetry on the protocol's topics (gateway
batches on cabinet topics), a command obeyed and acknowledged, and `vigie sim run`."""

from __future__ import annotations

import contextlib
import json
import queue
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from tests.lab.test_sim_twin import write_small_city
from vigie.adapters.mqtt.settings import sign_in
from vigie.cli.sim import app, parse_duration
from vigie.lab.faults.config import FaultConfig
from vigie.lab.runner import RunConfig, run
from vigie.lab.transport import MqttLink, MqttSender
from vigie.protocol.topics import parse_topic, topic_for
from vigie.registry.snapshot import load_snapshot
from vigie.telemetry.payloads import decode_mqtt

MOSQUITTO = Path("/usr/sbin/mosquitto")
NIGHT = datetime(2026, 1, 5, 21, 30, tzinfo=UTC)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[str]:
    if not MOSQUITTO.exists():
        pytest.fail("mosquitto is not installed: make test installs it")
    port = _free_port()
    config = tmp_path / "mosquitto.conf"
    config.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
    process = subprocess.Popen(
        [str(MOSQUITTO), "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"mqtt://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=5)


def _listener(url: str) -> tuple[mqtt.Client, queue.SimpleQueue[mqtt.MQTTMessage]]:
    received: queue.SimpleQueue[mqtt.MQTTMessage] = queue.SimpleQueue()
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="test-listener")
    client.on_message = lambda _c, _u, message: received.put(message)
    address = sign_in(client, url)
    client.connect(address.host, address.port)
    client.subscribe("vigie/#", qos=1)
    client.loop_start()
    time.sleep(0.2)
    return client, received


def test_devices_talk_mqtt_and_obey_a_command(broker: str, sqlite_engine: Engine) -> None:
    write_small_city(sqlite_engine)
    twin = load_snapshot(sqlite_engine)
    light = twin.of_type("Streetlight")[0]
    listener, received = _listener(broker)
    link = MqttLink(broker, client_id="test-sim")
    # Open-ended at 60× real time: it runs until the command is acknowledged.
    config = RunConfig(seed=1, speed=60.0, start=NIGHT, faults=FaultConfig.none())
    stop = threading.Event()
    result: dict[str, object] = {}
    worker = threading.Thread(
        target=lambda: result.update(
            run(sqlite_engine, config, MqttSender(link), commands=link, stop=stop, twin=twin)
        )
    )
    worker.start()
    messages: list[mqtt.MQTTMessage] = []
    ack_topic = topic_for(light.id, "cmd/ack")
    try:
        command = {"id": "cmd-1", "action": "set_level", "level_pct": 100}
        listener.publish(topic_for(light.id, "cmd"), json.dumps(command), qos=1)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not any(m.topic == ack_topic for m in messages):
            with contextlib.suppress(queue.Empty):
                messages.append(received.get(timeout=0.2))
    finally:
        stop.set()
        worker.join(timeout=20)
        time.sleep(0.2)  # the last messages reach the listener
        listener.loop_stop()
        listener.disconnect()
    while not received.empty():
        messages.append(received.get())
    acks = [m for m in messages if m.topic == topic_for(light.id, "cmd/ack")]
    assert len(acks) == 1
    assert json.loads(acks[0].payload) | {"ts": None} == {
        "id": "cmd-1", "status": "acknowledged", "ts": None,
    }  # fmt: skip
    telemetry = [m for m in messages if m.topic.endswith("/telemetry")]
    decoded = []
    for message in telemetry:
        topic = parse_topic(message.topic)
        assert topic is not None
        readings, rejected = decode_mqtt(topic.asset_id, message.payload)
        assert rejected == []
        decoded += readings
    gateways = {m.topic for m in telemetry if b'"readings"' in m.payload}
    assert any("/StreetlightControlCabinet/" in topic for topic in gateways)
    mine = [r for r in decoded if r.asset == light.id and r.metrics.get("dim_pct") == 100]
    assert mine  # the light reported its new level
    delivery = result["delivery"]
    assert isinstance(delivery, dict)
    assert delivery["readings_delivered"] == result["readings"]
    assert len(decoded) == result["readings"]


def test_vigie_sim_run_over_mqtt(
    broker: str, sqlite_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_small_city(sqlite_engine)
    monkeypatch.setenv("VIGIE_DATABASE_URL", str(sqlite_engine.url))
    monkeypatch.setenv("VIGIE_VAR_DIR", str(tmp_path / "var"))
    totals = tmp_path / "totals.json"
    outcome = CliRunner().invoke(
        app,
        [
            "run", "--via", "mqtt", "--mqtt-url", broker, "--speed", "600", "--duration", "5m",
            "--start", NIGHT.isoformat(), "--faults", "0", "--totals", str(totals), "--quiet",
        ],
    )  # fmt: skip
    assert outcome.exit_code == 0, outcome.output
    written = json.loads(totals.read_text())
    assert written["readings"] > 1_000
    assert written["delivery"]["readings_delivered"] == written["readings"]
    assert written["energy_wh"]["by_type"]["Streetlight"] > 0
    assert (tmp_path / "var" / "sim" / "ground_truth.jsonl").exists()


def test_http_needs_a_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VIGIE_SIM_TOKEN", raising=False)
    outcome = CliRunner().invoke(app, ["run", "--via", "http", "--duration", "1h"])
    assert outcome.exit_code == 2
    assert "machine token" in outcome.output


def test_durations() -> None:
    assert parse_duration("10h") == timedelta(hours=10)
    assert parse_duration("1h30m") == timedelta(minutes=90)
    assert parse_duration("2d") == timedelta(days=2)
    assert parse_duration("45") == timedelta(seconds=45)
    for bad in ("soon", "0", "-3h", "3 fortnights"):
        with pytest.raises(ValueError):
            parse_duration(bad)
