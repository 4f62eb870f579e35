"""GET /healthz: the store answers, and every background service of the runtime is listed."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_health_lists_the_runtime_services(client: TestClient) -> None:
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    names = [service["name"] for service in body["services"]]
    assert names[:2] == ["alarms", "pipeline"]
    assert all(service["ok"] for service in body["services"])
