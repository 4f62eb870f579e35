"""The product without the lab: `pip install -c requirements.lock .` (no extras) into a fresh
virtual environment has no SUMO, and its `vigie serve` starts, logs in, ingests a reading
over HTTP and one over MQTT, raises an alarm and has a command acknowledged by a device.

The package is built from a copy of the sources (pip builds in the tree it is given); pip
reaches the package index through its ordinary configuration, the lock's pins as constraints.
"""

from __future__ import annotations

import os
import queue
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec
from paho.mqtt.client import Client, MQTTMessage
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

from tests.mosquitto import Publisher, mosquitto
from tests.web.server import START_TIMEOUT_S, Server, free_port
from vigie.adapters.mqtt.broker import LocalBroker
from vigie.adapters.mqtt.settings import sign_in
from vigie.protocol.commands import COMMAND_FILTER, ack_topic, encode_ack
from vigie.protocol.topics import parse_topic, topic_for

__all__ = ["mosquitto"]
REPO = Path(__file__).resolve().parents[1]
PASSWORD = "correct horse battery"
CABINET = {
    "type": "StreetlightControlCabinet",
    "name": "Armoire rue de la Liberté",
    "municipality_code": "21231",
    "lon": 5.0415,
    "lat": 47.3220,
    "attributes": {"supply_kva": 36.0, "feeder_count": 4},
}


def _run(*command: str | Path, env: dict[str, str] | None = None, timeout: float = 600) -> str:
    done = subprocess.run(
        [str(part) for part in command],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, f"{command}: {done.stdout[-2000:]}{done.stderr[-2000:]}"
    return done.stdout


def _product_venv(tmp: Path) -> Path:
    """A fresh virtual environment with Vigie installed without extras; its bin folder."""
    source = tmp / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "requirements.lock"):
        shutil.copy2(REPO / name, source / name)
    shutil.copytree(
        REPO / "src",
        source / "src",
        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"),
    )
    _run(sys.executable, "-m", "venv", tmp / "venv")
    bin_dir = tmp / "venv" / "bin"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    _run(
        bin_dir / "python", "-m", "pip", "install", "--quiet",
        "-c", source / "requirements.lock", source,
        env=env,
    )  # fmt: skip
    return bin_dir


def _wait_for(what: str, found: Callable[[], Any], timeout_s: float = 30.0) -> Any:
    """found()'s first truthy answer; the bound only stops a hung test."""
    deadline = time.monotonic() + timeout_s
    while not (answer := found()):
        assert time.monotonic() < deadline, f"{what}: not reached in {timeout_s:.0f} s"
        time.sleep(0.1)
    return answer


class Device:
    """The cabinet on the broker: answers every command it receives with `acknowledged`."""

    def __init__(self, url: str) -> None:
        self.received: queue.SimpleQueue[str] = queue.SimpleQueue()
        self._subscribed = queue.SimpleQueue[bool]()
        client = Client(
            CallbackAPIVersion.VERSION2, client_id="cabinet", protocol=MQTTProtocolVersion.MQTTv5
        )
        address = sign_in(client, url)
        client.on_message = self._on_message
        client.on_subscribe = lambda *_args: self._subscribed.put(True)
        client.connect(address.host, address.port)
        client.loop_start()
        client.subscribe(COMMAND_FILTER, qos=1)
        self._subscribed.get(timeout=10)
        self._client = client

    def _on_message(self, client: Client, _userdata: Any, message: MQTTMessage) -> None:
        topic = parse_topic(message.topic)
        assert topic is not None and topic.channel == "cmd"
        command = msgspec.json.decode(message.payload)
        self.received.put(command["action"])
        now = datetime.now(UTC).isoformat(timespec="microseconds")
        client.publish(ack_topic(topic.asset_id), encode_ack(command["id"], "acknowledged", now))

    def close(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()


def _start_serve(bin_dir: Path, env: dict[str, str], port: int, log_path: Path) -> Server:
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [bin_dir / "vigie", "serve"], env=env, stdout=log, stderr=subprocess.STDOUT
        )
    server = Server(f"http://127.0.0.1:{port}", process, log_path)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        assert process.poll() is None, f"vigie serve exited: {log_path.read_text()[-2000:]}"
        try:
            if server.request("GET", "/healthz")[0] == 200:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    server.stop()
    raise AssertionError(f"vigie serve did not answer: {log_path.read_text()[-2000:]}")


def test_the_product_installed_without_the_lab_serves_ingests_alarms_and_commands(
    tmp_path: Path, mosquitto: LocalBroker
) -> None:
    bin_dir = _product_venv(tmp_path)
    for module in ("sumo", "libsumo", "traci"):
        absent = subprocess.run(
            [bin_dir / "python", "-c", f"import {module}"], capture_output=True, check=False
        )
        assert absent.returncode != 0, f"{module} is importable without the lab extra"

    port = free_port()
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.pop("VIGIE_MAP_STYLE_URL", None)
    env.update(
        VIGIE_VAR_DIR=str(var_dir),
        VIGIE_DATABASE_URL=f"sqlite:///{var_dir / 'vigie.db'}",
        VIGIE_HTTP_HOST="127.0.0.1",
        VIGIE_HTTP_PORT=str(port),
        VIGIE_MQTT_URL=mosquitto.url,
        VIGIE_MQTT_CLIENT_ID="vigie-product-smoke",
        VIGIE_NEW_PASSWORD=PASSWORD,
    )
    _run(bin_dir / "vigie", "db", "upgrade", env=env)
    _run(bin_dir / "vigie", "users", "add", "ada", "--role", "admin", env=env)
    _run(bin_dir / "vigie", "users", "add", "gateway", "--role", "device", env=env)
    machine = _run(bin_dir / "vigie", "users", "token", "gateway", "--name", "gateway", env=env)
    machine_token = machine.strip().splitlines()[-1]
    server = _start_serve(bin_dir, env, port, var_dir / "serve.log")
    device = Device(mosquitto.url)
    try:
        token = server.login("ada", PASSWORD)
        status, cabinet = server.request("POST", "/api/v1/assets", token=token, body=CABINET)
        assert status == 201, cabinet
        asset_id = cabinet["id"]

        # Over HTTP: the mains are fine. Over MQTT: the breaker trips.
        now = datetime.now(UTC).isoformat()
        reading = {"asset": asset_id, "ts": now, "metrics": {"supply_v": 231.0}}
        assert server.post_telemetry(machine_token, [reading])["stored"] == 1
        tripped = {"ts": datetime.now(UTC).isoformat(), "metrics": {"breaker_tripped": True}}
        with Publisher(mosquitto.url) as publisher:
            publisher.publish([(topic_for(asset_id), msgspec.json.encode(tripped))])

        def latest() -> dict[str, Any] | None:
            status, body = server.request("GET", f"/api/v1/assets/{asset_id}/state", token=token)
            found = status == 200 and body
            return body if found and "breaker_tripped" in str(body) else None

        _wait_for("the MQTT reading in the twin", latest)

        def alarm() -> list[dict[str, Any]]:
            status, body = server.request("GET", f"/api/v1/alarms?asset={asset_id}", token=token)
            assert status == 200, body
            return [a for a in body["items"] if a["rule_id"] == "lighting.cabinet_breaker_tripped"]

        assert _wait_for("the breaker alarm", alarm)[0]["state"] == "raised"

        body = {
            "domain": "lighting",
            "action": "switch",
            "params": {"on": True},
            "target": {"assets": [asset_id]},
        }
        status, command = server.request("POST", "/api/v1/commands", token=token, body=body)
        assert status in (200, 201, 202), command

        def acknowledged() -> bool:
            path = f"/api/v1/commands/{command['id']}/devices"
            status, devices = server.request("GET", path, token=token)
            assert status == 200, devices
            return any(d["status"] == "acknowledged" for d in devices["items"])

        _wait_for("the command acknowledged", acknowledged)
        assert device.received.get_nowait() == "switch"
    finally:
        device.close()
        server.stop()
