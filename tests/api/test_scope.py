"""A municipal agent sees and changes only their own municipality."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import auth

DIJON_LIGHT = "urn:ngsi-ld:Streetlight:21231:1"
TALANT_LIGHT = "urn:ngsi-ld:Streetlight:21617:1"


def test_lists_hold_only_the_agents_municipality(client: TestClient) -> None:
    items = client.get("/api/v1/assets?limit=1000", headers=auth(client, "tala")).json()["items"]
    assert len(items) == 5 and {a["municipality_code"] for a in items} == {"21617"}
    municipalities = client.get("/api/v1/municipalities", headers=auth(client, "tala")).json()[
        "items"
    ]
    assert [m["name"] for m in municipalities] == ["Talant"]


def test_reads_outside_scope_are_403(client: TestClient) -> None:
    headers = auth(client, "tala")
    assert client.get(f"/api/v1/assets/{DIJON_LIGHT}", headers=headers).status_code == 403
    assert client.get("/api/v1/assets?municipality=21231", headers=headers).status_code == 403
    assert client.get("/api/v1/municipalities/21231", headers=headers).status_code == 403
    assert client.get(f"/api/v1/assets/{TALANT_LIGHT}", headers=headers).status_code == 200


def test_writes_outside_scope_are_403_and_change_nothing(client: TestClient) -> None:
    headers = auth(client, "tala")
    moved = client.patch(
        f"/api/v1/assets/{DIJON_LIGHT}", json={"name": "Mine now"}, headers=headers
    )
    assert moved.status_code == 403
    stolen = client.patch(
        f"/api/v1/assets/{TALANT_LIGHT}", json={"municipality_code": "21231"}, headers=headers
    )
    assert stolen.status_code == 403
    body = {
        "type": "Bollard",
        "name": "Bollard rue Musette",
        "municipality_code": "21231",
        "lon": 5.04,
        "lat": 47.32,
        "attributes": {"bollard_kind": "retractable", "access_zone": "Centre"},
    }
    assert client.post("/api/v1/assets", json=body, headers=headers).status_code == 403
    admin = auth(client, "ada")
    assert client.get(f"/api/v1/assets/{DIJON_LIGHT}", headers=admin).json()["name"] == "Light 1"
    assert (
        client.get(f"/api/v1/assets/{TALANT_LIGHT}", headers=admin).json()["municipality_code"]
        == "21617"
    )


def test_the_agent_may_keep_their_own_inventory(client: TestClient) -> None:
    headers = auth(client, "tala")
    body = {
        "type": "Bollard",
        "name": "Bollard place du Marché",
        "municipality_code": "21617",
        "lon": 5.0031,
        "lat": 47.3371,
        "attributes": {"bollard_kind": "retractable", "access_zone": "Vieux Talant"},
    }
    created = client.post("/api/v1/assets", json=body, headers=headers)
    assert created.status_code == 201, created.text
    renamed = client.patch(
        f"/api/v1/assets/{TALANT_LIGHT}", json={"name": "Light rue du Château"}, headers=headers
    )
    assert renamed.status_code == 200
    # Retiring is for supervisors.
    assert client.post(f"/api/v1/assets/{TALANT_LIGHT}/retire", headers=headers).status_code == 403
