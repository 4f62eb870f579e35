"""Stored fleet geofences on both stores: circles and polygons defined through the API,
refused with every reason, kept within the caller's municipalities, asked which vehicles are
inside now and which entered or left (from positions posted as telemetry), deleted, and
every change audited."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from tests.api.conftest import DIJON, TALANT, auth
from tests.schema_drift import schema_differences
from vigie.audit.log import entries_for
from vigie.auth.roles import Role
from vigie.auth.tokens import issue_token
from vigie.auth.users import add_user
from vigie.core.clock import ManualClock
from vigie.registry.batch import create_assets
from vigie.registry.validation import AssetInput

LAT = 47.32
DEPOT = {"name": "Dépôt nord", "municipality": DIJON,
         "circle": {"lon": 5.030, "lat": LAT, "radius_m": 200}}  # fmt: skip
#: A square around 5.060 E: where vehicle 1 ends its round.
SQUARE = [[5.055, 47.315], [5.065, 47.315], [5.065, 47.325], [5.055, 47.325], [5.055, 47.315]]


def _vehicle_id(n: int, code: str) -> str:
    return f"urn:ngsi-ld:FleetVehicle:{code}:{n}"


def _vehicle(n: int, code: str) -> AssetInput:
    return AssetInput(
        type="FleetVehicle",
        id=_vehicle_id(n, code),
        name=f"Fourgon {n}",
        municipality_code=code,
        lon=5.0,
        lat=LAT,
        attributes={
            "vehicle_kind": "van",
            "license_plate": f"AB-{n:03d}-CD",
            "service": "roads",
            "skills": [],
        },
    )


#: Longitudes each vehicle reports, one every minute from 8 minutes ago.
ROUNDS = {
    _vehicle_id(1, DIJON): [5.000, 5.030, 5.031, 5.060],  # enters the depot, leaves it
    _vehicle_id(2, DIJON): [5.100, 5.100, 5.100, 5.100],  # never near
    _vehicle_id(3, TALANT): [5.000, 5.000, 5.0305, 5.0305],  # enters the depot, stays
}


def _report_times(clock: ManualClock) -> list[datetime]:
    return [clock.now() - timedelta(minutes=8 - k) for k in range(4)]


@pytest.fixture
def fleet(client: TestClient, engine: Engine, clock: ManualClock) -> TestClient:
    with engine.begin() as conn:
        rows = [_vehicle(1, DIJON), _vehicle(2, DIJON), _vehicle(3, TALANT)]
        create_assets(conn, list(enumerate(rows, start=1)), actor="test", now=clock.now())
        gateway = add_user(conn, username="gateway", password="gateway-password",
                           role=Role.DEVICE, actor="test", now=clock.now())  # fmt: skip
        token, _ = issue_token(conn, user_id=gateway.id, kind="machine", name="test",
                               now=clock.now(), lifetime=None)  # fmt: skip
    body = [
        {"asset": vehicle, "ts": ts.isoformat(),
         "metrics": {"lon": lon, "lat": LAT, "speed_kmh": 25.0, "ignition_on": True}}
        for vehicle, lons in ROUNDS.items()
        for ts, lon in zip(_report_times(clock), lons, strict=True)
    ]  # fmt: skip
    posted = client.post(
        "/api/v1/telemetry", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert posted.status_code == 202, posted.text
    assert posted.json()["rejected"] == 0, posted.text
    return client


def _put(client: TestClient, user: str, fence_id: str, body: dict[str, Any]) -> Any:
    return client.put(f"/api/v1/fleet/geofences/{fence_id}", json=body, headers=auth(client, user))


@pytest.mark.postgres
def test_circle_and_polygon_fences_are_stored_and_listed(fleet: TestClient) -> None:
    created = _put(fleet, "sam", "depot-nord", DEPOT)
    assert created.status_code == 201, created.text
    assert created.json()["circle"] == DEPOT["circle"]
    square = _put(fleet, "sam", "centre", {"name": "Centre", "polygon": SQUARE})
    assert square.status_code == 201, square.text
    # The closing point of the ring is not kept twice.
    assert square.json()["polygon"] == SQUARE[:-1] and square.json()["municipality"] is None
    renamed = _put(fleet, "sam", "depot-nord", {**DEPOT, "name": "Dépôt Nord"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "Dépôt Nord"
    listed = fleet.get("/api/v1/fleet/geofences", headers=auth(fleet, "vic"))
    assert [(f["id"], f["kind"]) for f in listed.json()["items"]] == [
        ("centre", "polygon"),
        ("depot-nord", "circle"),
    ]


#: (body, fields refused): every reason comes back, not only the first.
REFUSED: list[tuple[dict[str, Any], set[str]]] = [
    ({**DEPOT, "circle": {"lon": 5.03, "lat": LAT, "radius_m": 0}}, {"circle.radius_m"}),
    ({**DEPOT, "circle": {"lon": 5.03, "lat": LAT, "radius_m": 60_000}}, {"circle.radius_m"}),
    ({"name": "Ligne", "polygon": [[5.0, 47.3], [5.1, 47.3]]}, {"polygon"}),
    ({"name": "Ligne", "polygon": [[5.0, 47.3], [5.1, 47.3], [5.0, 47.3]]}, {"polygon"}),
    ({"name": "", "polygon": [[5.0, 47.3], [500.0, 47.3]]}, {"name", "polygon", "polygon[1]"}),
    ({"name": "Les deux", "circle": DEPOT["circle"], "polygon": SQUARE}, {"circle"}),
    ({"name": "Rien"}, {"circle"}),
    ({**DEPOT, "municipality": "99999"}, {"municipality"}),
]


@pytest.mark.postgres
def test_refusals_give_every_reason(fleet: TestClient) -> None:
    for body, fields in REFUSED:
        answer = _put(fleet, "sam", "refused", body)
        assert answer.status_code == 422, (body, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert {e["field"] for e in answer.json()["errors"]} == fields, answer.json()
    assert _put(fleet, "sam", "bad id!", DEPOT).status_code == 422
    assert fleet.get("/api/v1/fleet/geofences", headers=auth(fleet, "sam")).json()["items"] == []


@pytest.mark.postgres
def test_municipal_agents_keep_to_their_municipality(fleet: TestClient) -> None:
    assert _put(fleet, "sam", "depot-nord", DEPOT).status_code == 201
    # Talant's agent can neither define a fence in Dijon, nor a metropolitan one, nor take
    # Dijon's fence over by its id, nor look into it.
    assert _put(fleet, "tala", "theirs", DEPOT).status_code == 403
    assert _put(fleet, "tala", "metro", {**DEPOT, "municipality": None}).status_code == 403
    taken = _put(fleet, "tala", "depot-nord", {**DEPOT, "municipality": TALANT})
    assert taken.status_code == 403
    assert fleet.get(
        "/api/v1/fleet/geofences/depot-nord/vehicles", headers=auth(fleet, "tala")
    ).status_code == 403  # fmt: skip
    deleted = fleet.delete("/api/v1/fleet/geofences/depot-nord", headers=auth(fleet, "tala"))
    assert deleted.status_code == 403
    # Viewers define nothing.
    assert _put(fleet, "vic", "mine", DEPOT).status_code == 403
    own = _put(fleet, "tala", "talant", {**DEPOT, "municipality": TALANT})
    assert own.status_code == 201, own.text
    listed = fleet.get("/api/v1/fleet/geofences", headers=auth(fleet, "tala")).json()["items"]
    assert [f["id"] for f in listed] == ["talant"]


@pytest.mark.postgres
def test_vehicles_inside_now(fleet: TestClient) -> None:
    assert _put(fleet, "sam", "depot-nord", DEPOT).status_code == 201
    assert _put(fleet, "sam", "centre", {"name": "Centre", "polygon": SQUARE}).status_code == 201
    inside = fleet.get("/api/v1/fleet/geofences/depot-nord/vehicles", headers=auth(fleet, "olga"))
    assert inside.status_code == 200, inside.text
    assert [v["id"] for v in inside.json()["items"]] == [_vehicle_id(3, TALANT)]
    assert inside.json()["items"][0]["status"] == "moving"
    square = fleet.get("/api/v1/fleet/geofences/centre/vehicles", headers=auth(fleet, "olga"))
    assert [v["id"] for v in square.json()["items"]] == [_vehicle_id(1, DIJON)]
    # A metropolitan fence shows a municipal agent only their own vehicles.
    theirs = fleet.get("/api/v1/fleet/geofences/centre/vehicles", headers=auth(fleet, "tala"))
    assert theirs.status_code == 200 and theirs.json()["items"] == []


@pytest.mark.postgres
def test_entries_and_exits_from_posted_positions(fleet: TestClient, clock: ManualClock) -> None:
    assert _put(fleet, "sam", "depot", {**DEPOT, "municipality": None}).status_code == 201
    times = [t.isoformat().replace("+00:00", "Z") for t in _report_times(clock)]
    period = {"from": (clock.now() - timedelta(minutes=10)).isoformat(),
              "to": clock.now().isoformat()}  # fmt: skip
    answer = fleet.get(
        "/api/v1/fleet/geofences/depot/events", params=period, headers=auth(fleet, "olga")
    )
    assert answer.status_code == 200, answer.text
    assert [(e["vehicle"], e["event"], e["at"]) for e in answer.json()["items"]] == [
        (_vehicle_id(1, DIJON), "entered", times[1]),
        (_vehicle_id(3, TALANT), "entered", times[2]),
        (_vehicle_id(1, DIJON), "left", times[3]),
    ]
    # From inside the period, the position before it says vehicle 1 was already in.
    later = {"from": times[2], "to": clock.now().isoformat()}
    answer = fleet.get(
        "/api/v1/fleet/geofences/depot/events", params=later, headers=auth(fleet, "olga")
    )
    assert [(e["vehicle"], e["event"]) for e in answer.json()["items"]] == [
        (_vehicle_id(3, TALANT), "entered"),
        (_vehicle_id(1, DIJON), "left"),
    ]
    scoped = fleet.get(
        "/api/v1/fleet/geofences/depot/events", params=period, headers=auth(fleet, "tala")
    )
    assert [e["vehicle"] for e in scoped.json()["items"]] == [_vehicle_id(3, TALANT)]
    backwards = {"from": period["to"], "to": period["from"]}
    bad = fleet.get(
        "/api/v1/fleet/geofences/depot/events", params=backwards, headers=auth(fleet, "olga")
    )
    assert bad.status_code == 400
    assert bad.headers["content-type"].startswith("application/problem+json")


@pytest.mark.postgres
def test_delete_and_the_audit_trail(fleet: TestClient, engine: Engine) -> None:
    assert _put(fleet, "sam", "depot-nord", DEPOT).status_code == 201
    assert _put(fleet, "sam", "depot-nord", {**DEPOT, "name": "Dépôt"}).status_code == 200
    deleted = fleet.delete("/api/v1/fleet/geofences/depot-nord", headers=auth(fleet, "sam"))
    assert deleted.status_code == 204, deleted.text
    gone = fleet.get("/api/v1/fleet/geofences/depot-nord/vehicles", headers=auth(fleet, "sam"))
    assert gone.status_code == 404
    again = fleet.delete("/api/v1/fleet/geofences/depot-nord", headers=auth(fleet, "sam"))
    assert again.status_code == 404
    with engine.connect() as conn:
        entries = entries_for(conn, entity_id="depot-nord")
    assert [(e.action, e.actor, e.entity_type) for e in reversed(entries)] == [
        ("fleet.geofence.save", "sam", "geofence"),
        ("fleet.geofence.save", "sam", "geofence"),
        ("fleet.geofence.delete", "sam", "geofence"),
    ]
    created, renamed, removed = reversed(entries)
    assert created.before is None and created.after is not None
    assert created.after["circle"] == DEPOT["circle"]
    assert renamed.before is not None and renamed.after is not None
    assert (renamed.before["name"], renamed.after["name"]) == ("Dépôt nord", "Dépôt")
    assert removed.before is not None and removed.after is None


def test_the_migration_matches_the_schema(engine: Engine) -> None:
    assert schema_differences(engine, {"geofences"}) == []


@pytest.mark.postgres
def test_a_position_reported_days_before_the_period_says_where_it_starts(
    fleet: TestClient, engine: Engine, clock: ManualClock
) -> None:
    # Vehicle 2 was last seen in the depot two days ago; its first position in the period is
    # far from it: it left. The store finds readings hour by hour, so this position lies
    # beyond the first looks back (an hour, then a day).
    with engine.begin() as conn:
        gateway = add_user(conn, username="gateway-2", password="gateway-password",
                           role=Role.DEVICE, actor="test", now=clock.now())  # fmt: skip
        token, _ = issue_token(conn, user_id=gateway.id, kind="machine", name="test",
                               now=clock.now(), lifetime=None)  # fmt: skip
    two_days_ago = clock.now() - timedelta(days=2)
    parked = {"lon": 5.030, "lat": LAT, "speed_kmh": 0.0, "ignition_on": False}
    body = [{"asset": _vehicle_id(2, DIJON), "ts": two_days_ago.isoformat(), "metrics": parked}]
    posted = fleet.post(
        "/api/v1/telemetry", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert posted.status_code == 202 and posted.json()["rejected"] == 0, posted.text
    assert _put(fleet, "sam", "depot", {**DEPOT, "municipality": None}).status_code == 201
    times = [t.isoformat().replace("+00:00", "Z") for t in _report_times(clock)]
    period = {"from": (clock.now() - timedelta(minutes=10)).isoformat(),
              "to": clock.now().isoformat()}  # fmt: skip
    answer = fleet.get(
        "/api/v1/fleet/geofences/depot/events", params=period, headers=auth(fleet, "olga")
    )
    assert answer.status_code == 200, answer.text
    assert [(e["vehicle"], e["event"], e["at"]) for e in answer.json()["items"]] == [
        (_vehicle_id(2, DIJON), "left", times[0]),
        (_vehicle_id(1, DIJON), "entered", times[1]),
        (_vehicle_id(3, TALANT), "entered", times[2]),
        (_vehicle_id(1, DIJON), "left", times[3]),
    ]
