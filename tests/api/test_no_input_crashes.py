"""No input may produce a 500: arbitrary query strings and bodies get an answer or a problem."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.conftest import auth

_text = st.text(alphabet=st.characters(min_codepoint=0x0, max_codepoint=0x2FF), max_size=40)
_numbers = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
)
_json = st.recursive(
    st.none() | st.booleans() | _numbers | _text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_text, children, max_size=4),
    max_leaves=12,
)
_asset_like = st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from(["Streetlight", "Camera", "FibreLink", "Nope"]) | _text,
        "name": _text,
        "municipality_code": st.sampled_from(["21231", "21617", "99999"]) | _text,
        "lon": _numbers | _text,
        "lat": _numbers | _text,
        "status": st.sampled_from(["active", "retired", "planned"]) | _text,
        "geometry": _json,
        "attributes": st.dictionaries(_text, _json, max_size=4) | _json,
        "links": st.lists(st.dictionaries(_text, _text, max_size=3), max_size=3) | _json,
        "parts": _json,
    },
)
_params = st.dictionaries(
    st.sampled_from(
        ["type", "municipality", "status", "bbox", "near", "radius_m", "cursor", "limit", "format"]
    ),
    _text | _numbers.map(str),
    max_size=5,
)


def _is_problem_or_success(response: Any) -> bool:
    if response.status_code >= 500:
        return False
    if response.status_code >= 400:
        return bool(response.headers["content-type"] == "application/problem+json")
    return True


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(params=_params)
def test_any_list_query_is_answered(client: TestClient, params: dict[str, str]) -> None:
    response = client.get("/api/v1/assets", params=params, headers=_headers(client))
    assert _is_problem_or_success(response), response.text


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=_asset_like | _json)
def test_any_create_or_update_body_is_answered(client: TestClient, body: Any) -> None:
    headers = {**_headers(client), "content-type": "application/json"}
    # Encoded here, not by the client, so that NaN and Infinity reach the server too.
    raw = json.dumps(body, allow_nan=True)
    created = client.post("/api/v1/assets", content=raw, headers=headers)
    assert _is_problem_or_success(created), created.text
    patched = client.patch(
        "/api/v1/assets/urn:ngsi-ld:Streetlight:21231:3", content=raw, headers=headers
    )
    assert _is_problem_or_success(patched), patched.text


_tokens: dict[int, dict[str, str]] = {}


def _headers(client: TestClient) -> dict[str, str]:
    """One login per client: hashing a password for each example would dominate the run."""
    if id(client) not in _tokens:
        _tokens[id(client)] = auth(client, "ada")
    return _tokens[id(client)]
