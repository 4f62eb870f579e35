"""The command API on both stores: send, refuse with the reason (nothing stored), scope,
roles, audit, per-device listing; lighting programmes, groups and the incident boost."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from tests.api.conftest import DIJON, TALANT, auth
from vigie.store.schema import audit_log, command_devices, commands

LEVEL = {"domain": "lighting", "action": "set_level", "params": {"level_pct": 60}}


def _count(engine: Engine, table: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_an_operator_sends_a_command_tracked_per_device(client: TestClient, engine: Engine) -> None:
    body = {**LEVEL, "target": {"municipality": DIJON}}
    response = client.post("/api/v1/commands", json=body, headers=auth(client, "olga"))
    assert response.status_code == 202, response.text
    command = response.json()
    assert command["device_count"] == 10
    assert command["devices"]["pending"] == 10
    assert command["municipalities"] == [DIJON]
    shown = client.get(f"/api/v1/commands/{command['id']}", headers=auth(client, "vic"))
    assert shown.json()["status"] == "active"
    devices = client.get(
        f"/api/v1/commands/{command['id']}/devices?limit=4", headers=auth(client, "vic")
    ).json()
    assert [d["status"] for d in devices["items"]] == ["pending"] * 4
    rest = client.get(
        f"/api/v1/commands/{command['id']}/devices?cursor={devices['next_cursor']}",
        headers=auth(client, "vic"),
    ).json()
    assert len(rest["items"]) == 6 and rest["next_cursor"] is None
    with engine.connect() as conn:
        entry = conn.execute(select(audit_log).where(audit_log.c.entity_id == command["id"])).one()
    assert entry.actor == "olga" and entry.action == "command.create"
    listed = client.get("/api/v1/commands", headers=auth(client, "olga")).json()
    assert [c["id"] for c in listed["items"]] == [command["id"]]


def test_below_the_class_floor_is_refused_whole_with_the_reason(
    client: TestClient, engine: Engine
) -> None:
    body = {**LEVEL, "params": {"level_pct": 30}, "target": {"municipality": DIJON}}
    response = client.post("/api/v1/commands", json=body, headers=auth(client, "olga"))
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"].endswith("command-refused")
    assert "below the floor of class M4 (40%)" in problem["detail"]
    assert _count(engine, commands) == 0 and _count(engine, command_devices) == 0


def test_bad_input_is_refused_with_reasons(client: TestClient, engine: Engine) -> None:
    headers = auth(client, "olga")
    cases = [
        ({**LEVEL, "params": {"level_pct": 120}, "target": {"municipality": DIJON}}, "between 0"),
        ({**LEVEL, "target": {"group": "nowhere"}}, "unknown group nowhere"),
        ({**LEVEL, "target": {"municipality": DIJON, "group": "x"}}, "exactly one"),
        ({**LEVEL, "target": {"assets": ["urn:ngsi-ld:Streetlight:21231:999"]}}, "not command"),
        ({**LEVEL, "action": "explode", "target": {"municipality": DIJON}}, "unknown action"),
        ({**LEVEL, "target": {"municipality": DIJON}, "max_attempts": 0}, "max_attempts"),
    ]
    for body, reason in cases:
        response = client.post("/api/v1/commands", json=body, headers=headers)
        assert response.status_code == 422, (body, response.text)
        assert reason in response.json()["detail"], response.text
    malformed = client.post(
        "/api/v1/commands", content=b"{", headers={**headers, "content-type": "application/json"}
    )
    assert malformed.status_code == 400
    assert _count(engine, commands) == 0


def test_roles_and_municipality_scope(client: TestClient) -> None:
    to_dijon = {**LEVEL, "target": {"municipality": DIJON}}
    to_talant = {**LEVEL, "target": {"municipality": TALANT}}
    assert (
        client.post("/api/v1/commands", json=to_dijon, headers=auth(client, "vic")).status_code
        == 403
    )
    assert (
        client.post("/api/v1/commands", json=to_dijon, headers=auth(client, "theo")).status_code
        == 403
    )
    outside = client.post("/api/v1/commands", json=to_dijon, headers=auth(client, "tala"))
    assert outside.status_code == 403 and outside.json()["type"].endswith("out-of-scope")
    inside = client.post("/api/v1/commands", json=to_talant, headers=auth(client, "tala"))
    assert inside.status_code == 202
    theirs = client.post("/api/v1/commands", json=to_dijon, headers=auth(client, "olga")).json()
    assert (
        client.get(f"/api/v1/commands/{theirs['id']}", headers=auth(client, "tala")).status_code
        == 404
    )
    seen = client.get("/api/v1/commands", headers=auth(client, "tala")).json()["items"]
    assert [c["id"] for c in seen] == [inside.json()["id"]]


def test_programmes_groups_and_assignment(client: TestClient) -> None:
    sam = auth(client, "sam")
    deep: dict[str, Any] = {
        "name": "deep",
        "steps": [
            {"at": "sunset", "level_pct": 100},
            {"at": "23:00", "level_pct": 30},
            {"at": "sunrise", "level_pct": 0},
        ],
    }
    assert client.put("/api/v1/lighting/programs/deep", json=deep, headers=sam).status_code == 200
    on, off = {"at": "sunset", "level_pct": 100}, {"at": "sunrise", "level_pct": 0}
    late, early = {"at": "23:00", "level_pct": 30}, {"at": "22:00", "level_pct": 50}
    unordered = {"name": "bad", "steps": [on, late, early, off]}
    refused = client.put("/api/v1/lighting/programs/bad", json=unordered, headers=sam)
    assert refused.status_code == 422 and "night order" in refused.json()["detail"]
    assert (
        client.put(
            "/api/v1/lighting/programs/x", json=deep, headers=auth(client, "olga")
        ).status_code
        == 403
    )
    group = {"name": "Liberté", "kind": "municipality", "selector": {"municipality_code": DIJON},
             "municipality_code": DIJON, "program_id": "deep"}  # fmt: skip
    assert client.put("/api/v1/lighting/groups/liberte", json=group, headers=sam).status_code == 200
    bad_group = {**group, "program_id": "missing"}
    assert client.put("/api/v1/lighting/groups/g2", json=bad_group, headers=sam).status_code == 422
    assign = {"domain": "lighting", "action": "assign_program", "params": {"program_id": "deep"},
              "target": {"group": "liberte"}}  # fmt: skip
    below = client.post("/api/v1/commands", json=assign, headers=sam)
    assert below.status_code == 422 and "30% is below the floor of class M4" in below.text
    deep["steps"][1]["level_pct"] = 45
    client.put("/api/v1/lighting/programs/deep", json=deep, headers=sam)
    sent = client.post("/api/v1/commands", json=assign, headers=sam)
    assert sent.status_code == 202, sent.text
    assert sent.json()["device_count"] == 10
    assert sent.json()["params"]["steps"][1] == {
        "at": "23:00",
        "level_pct": 45.0,
        "offset_min": 0.0,
    }


def test_incident_boost_targets_the_circle_and_expires_by_itself(client: TestClient) -> None:
    # Lights 1..10 at lon 5.0350 + i*0.0004 (≈30 m apart): 70 m around light 1 holds 3.
    body = {"lon": 5.0350, "lat": 47.3222, "radius_m": 70, "duration_s": 1800}
    response = client.post("/api/v1/lighting/boost", json=body, headers=auth(client, "olga"))
    assert response.status_code == 202, response.text
    command = response.json()
    assert command["device_count"] == 3
    assert command["params"]["level_pct"] == 100
    assert command["params"]["until"].startswith("2026-03-02T08:30:00")
    too_long = {**body, "duration_s": 86_400}
    assert (
        client.post(
            "/api/v1/lighting/boost", json=too_long, headers=auth(client, "olga")
        ).status_code
        == 422
    )


def test_a_refusal_is_worded_in_the_language_asked_for(client: TestClient) -> None:
    """The French control room reads why in French; a client asking nothing gets English."""
    body = {
        **LEVEL,
        "params": {"level_pct": 30, "colour": "red"},
        "target": {"municipality": DIJON},
    }
    headers = auth(client, "olga")
    french = client.post(
        "/api/v1/commands", json=body, headers={**headers, "Accept-Language": "fr-FR,fr;q=0.9"}
    ).json()
    assert "30 % est sous le plancher de la classe M4 (40 %)" in french["detail"]
    assert "paramètres inconnus : colour" in french["detail"]
    assert {e["reason"] for e in french["errors"]} >= {"paramètres inconnus : colour"}
    english = client.post("/api/v1/commands", json=body, headers=headers).json()
    assert "30% is below the floor of class M4 (40%)" in english["detail"]
    asked = client.post(
        "/api/v1/commands?lang=en", json=body, headers={**headers, "Accept-Language": "fr"}
    )
    assert "unknown parameters: colour" in asked.json()["detail"]
