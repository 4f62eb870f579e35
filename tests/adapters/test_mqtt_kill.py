"""The kill test: `vigie ingest` killed (SIGKILL) in the middle of a stream and restarted
stores every message exactly once: what it acknowledged was committed, what it had not
acknowledged is redelivered to its session, and what is redelivered after a commit is a
duplicate the store keeps once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy.engine import Engine

from tests.adapters.checks import count, dead_letter_count, wait_until
from tests.adapters.devices import LIGHT_METRICS, light_message
from tests.mosquitto import Publisher
from vigie.adapters.mqtt.broker import LocalBroker

MESSAGES = 6_000
CHUNK = 200


def _start_ingest(store: Engine, broker: LocalBroker, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "VIGIE_DATABASE_URL": store.url.render_as_string(hide_password=False),
        "VIGIE_MQTT_URL": broker.url,
        "VIGIE_MQTT_CLIENT_ID": "vigie-ingest-kill-test",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "vigie.cli.main", "ingest", "--batch-size", "500"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=log.open("ab"),
    )
    wait_until(
        lambda: "subscribed to" in log.read_text(errors="replace") or process.poll() is not None,
        timeout_s=30,
        what="the ingest process to subscribe",
    )
    assert process.poll() is None, log.read_text(errors="replace")
    return process


def test_a_killed_worker_loses_nothing_and_stores_nothing_twice(
    store: Engine, mosquitto: LocalBroker, tmp_path: Path
) -> None:
    log = tmp_path / "ingest.log"
    expected = MESSAGES * LIGHT_METRICS
    messages = [light_message(n) for n in range(MESSAGES)]

    def publish_stream() -> None:
        with Publisher(mosquitto.url) as device:
            for start in range(0, MESSAGES, CHUNK):
                device.publish(messages[start : start + CHUNK])
                time.sleep(0.02)  # a steady stream rather than one burst

    worker = _start_ingest(store, mosquitto, log)
    with ThreadPoolExecutor(1) as pool:
        publishing = pool.submit(publish_stream)
        try:
            wait_until(lambda: count(store) >= expected // 3, what="a third of the stream")
            worker.send_signal(signal.SIGKILL)
            worker.wait(10)
            stored_at_kill = count(store)
            worker = _start_ingest(store, mosquitto, log)
            publishing.result(timeout=60)
            wait_until(lambda: count(store) == expected, timeout_s=30, what="every reading")
        finally:
            worker.send_signal(signal.SIGTERM)
            exit_code = worker.wait(20)

    assert stored_at_kill < expected, "the kill came too late to prove anything"
    assert count(store) == expected  # readings are unique by (asset, metric, ts): once each
    assert dead_letter_count(store) == 0
    output = log.read_text(errors="replace")
    assert exit_code == 0, output
    assert "session resumed" in output
    assert "stopped:" in output
