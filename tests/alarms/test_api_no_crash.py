"""No input to the alarm API may produce a 500: any query or body gets an answer or a
problem."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.alarms.builders import CABINET_1
from tests.alarms.conftest import World, auth

_text = st.text(alphabet=st.characters(min_codepoint=0x1, max_codepoint=0x2FF), max_size=30)
_numbers = st.one_of(st.integers(min_value=-(2**70), max_value=2**70), st.floats())
_values = _text | _numbers.map(str)
_params = st.dictionaries(
    st.sampled_from(
        ["state", "severity", "municipality", "asset", "rule", "top_level_only", "cursor", "limit"]
    ),
    _values,
    max_size=5,
)
_json = st.recursive(
    st.none() | st.booleans() | _numbers | _text,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(_text, children, max_size=3),
    max_leaves=8,
)
_bodies = _json | st.fixed_dictionaries({}, optional={"until": _json | _text, "text": _json})
_ids = st.sampled_from(["1", "0", "-1", "abc", str(2**64), "1e3"]) | _numbers.map(str)
_ACTIONS = ["acknowledge", "shelve", "comment", "close"]
_SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _answered(response: Any) -> bool:
    if response.status_code >= 500:
        return False
    if response.status_code >= 400:
        return bool(response.headers["content-type"] == "application/problem+json")
    return True


@_SETTINGS
@given(params=_params)
def test_any_list_query_is_answered(
    console: tuple[TestClient, World], params: dict[str, str]
) -> None:
    client, _ = console
    response = client.get("/api/v1/alarms", params=params, headers=auth(client, "tala"))
    assert _answered(response), response.text


@_SETTINGS
@given(alarm_id=_ids, action=st.sampled_from(_ACTIONS), body=_bodies)
def test_any_action_is_answered(
    console: tuple[TestClient, World], alarm_id: str, action: str, body: Any
) -> None:
    client, world = console
    if not world.alarms_on(CABINET_1):
        world.send(CABINET_1, supply_v=0.0)
    headers = {**auth(client, "olga"), "content-type": "application/json"}
    raw = json.dumps(body, allow_nan=True)
    response = client.post(f"/api/v1/alarms/{alarm_id}/{action}", content=raw, headers=headers)
    assert _answered(response), response.text
    assert _answered(client.get(f"/api/v1/alarms/{alarm_id}", headers=headers))
