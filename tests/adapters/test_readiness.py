"""Issue #20, finding 7: `/healthz` said ok while MQTT intake was stuck. `/readyz` answers 503
(and `/healthz` "degraded") once the server's intake holds messages and has stored nothing for
`VIGIE_INTAKE_STALL_S`; it is ready again when readings flow."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from tests.adapters.checks import allow_inserts, count, refuse_inserts, wait_until
from tests.adapters.devices import LIGHT_METRICS, light_message
from tests.mosquitto import Publisher
from vigie.adapters.mqtt.broker import LocalBroker
from vigie.core.settings import Settings
from vigie.server.app import create_app


def test_readiness_says_when_intake_is_stuck(
    store: Engine, mosquitto: LocalBroker, tmp_path: Path
) -> None:
    settings = Settings(
        database_url=str(store.url), var_dir=tmp_path, mqtt_url=mosquitto.url, intake_stall_s=0.5
    )
    with TestClient(create_app(settings, engine=store)) as client:
        assert client.get("/readyz").status_code == 200
        refuse_inserts(store, "readings", "1 = 1")
        refuse_inserts(store, "dead_letters", "1 = 1")
        try:
            with Publisher(mosquitto.url) as device:
                device.publish([light_message(1)])
            wait_until(lambda: client.get("/readyz").status_code == 503, what="not ready")
            body = client.get("/readyz").json()
            intake = next(s for s in body["services"] if not s["ok"])
            assert intake["detail"].startswith("nothing stored for")
            assert intake["backlog"] == 1
            health = client.get("/healthz")
            assert health.status_code == 200 and health.json()["status"] == "degraded"
        finally:
            allow_inserts(store, "readings")
            allow_inserts(store, "dead_letters")
        wait_until(lambda: count(store) == LIGHT_METRICS, timeout_s=30, what="the reading")
        wait_until(lambda: client.get("/readyz").status_code == 200, what="ready again")
