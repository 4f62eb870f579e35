"""The asset endpoints: filters, cursors, GeoJSON, create/update/retire, problem+json."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import auth
from tests.builders import CABINET_ID, FEEDER_ID

LIGHT_1 = "urn:ngsi-ld:Streetlight:21231:1"


def _all_pages(client: TestClient, url: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = client.get(url + (f"&cursor={cursor}" if cursor else ""), headers=headers).json()
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def test_list_filters_by_type_municipality_and_status(client: TestClient) -> None:
    headers = auth(client, "olga")
    lights = client.get("/api/v1/assets?type=Streetlight&limit=100", headers=headers).json()[
        "items"
    ]
    assert len(lights) == 15
    dijon = client.get("/api/v1/assets?type=Streetlight&municipality=21231", headers=headers).json()
    assert {a["municipality_code"] for a in dijon["items"]} == {"21231"} and len(
        dijon["items"]
    ) == 10
    both = client.get("/api/v1/assets?type=Camera,NetworkNode", headers=headers).json()["items"]
    assert sorted(a["type"] for a in both) == ["Camera", "NetworkNode"]
    assert client.get("/api/v1/assets?status=retired", headers=headers).json()["items"] == []


def test_cursor_pages_cover_every_asset_once(client: TestClient) -> None:
    headers = auth(client, "olga")
    items = _all_pages(client, "/api/v1/assets?limit=4", headers)
    ids = [a["id"] for a in items]
    assert len(ids) == 18 and len(set(ids)) == 18 and ids == sorted(ids)


def test_bbox_and_near_find_what_is_inside(client: TestClient) -> None:
    headers = auth(client, "olga")
    # The first three lights of rue de la Liberté: lon 5.0350, 5.0354, 5.0358.
    box = client.get(
        "/api/v1/assets?type=Streetlight&bbox=5.0349,47.3221,5.0359,47.3223", headers=headers
    )
    assert [a["id"] for a in box.json()["items"]] == [
        LIGHT_1,
        *(f"urn:ngsi-ld:Streetlight:21231:{n}" for n in (2, 3)),
    ]
    # 70 m around light 1 holds lights 1-3 (0, 30, 60 m away), not light 4 (90 m).
    near = client.get(
        "/api/v1/assets?type=Streetlight&near=5.0350,47.3222&radius_m=70", headers=headers
    ).json()["items"]
    assert sorted(a["name"] for a in near) == ["Light 1", "Light 2", "Light 3"]


def test_geojson_lists_features_with_positions(client: TestClient) -> None:
    response = client.get(
        "/api/v1/assets?type=Streetlight&format=geojson", headers=auth(client, "vic")
    )
    assert response.headers["content-type"] == "application/geo+json"
    collection = response.json()
    assert collection["type"] == "FeatureCollection" and len(collection["features"]) == 15
    first = collection["features"][0]
    assert first["geometry"]["type"] == "Point"
    assert first["properties"]["attributes"]["lighting_class"] == "M4"


def test_one_asset_shows_parts_and_topology(client: TestClient) -> None:
    headers = auth(client, "olga")
    cabinet = client.get(f"/api/v1/assets/{CABINET_ID}", headers=headers).json()
    assert [p["kind"] for p in cabinet["parts"]] == ["feeder", "feeder"]
    light = client.get(f"/api/v1/assets/{LIGHT_1}", headers=headers).json()
    assert light["links"] == [{"relation": "fed_by", "target_id": FEEDER_ID}]
    missing = client.get("/api/v1/assets/urn:ngsi-ld:Streetlight:21231:999", headers=headers)
    assert (
        missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
    )


def test_create_update_and_retire_an_asset(client: TestClient) -> None:
    headers = auth(client, "sam")
    body = {
        "type": "Streetlight",
        "name": "Light place Darcy",
        "municipality_code": "21231",
        "lon": 5.0341,
        "lat": 47.3224,
        "attributes": {
            "lamp_technology": "LED",
            "rated_power_w": 60,
            "baseline_power_w": 250,
            "lighting_class": "C2",
            "mounting_height_m": 10,
        },
        "links": [{"relation": "fed_by", "target_id": FEEDER_ID}],
    }
    created = client.post("/api/v1/assets", json=body, headers=headers)
    assert created.status_code == 201, created.text
    asset_id = created.json()["id"]
    assert asset_id == "urn:ngsi-ld:Streetlight:21231:11"
    assert created.headers["location"] == f"/api/v1/assets/{asset_id}"

    patched = client.patch(
        f"/api/v1/assets/{asset_id}",
        json={"status": "maintenance", "attributes": {"rated_power_w": 45}},
        headers=auth(client, "theo"),
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["status"] == "maintenance"
    assert patched.json()["attributes"]["rated_power_w"] == 45
    assert patched.json()["attributes"]["lighting_class"] == "C2"

    retired = client.post(f"/api/v1/assets/{asset_id}/retire", headers=headers)
    assert retired.json()["status"] == "retired"
    again = client.post(f"/api/v1/assets/{asset_id}/retire", headers=headers)
    assert again.status_code == 409
    frozen = client.patch(f"/api/v1/assets/{asset_id}", json={"name": "x"}, headers=headers)
    assert frozen.status_code == 409


def test_a_cabinet_feeding_lights_cannot_be_retired(client: TestClient) -> None:
    response = client.post(f"/api/v1/assets/{CABINET_ID}/retire", headers=auth(client, "sam"))
    assert response.status_code == 409
    assert response.json()["detail"].startswith("10 asset(s) still depend on")
    assert len(response.json()["dependents"]) == 10


def test_invalid_assets_are_refused_with_every_reason(client: TestClient) -> None:
    headers = auth(client, "sam")
    body = {
        "type": "Streetlight",
        "name": "",
        "municipality_code": "21231",
        "lon": 200,
        "lat": 47.3,
        "attributes": {"lamp_technology": "candle"},
        "links": [{"relation": "fed_by", "target_id": "urn:ngsi-ld:StreetlightFeeder:21231:404-1"}],
    }
    response = client.post("/api/v1/assets", json=body, headers=headers)
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"name", "lon/lat", "attributes.lamp_technology", "links[0].target_id"}
    count = client.get("/api/v1/assets?limit=1000", headers=headers).json()["items"]
    assert len(count) == 18


def test_illegal_status_moves_are_conflicts(client: TestClient) -> None:
    headers = auth(client, "sam")
    response = client.patch(
        f"/api/v1/assets/{LIGHT_1}", json={"status": "planned"}, headers=headers
    )
    assert response.status_code == 409
    assert response.json()["detail"] == "status cannot go from active to planned"
    unknown = client.patch(f"/api/v1/assets/{LIGHT_1}", json={"status": "asleep"}, headers=headers)
    assert unknown.status_code == 422


def test_malformed_requests_are_problems_not_crashes(client: TestClient) -> None:
    headers = auth(client, "sam")
    cases = [
        client.post(
            "/api/v1/assets",
            content=b"{not json",
            headers={**headers, "content-type": "application/json"},
        ),
        client.post(
            "/api/v1/assets", content=b"<xml/>", headers={**headers, "content-type": "text/xml"}
        ),
        client.post("/api/v1/assets", json={"type": "Streetlight"}, headers=headers),
        client.post("/api/v1/assets", json=[1, 2], headers=headers),
        client.get("/api/v1/assets?bbox=1,2,3", headers=headers),
        client.get("/api/v1/assets?bbox=5,47,4,48", headers=headers),
        client.get("/api/v1/assets?near=5,47", headers=headers),
        client.get("/api/v1/assets?type=Lamp", headers=headers),
        client.get("/api/v1/assets?cursor=%%%", headers=headers),
        client.get("/api/v1/assets?limit=0", headers=headers),
        client.get("/api/v1/assets?limit=abc", headers=headers),
    ]
    expected = [400, 415, 422, 422, 400, 400, 400, 400, 400, 422, 422]
    assert [r.status_code for r in cases] == expected
    for response in cases:
        problem = response.json()
        assert response.headers["content-type"] == "application/problem+json"
        assert {"type", "title", "status", "detail"} <= problem.keys()


def test_nul_characters_are_refused_before_reaching_the_store(client: TestClient) -> None:
    headers = auth(client, "ada")
    body = {
        "type": "NetworkNode",
        "name": "node\u0000",
        "municipality_code": "21231",
        "lon": 5.04,
        "lat": 47.32,
        "attributes": {"node_role": "access"},
    }
    responses = [
        client.post("/api/v1/assets", json=body, headers=headers),
        client.get(f"/api/v1/assets/{LIGHT_1}%00", headers=headers),
        client.get("/api/v1/assets?municipality=21%0031", headers=headers),
        client.post("/api/v1/auth/token", json={"username": "ada\u0000", "password": "whatever1"}),
    ]
    assert [r.status_code for r in responses] == [400, 400, 400, 400]
    assert all(r.json()["detail"].startswith("NUL characters") for r in responses)
