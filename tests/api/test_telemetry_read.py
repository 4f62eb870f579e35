"""GET /api/v1/assets/{id}/state, /readings and /api/v1/telemetry/rejected on both stores,
with readings put in by the ingest pipeline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from tests.api.conftest import auth
from vigie.api.routes import telemetry_read
from vigie.core.bus import EventBus
from vigie.core.clock import ManualClock
from vigie.registry.batch import create_assets
from vigie.registry.validation import AssetInput
from vigie.telemetry.pipeline import Pipeline, RawMessage
from vigie.timeseries.maintenance import roll_up_in_steps

LIGHT = "urn:ngsi-ld:Streetlight:21231:1"
TALANT_LIGHT = "urn:ngsi-ld:Streetlight:21617:1"
BUILDING = "urn:ngsi-ld:Building:21231:1"
METER = "urn:ngsi-ld:Meter:21231:1-1"
T0 = datetime(2026, 3, 1, 22, 0, tzinfo=UTC)  # 23:00 in Paris; the clock says 2026-03-02 08:00
MIN = timedelta(minutes=1)


@pytest.fixture
def api(client: TestClient, engine: Engine, clock: ManualClock) -> TestClient:
    """The client, with this router (until the app includes it) and a day of readings."""
    _tokens.clear()
    paths = {getattr(route, "path", "") for route in client.app.routes}  # type: ignore[attr-defined]
    if "/api/v1/assets/{asset_id}/state" not in paths:
        client.app.include_router(telemetry_read.router)  # type: ignore[attr-defined]
    with engine.begin() as conn:
        create_assets(conn, [(1, _building())], actor="test", now=clock.now())
    pipeline = Pipeline(engine, clock, EventBus())
    for k in range(40):  # 22:00 → 07:45 UTC, one every 15 minutes, as they come
        ts = T0 + k * 15 * MIN
        pipeline.ingest([_message(LIGHT, ts, on=k < 30, dim_pct=70.0, energy_wh=1e3 + 10 * k)])
    pipeline.ingest(
        [
            _message(METER, T0, energy_wh=5e6, power_w=1200.0),
            RawMessage("mqtt", b"{not json", clock.now(), topic_asset=LIGHT),
            _message(TALANT_LIGHT, T0, volts=230.0),
        ]
    )
    roll_up_in_steps(engine)
    return client


def _building() -> AssetInput:
    return AssetInput(
        type="Building",
        id=BUILDING,
        name="Piscine du Carrousel",
        municipality_code="21231",
        lon=5.03,
        lat=47.31,
        attributes={"building_use": "pool", "floor_area_m2": 2400.0},
        parts=[{"kind": "meter", "id": METER, "attributes": {"energy_carrier": "electricity"}}],
    )


def _message(asset: str, ts: datetime, **metrics: Any) -> RawMessage:
    payload = msgspec.json.encode({"ts": ts.isoformat(), "metrics": metrics})
    return RawMessage("mqtt", payload, ts, topic_asset=asset)


#: Bearer headers per user for the current test (the `api` fixture empties it).
_tokens: dict[str, dict[str, str]] = {}


def _get(api: TestClient, url: str, user: str = "olga", **params: Any) -> Any:
    # One login per user and test: hashing passwords is what costs time here.
    if user not in _tokens:
        _tokens[user] = auth(api, user)
    return api.get(url, params=params, headers=_tokens[user])


def test_the_state_of_an_asset_is_its_twin(api: TestClient) -> None:
    response = _get(api, f"/api/v1/assets/{LIGHT}/state")
    assert response.status_code == 200, response.text
    body = response.json()
    last = (T0 + 39 * 15 * MIN).isoformat().replace("+00:00", "Z")
    assert (body["type"], body["municipality_code"], body["last_seen"]) == (
        "Streetlight",
        "21231",
        last,
    )
    metrics = body["metrics"]
    assert metrics["on"]["value"] is False  # a boolean, not 0.0
    assert metrics["on"]["changed_at"] == (T0 + 30 * 15 * MIN).isoformat().replace("+00:00", "Z")
    assert metrics["dim_pct"] == {
        "value": 70.0,
        "unit": "%",
        "ts": last,
        "changed_at": T0.isoformat().replace("+00:00", "Z"),
    }
    assert metrics["energy_wh"]["value"] == 1390.0

    # A meter has a state too, in the scope of its building.
    body = _get(api, f"/api/v1/assets/{METER}/state").json()
    assert body["type"] == "Meter" and body["metrics"]["power_w"]["unit"] == "W"
    assert _get(api, f"/api/v1/assets/{METER}/state", "tala").status_code == 403

    # Unknown ids and other municipalities.
    missing = _get(api, "/api/v1/assets/urn:ngsi-ld:Streetlight:21231:999/state")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    denied = _get(api, f"/api/v1/assets/{LIGHT}/state", "tala")
    assert denied.status_code == 403 and denied.json()["type"].endswith("/out-of-scope")
    assert _get(api, f"/api/v1/assets/{LIGHT}/readings", "tala", metric="on").status_code == 403
    assert _get(api, f"/api/v1/assets/{TALANT_LIGHT}/state", "tala").status_code == 200


def test_raw_readings_page_through_each_metric(api: TestClient) -> None:
    url = f"/api/v1/assets/{LIGHT}/readings"
    seen: list[tuple[str, Any]] = []
    cursor = None
    for _ in range(10):
        params: dict[str, Any] = {"metric": ["on", "energy_wh"], "limit": 25}
        if cursor:
            params["cursor"] = cursor
        body = _get(api, url, **params).json()
        seen += [(item["metric"], item["value"]) for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    # The default range is the last 24 hours up to the clock (08:00): all 40 of each.
    assert [m for m, _ in seen] == ["on"] * 40 + ["energy_wh"] * 40
    assert seen[0] == ("on", True) and seen[-1] == ("energy_wh", 1390.0)
    assert body["units"] == {"on": None, "energy_wh": "Wh"}


def test_hourly_and_daily_rollups(api: TestClient) -> None:
    url = f"/api/v1/assets/{LIGHT}/readings"
    span = {"from": "2026-03-02T00:30:00+01:00", "to": "2026-03-02T02:00:00Z"}
    hours = _get(api, url, metric="energy_wh", resolution="hour", **span).json()
    assert [i["start"] for i in hours["items"]] == [
        "2026-03-01T23:00:00Z",
        "2026-03-02T00:00:00Z",
        "2026-03-02T01:00:00Z",
    ]
    first = hours["items"][0]
    assert (first["count"], first["min"], first["max"], first["mean"]) == (4, 1040, 1070, 1055)
    assert first["increase"] == pytest.approx(40.0)  # 30 inside the hour, 10 from 22:45→23:00

    span = {"from": "2026-03-01T00:00:00Z", "to": "2026-03-03T00:00:00Z"}
    days = _get(api, url, metric=["energy_wh", "on"], resolution="day", **span).json()
    energy = [i for i in days["items"] if i["metric"] == "energy_wh"]
    assert [(i["start"], i["count"], i["increase"]) for i in energy] == [
        ("2026-03-01T00:00:00Z", 8, pytest.approx(80.0)),  # 23:45→00:00 belongs to the 1st
        ("2026-03-02T00:00:00Z", 32, pytest.approx(310.0)),
    ]
    on = [i for i in days["items"] if i["metric"] == "on"]
    assert "increase" not in on[0] and on[1]["mean"] == pytest.approx(22 / 32)

    span = {"from": "2026-03-01T00:00:00+01:00", "to": "2026-03-03T00:00:00+01:00"}
    paris = _get(api, url, metric="energy_wh", resolution="day", tz="Europe/Paris", **span).json()
    assert [(i["day"], i["start"], i["count"]) for i in paris["items"]] == [
        ("2026-03-01", "2026-02-28T23:00:00Z", 4),
        ("2026-03-02", "2026-03-01T23:00:00Z", 36),
    ]
    assert sum(i["increase"] for i in paris["items"]) == pytest.approx(390.0)


JAN = "2026-01-01T00:00:00Z"
MAR2 = "2026-03-02T00:00:00Z"
BAD_READINGS_QUERIES: list[tuple[dict[str, Any], str | None]] = [
    ({}, "bad-filter"),
    ({"metric": "volts"}, "unknown-metric"),
    ({"metric": "on", "from": "2026-03-02T08:00:00"}, "bad-time"),
    ({"metric": "on", "from": "yesterday"}, "bad-time"),
    ({"metric": "on", "from": MAR2, "to": "2026-03-01T08:00:00Z"}, "bad-range"),
    ({"metric": "on", "from": JAN, "to": MAR2}, "range-too-long"),
    ({"metric": "on", "from": JAN, "to": MAR2, "resolution": "hour"}, None),  # coarser: fine
    ({"metric": "on", "resolution": "hour", "tz": "Europe/Paris"}, "bad-filter"),
    ({"metric": "on", "cursor": "bm90LWEtY3Vyc29y"}, "bad-cursor"),
    ({"metric": "hvac_mode", "resolution": "hour", "asset": BUILDING}, "not-rolled-up"),
]


def test_bad_requests_are_problems(api: TestClient) -> None:
    for query, kind in BAD_READINGS_QUERIES:
        params = dict(query)
        asset = params.pop("asset", LIGHT)
        response = _get(api, f"/api/v1/assets/{asset}/readings", **params)
        if kind is None:
            assert response.status_code == 200, response.text
            continue
        assert response.status_code == 400, (params, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"].endswith("/" + kind), (params, response.text)


def test_rejected_readings_newest_first_for_the_control_room(api: TestClient) -> None:
    for user in ("ada", "sam", "olga"):
        assert _get(api, "/api/v1/telemetry/rejected", user).status_code == 200
    for user in ("theo", "tala", "vic"):
        assert _get(api, "/api/v1/telemetry/rejected", user).status_code == 403
    items = _get(api, "/api/v1/telemetry/rejected").json()["items"]
    # The malformed message came in at 08:00; the reading of an unknown metric, at 22:00.
    assert [(i["asset_id"], i["metric"]) for i in items] == [(LIGHT, None), (TALANT_LIGHT, "volts")]
    malformed = next(i for i in items if i["metric"] is None)
    assert malformed["reason"].startswith("malformed") and malformed["payload"] == "{not json"
    assert (malformed["payload_bytes"], malformed["payload_truncated"]) == (9, False)
    assert malformed["source"] == "mqtt" and malformed["received_at"].endswith("Z")

    first = _get(api, "/api/v1/telemetry/rejected", limit=1).json()
    second = _get(api, "/api/v1/telemetry/rejected", limit=1, cursor=first["next_cursor"]).json()
    assert [first["items"][0]["id"], second["items"][0]["id"]] == [i["id"] for i in items]
    assert second["next_cursor"] is None
    only = _get(api, "/api/v1/telemetry/rejected", asset=TALANT_LIGHT).json()["items"]
    assert [i["metric"] for i in only] == ["volts"]
    assert _get(api, "/api/v1/telemetry/rejected", since="2026-03-02T09:00:00Z").json() == {
        "items": [],
        "next_cursor": None,
    }


def test_hourly_rollups_page_through_with_a_cursor(api: TestClient) -> None:
    # Rollup rows are keyed by hour first: a series is read by one seek per hour, and a page's
    # cursor must resume exactly after the last hour it returned.
    url = f"/api/v1/assets/{LIGHT}/readings"
    span = {"from": "2026-03-01T00:00:00Z", "to": "2026-03-03T00:00:00Z"}
    whole = _get(api, url, metric="energy_wh", resolution="hour", **span).json()["items"]
    paged: list[Any] = []
    cursor = None
    for _ in range(len(whole) + 1):
        params: dict[str, Any] = {"metric": "energy_wh", "resolution": "hour", "limit": 3}
        if cursor:
            params["cursor"] = cursor
        body = _get(api, url, **params, **span).json()
        paged += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len(whole) > 3
    assert paged == whole
