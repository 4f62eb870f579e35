"""No query string makes the fleet or GTFS endpoints fail: an answer or a problem."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.conftest import auth

_text = st.text(alphabet=st.characters(min_codepoint=0x1, max_codepoint=0x2FF), max_size=30)
_numbers = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
).map(str)
_params = st.dictionaries(
    st.sampled_from(["lon", "lat", "skill", "limit", "status", "from", "to", "format"]),
    _text | _numbers,
    max_size=5,
)
_PATHS = (
    "/api/v1/fleet",
    "/api/v1/fleet/nearest",
    "/api/v1/fleet/urn:ngsi-ld:FleetVehicle:21231:1/trail",
    "/gtfs-rt/vehicle-positions.pb",
)
_tokens: dict[int, dict[str, str]] = {}


def _answered(response: Any) -> bool:
    if response.status_code >= 500:
        return False
    if response.status_code >= 400:
        return bool(response.headers["content-type"] == "application/problem+json")
    return True


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(path=st.sampled_from(_PATHS), params=_params)
def test_any_query_is_answered(client: TestClient, path: str, params: dict[str, str]) -> None:
    if id(client) not in _tokens:
        _tokens[id(client)] = auth(client, "olga")
    response = client.get(path, params=params, headers=_tokens[id(client)])
    assert _answered(response), response.text
