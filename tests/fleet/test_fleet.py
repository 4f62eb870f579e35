"""Fleet tracking: status from the last report, nearest available crew by skill, trails,
geofences; the API on both stores, with scope and problem+json for bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from tests.api.conftest import TALANT, auth
from vigie.core.bus import EventBus
from vigie.core.clock import ManualClock
from vigie.domains.fleet.tracking import (
    Geofence,
    Status,
    VehicleState,
    distance_m,
    geofence_events,
    nearest,
)
from vigie.registry.batch import create_assets
from vigie.registry.validation import AssetInput
from vigie.telemetry.pipeline import Pipeline, RawMessage

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # the API client's clock


def state(n: int, lon: float, skills: tuple[str, ...] = (), **kw: Any) -> VehicleState:
    values: dict[str, Any] = {
        "id": f"v{n}", "name": f"V{n}", "municipality_code": "21231", "service": "roads",
        "skills": skills, "lon": lon, "lat": 47.32, "speed_kmh": 0.0, "ignition_on": True,
        "seen_at": NOW,
    }  # fmt: skip
    values.update(kw)
    return VehicleState(**values)


def test_status_follows_the_last_report() -> None:
    assert state(1, 5.0, speed_kmh=30.0).status(NOW) is Status.MOVING
    assert state(1, 5.0, speed_kmh=1.0).status(NOW) is Status.STOPPED
    assert state(1, 5.0, ignition_on=False).status(NOW) is Status.PARKED
    old = NOW - timedelta(minutes=11)
    assert state(1, 5.0, seen_at=old).status(NOW) is Status.OFFLINE


def test_nearest_skips_offline_and_unskilled_vehicles() -> None:
    vehicles = [
        state(1, 5.040, ("tree_care",)),
        state(2, 5.030, ("aerial_work",)),
        state(3, 5.031, ("aerial_work",), seen_at=NOW - timedelta(hours=1)),
        state(4, 5.050, ("aerial_work",), ignition_on=False),
    ]
    found = nearest(vehicles, 5.032, 47.32, NOW, skill="aerial_work")
    assert [c.vehicle.id for c in found] == ["v2", "v4"]
    assert found[0].distance_m == pytest.approx(distance_m(5.032, 47.32, 5.030, 47.32))
    assert 140 < found[0].distance_m < 160  # 0.002° of longitude at 47°N
    assert [c.vehicle.id for c in nearest(vehicles, 5.032, 47.32, NOW, limit=1)] == ["v2"]


def test_geofences_report_entries_and_exits() -> None:
    depot = Geofence("depot", "Dépôt", lon=5.03, lat=47.32, radius_m=100)
    square = Geofence("centre", "Centre", ring=((5.0, 47.3), (5.1, 47.3), (5.1, 47.4), (5.0, 47.4)))
    assert depot.contains(5.0301, 47.3201) and not depot.contains(5.05, 47.32)
    assert square.contains(5.05, 47.35) and not square.contains(5.2, 47.35)
    events = geofence_events([depot, square], "v1", (5.03, 47.32), (5.05, 47.32), NOW)
    assert [(e.geofence_id, e.entered) for e in events] == [("depot", False)]
    events = geofence_events([depot, square], "v1", (5.2, 47.35), (5.03, 47.32), NOW)
    assert sorted((e.geofence_id, e.entered) for e in events) == [
        ("centre", True),
        ("depot", True),
    ]
    assert geofence_events([depot], "v1", None, (5.03, 47.32), NOW) == []


def _vehicle(n: int, code: str, lon: float, skills: list[str]) -> AssetInput:
    return AssetInput(
        type="FleetVehicle",
        id=f"urn:ngsi-ld:FleetVehicle:{code}:{n}",
        name=f"Fourgon {n}",
        municipality_code=code,
        lon=lon,
        lat=47.32,
        attributes={
            "vehicle_kind": "van",
            "license_plate": f"AB-{n:03d}-CD",
            "service": "lighting",
            "skills": skills,
        },
    )


@pytest.fixture
def fleet(client: TestClient, engine: Engine, clock: ManualClock) -> TestClient:
    rows = [
        _vehicle(1, "21231", 5.030, ["aerial_work", "electrical_clearance"]),
        _vehicle(2, "21231", 5.060, ["aerial_work"]),
        _vehicle(3, TALANT, 5.031, ["aerial_work"]),
        _vehicle(4, "21231", 5.031, ["hvac"]),
    ]
    with engine.begin() as conn:
        create_assets(conn, list(enumerate(rows, start=1)), actor="test", now=clock.now())
    pipeline = Pipeline(engine, clock, EventBus())
    for k in range(4):  # four reports 15 s apart, the last one a minute ago
        ts = clock.now() - timedelta(seconds=60 + 15 * (3 - k))
        messages = []
        for row in rows:
            metrics = {"lon": row.lon + 0.0001 * k, "lat": 47.32, "speed_kmh": 20.0,
                       "ignition_on": True}  # fmt: skip
            payload = msgspec.json.encode({"ts": ts.isoformat(), "metrics": metrics})
            messages.append(RawMessage("mqtt", payload, ts, topic_asset=row.id))
        pipeline.ingest(messages)
    return client


@pytest.mark.postgres
def test_nearest_api_answers_closest_skilled_vehicle_in_scope(fleet: TestClient) -> None:
    answer = fleet.get(
        "/api/v1/fleet/nearest",
        params={"lon": 5.0312, "lat": 47.32, "skill": "aerial_work"},
        headers=auth(fleet, "olga"),
    )
    assert answer.status_code == 200, answer.text
    ids = [item["vehicle"]["id"] for item in answer.json()["items"]]
    assert ids == [
        "urn:ngsi-ld:FleetVehicle:21617:3",
        "urn:ngsi-ld:FleetVehicle:21231:1",
        "urn:ngsi-ld:FleetVehicle:21231:2",
    ]
    first = answer.json()["items"][0]
    assert first["vehicle"]["status"] == "moving" and first["distance_m"] < 20
    # A municipal agent of Talant is offered only Talant's vehicles.
    scoped = fleet.get(
        "/api/v1/fleet/nearest", params={"lon": 5.03, "lat": 47.32}, headers=auth(fleet, "tala")
    )
    assert [i["vehicle"]["municipality"] for i in scoped.json()["items"]] == [TALANT]
    listed = fleet.get("/api/v1/fleet", params={"status": "moving"}, headers=auth(fleet, "vic"))
    assert len(listed.json()["items"]) == 4


@pytest.mark.postgres
def test_trail_lists_the_reported_positions(fleet: TestClient) -> None:
    vehicle = "urn:ngsi-ld:FleetVehicle:21231:1"
    answer = fleet.get(f"/api/v1/fleet/{vehicle}/trail", headers=auth(fleet, "olga"))
    assert answer.status_code == 200, answer.text
    points = answer.json()["points"]
    assert len(points) == 4
    assert [p["lon"] for p in points] == sorted(p["lon"] for p in points)
    out_of_scope = fleet.get(f"/api/v1/fleet/{vehicle}/trail", headers=auth(fleet, "tala"))
    assert out_of_scope.status_code == 403


#: (path, query, status): bad input answered with problem+json.
BAD_REQUESTS: list[tuple[str, dict[str, str], int]] = [
    ("/api/v1/fleet/nearest", {"lon": "999", "lat": "47"}, 400),
    ("/api/v1/fleet/nearest", {"lon": "nan", "lat": "47"}, 400),
    ("/api/v1/fleet/nearest", {"lon": "east", "lat": "47"}, 422),
    ("/api/v1/fleet/nearest", {"lat": "47"}, 422),
    ("/api/v1/fleet/nearest", {"lon": "5", "lat": "47", "limit": "0"}, 422),
    ("/api/v1/fleet", {"status": "flying"}, 400),
    ("/api/v1/fleet/urn:ngsi-ld:FleetVehicle:21231:99/trail", {}, 404),
    ("/api/v1/fleet/urn:ngsi-ld:FleetVehicle:21231:1/trail", {"from": "yesterday"}, 400),
]


@pytest.mark.postgres
def test_bad_requests_get_problem_json(fleet: TestClient) -> None:
    headers = auth(fleet, "olga")
    for path, params, status in BAD_REQUESTS:
        answer = fleet.get(path, params=params, headers=headers)
        assert answer.status_code == status, (path, params, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")


def test_the_fleet_needs_a_token(fleet: TestClient) -> None:
    assert fleet.get("/api/v1/fleet/nearest", params={"lon": 5, "lat": 47}).status_code == 401
