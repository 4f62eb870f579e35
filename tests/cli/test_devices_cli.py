"""`vigie devices credentials`, end to end: the demo's broker (under the var directory) takes
the credentials the command issues, and refuses them within seconds of their revocation."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from paho.mqtt.client import Client
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from typer.testing import CliRunner

from tests.builders import seed_small_network
from vigie.adapters.mqtt.broker import LocalBroker
from vigie.cli.main import app
from vigie.registry.municipalities import seed_reference_municipalities
from vigie.store.engine import make_engine
from vigie.store.migrate import upgrade_to_head

LIGHT = "urn:ngsi-ld:Streetlight:21231:1"


@pytest.fixture
def demo_broker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalBroker]:
    url = f"sqlite:///{tmp_path / 'vigie.db'}"
    monkeypatch.setenv("VIGIE_DATABASE_URL", url)
    monkeypatch.setenv("VIGIE_VAR_DIR", str(tmp_path))
    engine = make_engine(url)
    upgrade_to_head(engine)
    with engine.begin() as conn:
        seed_reference_municipalities(conn)
        seed_small_network(conn, datetime.now(UTC))
    engine.dispose()
    with LocalBroker(tmp_path / "mosquitto") as broker:  # where `vigie demo` runs its broker
        yield broker


def _connects(broker: LocalBroker, username: str, password: str) -> bool:
    answered = threading.Event()
    codes = []
    client = Client(
        CallbackAPIVersion.VERSION2, client_id=f"cli-{username}",
        protocol=MQTTProtocolVersion.MQTTv5,
    )  # fmt: skip
    client.username_pw_set(username, password)

    def on_connect(*args: object) -> None:
        codes.append(args[3])
        answered.set()

    client.on_connect = on_connect
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    try:
        assert answered.wait(10), "no CONNACK"
        return not codes[0].is_failure  # type: ignore[attr-defined]
    finally:
        client.loop_stop()
        client.disconnect()


def _within_seconds(condition: object, timeout_s: float = 5.0) -> bool:
    """Whether `condition()` holds within a few seconds (the broker re-reads on SIGHUP)."""
    deadline = time.monotonic() + timeout_s
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def test_issued_credentials_work_and_revoked_ones_stop(demo_broker: LocalBroker) -> None:
    issued = CliRunner().invoke(app, ["devices", "credentials", LIGHT])
    assert issued.exit_code == 0, issued.output
    assert "The broker re-read" in issued.output
    username = re.search(r"username: (\S+)", issued.output).group(1)  # type: ignore[union-attr]
    password = re.search(r"password: (\S+)", issued.output).group(1)  # type: ignore[union-attr]
    assert username == "Streetlight.21231.1"
    assert _within_seconds(lambda: _connects(demo_broker, username, password))
    assert not _connects(demo_broker, username, "guessed")

    revoked = CliRunner().invoke(app, ["devices", "credentials", LIGHT, "--revoke"])
    assert revoked.exit_code == 0, revoked.output
    assert _within_seconds(lambda: not _connects(demo_broker, username, password))
    again = CliRunner().invoke(app, ["devices", "credentials", LIGHT, "--revoke"])
    assert again.exit_code == 1 and "no credentials in force" in again.output


def test_credentials_are_refused_for_an_unknown_device(demo_broker: LocalBroker) -> None:
    result = CliRunner().invoke(
        app, ["devices", "credentials", "urn:ngsi-ld:Streetlight:21231:999"]
    )
    assert result.exit_code == 1 and "no device" in result.output
