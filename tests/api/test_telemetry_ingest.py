"""`POST /api/v1/telemetry` on the real pipeline and store: stored, deduplicated, and every
bad reading dead-lettered with its reason while the good ones around it are kept."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from tests.api.conftest import auth
from vigie.auth.roles import Role
from vigie.auth.tokens import issue_token
from vigie.auth.users import add_user
from vigie.core.clock import ManualClock
from vigie.store.schema import dead_letters, readings, twin_state

LIGHT = "urn:ngsi-ld:Streetlight:21231:4"
TS = "2026-03-02T07:59:00+00:00"


def _device_headers(engine: Engine, clock: ManualClock, role: Role = Role.DEVICE) -> dict[str, str]:
    with engine.begin() as conn:
        user = add_user(
            conn,
            username=f"gateway-{role.value}",
            password="gateway-password",
            role=role,
            actor="test",
            now=clock.now(),
        )
        token, _ = issue_token(
            conn, user_id=user.id, kind="machine", name="test", now=clock.now(), lifetime=None
        )
    return {"Authorization": f"Bearer {token}"}


def _count(engine: Engine, table: Any) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(table)) or 0)


def _reading(asset: str = LIGHT, ts: str = TS, **metrics: Any) -> dict[str, Any]:
    return {
        "asset": asset,
        "ts": ts,
        "metrics": metrics or {"on": True, "dim_pct": 70, "power_w": 28.0},
    }


def test_a_json_array_is_stored_and_sets_the_twin(
    client: TestClient, engine: Engine, clock: ManualClock
) -> None:
    headers = _device_headers(engine, clock)
    response = client.post(
        "/api/v1/telemetry",
        json=[_reading(), _reading("urn:ngsi-ld:Camera:21231:1", online=True)],
        headers=headers,
    )
    assert response.status_code == 202, response.text
    assert response.json() == {"stored": 4, "duplicates": 0, "rejected": 0, "reasons": []}
    with engine.connect() as conn:
        state = dict(
            conn.execute(
                select(twin_state.c.metric, twin_state.c.value).where(
                    twin_state.c.asset_id == LIGHT
                )
            ).all()
        )
    assert state == {"on": 1.0, "dim_pct": 70.0, "power_w": 28.0}


def test_ndjson_works_and_repeats_are_stored_once(
    client: TestClient, engine: Engine, clock: ManualClock
) -> None:
    headers = {**_device_headers(engine, clock), "content-type": "application/x-ndjson"}
    body = "\n".join(json.dumps(_reading(ts=f"2026-03-02T07:5{n}:00Z")) for n in range(5)) + "\n"
    first = client.post("/api/v1/telemetry", content=body, headers=headers)
    again = client.post("/api/v1/telemetry", content=body, headers=headers)
    assert first.json()["stored"] == 15 and again.json() == {
        "stored": 0,
        "duplicates": 15,
        "rejected": 0,
        "reasons": [],
    }
    assert _count(engine, readings) == 15


def test_bad_readings_are_dead_lettered_and_good_ones_kept(
    client: TestClient, engine: Engine, clock: ManualClock
) -> None:
    headers = _device_headers(engine, clock)
    batch = [
        _reading(),
        _reading(asset="urn:ngsi-ld:Streetlight:21231:999"),
        _reading(dim_pct=140),
        _reading(on="yes"),
        _reading(colour="blue"),
        _reading(ts="2026-03-02T09:00:00Z"),  # an hour in the future of the server's clock
        _reading(ts="2025-01-01T00:00:00Z"),
        _reading(ts="2026-03-02T07:59:00"),  # no offset
        "not a reading",
    ]
    response = client.post("/api/v1/telemetry", json=batch, headers=headers)
    assert response.status_code == 202
    assert response.json()["stored"] == 3 and response.json()["rejected"] == 8
    with engine.connect() as conn:
        reasons = sorted(conn.scalars(select(dead_letters.c.reason)))
    assert [r.split(":")[0] for r in reasons] == [
        "invalid",
        "invalid",
        "out of range",
        "timestamp in the future",
        "timestamp too old",
        "unknown asset",
        "unknown metric",
        "wrong type",
    ]


def test_an_unreadable_body_is_a_400_problem_and_dead_lettered(
    client: TestClient, engine: Engine, clock: ManualClock
) -> None:
    headers = {**_device_headers(engine, clock), "content-type": "application/json"}
    response = client.post("/api/v1/telemetry", content=b'[{"asset": "x", ', headers=headers)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"].startswith("malformed")
    assert _count(engine, dead_letters) == 1


def test_only_machine_tokens_of_reporting_roles_may_post(
    client: TestClient, engine: Engine, clock: ManualClock
) -> None:
    assert (
        client.post("/api/v1/telemetry", json=[_reading()], headers=auth(client, "ada")).status_code
        == 403
    )
    viewer = _device_headers(engine, clock, Role.VIEWER)
    assert client.post("/api/v1/telemetry", json=[_reading()], headers=viewer).status_code == 403
    assert client.post("/api/v1/telemetry", json=[_reading()]).status_code == 401
    assert _count(engine, readings) == 0


def test_counters_are_exposed_for_prometheus(
    client: TestClient, engine: Engine, clock: ManualClock
) -> None:
    client.post("/api/v1/telemetry", json=[_reading()], headers=_device_headers(engine, clock))
    text = client.get("/metrics").text
    assert 'vigie_telemetry_readings_total{outcome="stored"}' in text
    assert "vigie_telemetry_batch_seconds_bucket" in text


_junk = st.one_of(
    st.binary(max_size=200),
    st.text(max_size=80).map(str.encode),
    st.recursive(
        st.none()
        | st.booleans()
        | st.integers(-(2**80), 2**80)
        | st.floats()
        | st.text(max_size=20),
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
        ),
        max_leaves=8,
    ).map(lambda v: json.dumps(v, allow_nan=True).encode()),
    st.builds(
        lambda m: json.dumps(_reading(**m), allow_nan=True).encode(),
        st.dictionaries(
            st.sampled_from(["on", "dim_pct", "power_w", "energy_wh", "x"]),
            st.integers() | st.floats() | st.text(max_size=5) | st.booleans(),
            min_size=1,
            max_size=3,
        ),
    ),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(junk=st.lists(_junk, min_size=1, max_size=6))
def test_junk_lines_never_cost_the_good_ones(
    client: TestClient, engine: Engine, clock: ManualClock, junk: list[bytes]
) -> None:
    headers = _ndjson_headers(client, engine, clock)
    clock.advance(timedelta(seconds=1))  # a timestamp no earlier example used
    ts = clock.now() - timedelta(seconds=30)
    good = json.dumps(_reading(ts=ts.isoformat(), energy_wh=1234.5)).encode()
    lines = [j.replace(b"\n", b" ") for j in junk] + [good]
    response = client.post("/api/v1/telemetry", content=b"\n".join(lines), headers=headers)
    assert response.status_code == 202, response.text
    with engine.connect() as conn:
        kept = conn.scalar(
            select(readings.c.value).where(
                readings.c.asset_id == LIGHT, readings.c.metric == "energy_wh", readings.c.ts == ts
            )
        )
    assert kept == 1234.5


_device_tokens: dict[int, dict[str, str]] = {}


def _ndjson_headers(client: TestClient, engine: Engine, clock: ManualClock) -> dict[str, str]:
    if id(client) not in _device_tokens:
        _device_tokens[id(client)] = {
            **_device_headers(engine, clock),
            "content-type": "application/x-ndjson",
        }
    return _device_tokens[id(client)]


def test_a_device_token_reports_only_for_its_municipalities(
    client: TestClient, engine: Engine, clock: ManualClock
) -> None:
    """Issue #20, finding 4 over HTTP: a gateway token of Talant used to be able to post for
    Dijon's assets (a controller shown flashing, alarms raised in Dijon)."""
    with engine.begin() as conn:
        user = add_user(conn, username="talant-gateway", password="gateway-password",
                        role=Role.DEVICE, municipality_codes=("21617",), actor="test",
                        now=clock.now())  # fmt: skip
        token, _ = issue_token(conn, user_id=user.id, kind="machine", name="t", now=clock.now(),
                               lifetime=None)  # fmt: skip
    talant_light = "urn:ngsi-ld:Streetlight:21617:1"
    response = client.post(
        "/api/v1/telemetry",
        json=[_reading(asset=talant_light), _reading(asset=LIGHT)],
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 202
    body = response.json()
    assert (body["stored"], body["rejected"]) == (3, 1)
    assert body["reasons"] == [
        f"outside the sender's municipalities: {LIGHT} is in 21231, the token reports for 21617"
    ]
    with engine.connect() as conn:
        stored_assets = set(conn.scalars(select(readings.c.asset_id)))
    assert stored_assets == {talant_light}
