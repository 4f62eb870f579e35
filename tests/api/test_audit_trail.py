"""Every write leaves who, when, what, before and after; refused writes leave nothing."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from tests.api.conftest import auth
from vigie.core.clock import ManualClock

LIGHT = "urn:ngsi-ld:Streetlight:21231:2"


def test_update_and_retire_are_audited_with_before_and_after(
    client: TestClient, clock: ManualClock
) -> None:
    clock.advance(timedelta(minutes=5))
    client.patch(
        f"/api/v1/assets/{LIGHT}",
        json={"attributes": {"rated_power_w": 35}},
        headers=auth(client, "theo"),
    )
    clock.advance(timedelta(minutes=5))
    client.patch(f"/api/v1/assets/{LIGHT}", json={"links": []}, headers=auth(client, "sam"))
    client.post(f"/api/v1/assets/{LIGHT}/retire", headers=auth(client, "sam"))

    trail = client.get(f"/api/v1/assets/{LIGHT}/audit", headers=auth(client, "ada")).json()["items"]
    assert [(e["action"], e["actor"]) for e in trail] == [
        ("asset.retire", "sam"),
        ("asset.update", "sam"),
        ("asset.update", "theo"),
        ("asset.create", "test"),
    ]
    power_change = trail[2]
    assert power_change["before"]["attributes"]["rated_power_w"] == 40.0
    assert power_change["after"]["attributes"]["rated_power_w"] == 35.0
    assert power_change["at"].startswith("2026-03-02T08:05:00")
    assert trail[0]["before"]["status"] == "active" and trail[0]["after"]["status"] == "retired"


def test_refused_writes_leave_no_audit_entry(client: TestClient) -> None:
    admin = auth(client, "ada")
    before = client.get("/api/v1/audit?limit=1000", headers=admin).json()["items"]
    client.patch(
        f"/api/v1/assets/{LIGHT}", json={"attributes": {"rated_power_w": -5}}, headers=admin
    )
    client.patch(f"/api/v1/assets/{LIGHT}", json={"name": "x"}, headers=auth(client, "tala"))
    after = client.get("/api/v1/audit?limit=1000", headers=admin).json()["items"]
    new = [e for e in after if e["action"].startswith("asset.")][: len(after) - len(before)]
    assert [e for e in new if e["entity_id"] == LIGHT] == []
    light = client.get(f"/api/v1/assets/{LIGHT}", headers=admin).json()
    assert light["attributes"]["rated_power_w"] == 40.0 and light["name"] == "Light 2"
