"""The alarm API: the console's list, one alarm, and what operators do, with audit and
scope. Alarms are raised by telemetry through the app's own pipeline."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from tests.alarms.builders import CABINET_1, LIGHT_TALANT, light
from tests.alarms.conftest import World, auth

Console = tuple[TestClient, World]
DARK = {"on": True, "dim_pct": 100, "power_w": 0.0}


def _supply_loss(world: World) -> int:
    world.send(CABINET_1, supply_v=0.0)
    return world.alarm(CABINET_1, "lighting.cabinet_supply_loss").id


def test_acknowledge_is_audited_and_stops_escalation(console: Console) -> None:
    client, world = console
    alarm_id = _supply_loss(world)
    response = client.post(f"/api/v1/alarms/{alarm_id}/acknowledge", headers=auth(client, "olga"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["state"], body["acknowledged_by"], body["escalation_due_at"]) == (
        "acknowledged",
        "olga",
        None,
    )
    trail = client.get(
        "/api/v1/audit", params={"entity_id": f"alarm:{alarm_id}"}, headers=auth(client, "ada")
    ).json()["items"]
    assert [(e["action"], e["actor"]) for e in trail] == [("alarm.acknowledged", "olga")]
    assert trail[0]["before"]["state"] == "raised" and trail[0]["after"]["state"] == "acknowledged"
    assert world.changes_of(alarm_id) == ["raised", "acknowledged"]


def test_acknowledging_a_root_acknowledges_its_consequences(console: Console) -> None:
    client, world = console
    world.send(CABINET_1, supply_v=0.0)
    world.send_many([(light(1), DARK), (light(2), DARK)])
    world.advance(minutes=2)
    root = world.alarm(CABINET_1, "lighting.cabinet_supply_loss")
    client.post(f"/api/v1/alarms/{root.id}/acknowledge", headers=auth(client, "olga"))
    children = [world.alarm(lamp, "lighting.lamp_failure") for lamp in (light(1), light(2))]
    assert {(c.caused_by, c.state) for c in children} == {(root.id, "acknowledged")}


def test_shelve_until_a_time_then_back(console: Console) -> None:
    client, world = console
    alarm_id = _supply_loss(world)
    until = world.clock.now() + timedelta(hours=1)
    response = client.post(
        f"/api/v1/alarms/{alarm_id}/shelve",
        json={"until": until.isoformat()},
        headers=auth(client, "theo"),
    )
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "shelved" and response.json()["shelved_by"] == "theo"
    world.advance(minutes=59)
    assert world.alarm(CABINET_1, "lighting.cabinet_supply_loss").state == "shelved"
    world.advance(minutes=2)
    back = world.alarm(CABINET_1, "lighting.cabinet_supply_loss")
    assert (back.state, back.shelved_until) == ("raised", None)
    assert back.escalation_due_at is not None
    assert world.changes_of(alarm_id)[-1] == "unshelved"


def test_shelving_needs_a_time_in_the_near_future(console: Console) -> None:
    client, world = console
    alarm_id = _supply_loss(world)
    headers = auth(client, "olga")
    url = f"/api/v1/alarms/{alarm_id}/shelve"
    past = (world.clock.now() - timedelta(minutes=1)).isoformat()
    assert client.post(url, json={"until": past}, headers=headers).status_code == 422
    naive = "2026-03-02T23:00:00"
    assert client.post(url, json={"until": naive}, headers=headers).status_code == 422
    assert client.post(url, json={"until": "tomorrow"}, headers=headers).status_code == 422
    assert client.post(url, json={}, headers=headers).status_code == 422


def test_comments_clear_by_itself_close_and_409_after(console: Console) -> None:
    client, world = console
    alarm_id = _supply_loss(world)
    headers = auth(client, "olga")
    response = client.post(
        f"/api/v1/alarms/{alarm_id}/comment", json={"text": "Enedis called"}, headers=headers
    )
    assert response.status_code == 201 and response.json()["author"] == "olga"
    assert (
        client.post(
            f"/api/v1/alarms/{alarm_id}/comment", json={"text": "  "}, headers=headers
        ).status_code
        == 422
    )
    world.advance(minutes=1)
    world.send(CABINET_1, supply_v=230.0)
    cleared = client.get(f"/api/v1/alarms/{alarm_id}", headers=headers).json()
    assert cleared["state"] == "cleared" and cleared["cleared_at"] is not None
    assert [c["text"] for c in cleared["comments"]] == ["Enedis called"]
    closed = client.post(f"/api/v1/alarms/{alarm_id}/close", headers=headers)
    assert closed.status_code == 200 and closed.json()["closed_by"] == "olga"
    for action in ("acknowledge", "close"):
        refused = client.post(f"/api/v1/alarms/{alarm_id}/{action}", headers=headers)
        assert refused.status_code == 409, action
        assert refused.headers["content-type"] == "application/problem+json"
    shelve = client.post(
        f"/api/v1/alarms/{alarm_id}/shelve",
        json={"until": (world.clock.now() + timedelta(hours=1)).isoformat()},
        headers=headers,
    )
    assert shelve.status_code == 409
    # The supply fails again: a new alarm, the closed one stays closed.
    world.advance(minutes=1)
    world.send(CABINET_1, supply_v=0.0)
    again = world.alarm(CABINET_1, "lighting.cabinet_supply_loss")
    assert again.id != alarm_id and again.state == "raised"


def test_scope_and_roles(console: Console) -> None:
    client, world = console
    dijon = _supply_loss(world)
    world.send(LIGHT_TALANT, **DARK)
    world.advance(minutes=2)
    talant = world.alarm(LIGHT_TALANT, "lighting.lamp_failure").id
    tala = auth(client, "tala")
    refused = client.post(f"/api/v1/alarms/{dijon}/acknowledge", headers=tala)
    assert refused.status_code == 403 and refused.json()["type"].endswith("out-of-scope")
    assert client.get(f"/api/v1/alarms/{dijon}", headers=tala).status_code == 403
    assert client.post(f"/api/v1/alarms/{talant}/acknowledge", headers=tala).status_code == 200
    listed = client.get("/api/v1/alarms", headers=tala).json()["items"]
    assert {a["municipality_code"] for a in listed} == {"21617"}
    assert client.get("/api/v1/alarms?municipality=21231", headers=tala).status_code == 403
    vic = auth(client, "vic")  # a viewer reads but does not act
    assert client.get(f"/api/v1/alarms/{dijon}", headers=vic).status_code == 200
    assert client.post(f"/api/v1/alarms/{dijon}/acknowledge", headers=vic).status_code == 403
    assert client.post("/api/v1/alarms/999999/acknowledge", headers=tala).status_code == 404
    assert client.get("/api/v1/alarms").status_code == 401


def test_list_filters_and_cursor(console: Console) -> None:
    client, world = console
    world.send(CABINET_1, supply_v=0.0, door_open=False)
    world.send_many([(light(n), DARK) for n in (1, 2, 3)] + [(light(7), DARK)])
    world.advance(minutes=2)
    headers = auth(client, "olga")

    def ids(**params: object) -> list[int]:
        response = client.get("/api/v1/alarms", params=params, headers=headers)
        assert response.status_code == 200, response.text
        return [a["id"] for a in response.json()["items"]]

    everything = ids()
    assert everything == sorted(everything, reverse=True) and len(everything) == 5
    root = world.alarm(CABINET_1, "lighting.cabinet_supply_loss").id
    assert ids(top_level_only=True) == [
        world.alarm(light(7), "lighting.lamp_failure").id,
        root,
    ]
    assert ids(rule="lighting.cabinet_supply_loss") == [root]
    assert ids(severity="critical") == [root]
    assert ids(asset=light(2)) == [world.alarm(light(2), "lighting.lamp_failure").id]
    assert ids(state="acknowledged") == []
    assert ids(state="raised,acknowledged") == everything
    bad = client.get("/api/v1/alarms", params={"state": "burning"}, headers=headers)
    assert bad.status_code == 400
    pages: list[int] = []
    cursor = None
    while True:
        params: dict[str, object] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        body = client.get("/api/v1/alarms", params=params, headers=headers).json()
        pages += [a["id"] for a in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == everything
    detail = client.get(f"/api/v1/alarms/{root}", headers=headers).json()
    assert detail["children_total"] == 3
    assert {c["asset_id"] for c in detail["children"]} == {light(1), light(2), light(3)}
    assert client.get("/api/v1/alarms?cursor=bm90LWFuLWlk", headers=headers).status_code == 400


def test_titles_come_in_the_language_asked_for_french_by_default(console: Console) -> None:
    client, world = console
    alarm_id = _supply_loss(world)
    operator = auth(client, "olga")
    french = "Coupure de l'alimentation secteur de l'armoire"
    english = "Cabinet mains supply lost"

    def title(
        url: str, params: dict[str, str] | None = None, headers: dict[str, str] | None = None
    ) -> str:
        response = client.get(url, params=params, headers={**operator, **(headers or {})})
        assert response.status_code == 200, response.text
        body = response.json()
        alarm = body["items"][0] if "items" in body else body
        assert alarm["titles"] == {"fr": french, "en": english}
        assert alarm["rule_id"] == "lighting.cabinet_supply_loss"
        return str(alarm["title"])

    listed, one = "/api/v1/alarms", f"/api/v1/alarms/{alarm_id}"
    assert title(listed) == title(one) == french
    assert title(listed, params={"lang": "en"}) == title(one, params={"lang": "en"}) == english
    assert title(listed, headers={"Accept-Language": "en-GB,en;q=0.9"}) == english
    assert title(listed, headers={"Accept-Language": "de, en;q=0.5, fr;q=0.8"}) == french
    assert title(listed, headers={"Accept-Language": "de"}) == french
    # ?lang= wins over the header; an unknown one is refused.
    assert title(listed, params={"lang": "fr"}, headers={"Accept-Language": "en"}) == french
    refused = client.get(listed, params={"lang": "xx"}, headers=operator)
    assert refused.status_code == 400 and refused.json()["parameter"] == "lang"
    # What an operator's action returns is translated as well; the store keeps the English.
    acknowledged = client.post(f"{one}/acknowledge", headers=operator).json()
    assert acknowledged["title"] == french
    assert world.alarm(CABINET_1, "lighting.cabinet_supply_loss").title == english


def test_details_come_in_the_language_asked_for(console: Console) -> None:
    client, world = console
    world.send(light(1), on=True, power_w=0.5, dim_pct=100.0)
    world.advance(seconds=61)  # the rule waits a minute for the power to follow the switch
    alarm = world.alarm(light(1), "lighting.lamp_failure")
    assert alarm.detail.startswith("switched on but drawing 0.5 W")  # the store keeps English
    operator = auth(client, "olga")
    url = f"/api/v1/alarms/{alarm.id}"
    french = client.get(url, headers=operator).json()
    assert french["detail"].startswith("allumé mais consomme 0.5 W")
    assert french["details"] == {"fr": french["detail"], "en": alarm.detail}
    assert "detail_fr" not in french
    english = client.get(url, params={"lang": "en"}, headers=operator).json()
    assert english["detail"] == alarm.detail


def test_a_refused_action_says_why_in_the_language_asked_for(console: Console) -> None:
    client, world = console
    alarm_id = _supply_loss(world)
    url = f"/api/v1/alarms/{alarm_id}/shelve"
    past = {"until": (world.clock.now() - timedelta(minutes=1)).isoformat()}
    french = client.post(url, json=past, headers={**auth(client, "olga"), "Accept-Language": "fr"})
    assert french.status_code == 422
    assert french.json()["detail"] == "until doit être dans le futur et dans les 30 jours"
    english = client.post(url, json=past, headers=auth(client, "olga"))
    assert english.json()["detail"] == "until must be in the future and within 30 days"
