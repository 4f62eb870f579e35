"""GET /api/v1/stream/state: snapshot, batched changes, scope, one asset, refusals."""

from __future__ import annotations

import urllib.error
import urllib.parse

import pytest

from tests.web.helpers import iso
from tests.web.server import Server
from tests.web.sse import open_stream
from tests.web.twin import DIJON, PASSWORD, TALANT, Twin


def _url(server: Server, token: str, **params: str) -> str:
    return f"{server.base_url}/api/v1/stream/state?" + urllib.parse.urlencode(
        {"token": token, **params}
    )


def test_changes_come_batched_after_a_snapshot(server: Server, twin: Twin) -> None:
    token = server.login("olga", PASSWORD)
    lights = [f"urn:ngsi-ld:Streetlight:{DIJON}:{n}" for n in range(1000, 1300)]
    with open_stream(_url(server, token)) as stream:
        snapshot = stream.next_named("snapshot")
        assert {"now", "columns", "rows"} <= snapshot.keys()
        assert "on" in snapshot["columns"] and "energy_wh" not in snapshot["columns"]
        server.post_telemetry(
            twin.device_token,
            [
                {"asset": light, "ts": iso(), "metrics": {"on": True, "dim_pct": 50}}
                for light in lights
            ],
        )
        received: list[dict[str, object]] = []
        while len(received) < 2 * len(lights):
            # Bounded, but no timing asserted: latency goals belong to bench/, not to tests.
            received += stream.next_named("changes", timeout_s=10.0)["changes"]
    assert {c["asset_id"] for c in received} == set(lights)
    assert {c["metric"] for c in received} == {"on", "dim_pct"}
    assert set(received[0]) == {"asset_id", "metric", "value", "value_text", "ts"}


def test_a_snapshot_holds_what_was_reported_and_one_asset_can_be_followed(
    server: Server, twin: Twin
) -> None:
    light = f"urn:ngsi-ld:Streetlight:{DIJON}:2000"
    server.post_telemetry(
        twin.device_token,
        [{"asset": light, "ts": iso(), "metrics": {"on": True, "energy_wh": 1234.5}}],
    )
    token = server.login("olga", PASSWORD)
    with open_stream(_url(server, token, asset=light, metrics="*")) as stream:
        snapshot = stream.next_named("snapshot")
        assert [row[0] for row in snapshot["rows"]] == [light]
        row = dict(zip(snapshot["columns"], snapshot["rows"][0][2:], strict=True))
        assert row["energy_wh"] == 1234.5 and row["on"] == 1.0
        other = f"urn:ngsi-ld:Streetlight:{DIJON}:2001"
        server.post_telemetry(
            twin.device_token,
            [
                {"asset": other, "ts": iso(), "metrics": {"on": True}},
                {"asset": light, "ts": iso(), "metrics": {"power_w": 40.5}},
            ],
        )
        changes = stream.next_named("changes")["changes"]
    assert [(c["asset_id"], c["metric"], c["value"]) for c in changes] == [(light, "power_w", 40.5)]


def test_a_municipal_agent_gets_only_their_municipality(server: Server, twin: Twin) -> None:
    dijon = f"urn:ngsi-ld:Streetlight:{DIJON}:2100"
    talant = f"urn:ngsi-ld:Streetlight:{TALANT}:7"
    token = server.login("tala", PASSWORD)
    with open_stream(_url(server, token)) as stream:
        snapshot = stream.next_named("snapshot")
        assert all(row[0].split(":")[3] == TALANT for row in snapshot["rows"])
        server.post_telemetry(
            twin.device_token,
            [
                {"asset": dijon, "ts": iso(), "metrics": {"on": False}},
                {"asset": talant, "ts": iso(), "metrics": {"on": False}},
            ],
        )
        changes = stream.next_named("changes")["changes"]
    assert [c["asset_id"] for c in changes] == [talant]
    with pytest.raises(urllib.error.HTTPError) as refused:
        open_stream(_url(server, token, asset=dijon)).__enter__()
    assert refused.value.code == 404


@pytest.mark.parametrize("token", ["", "vigie_not-a-token"])
def test_no_stream_without_a_valid_token(server: Server, token: str) -> None:
    with pytest.raises(urllib.error.HTTPError) as refused:
        open_stream(_url(server, token)).__enter__()
    assert refused.value.code == 401


def test_a_device_token_may_not_read_the_state(server: Server, twin: Twin) -> None:
    with pytest.raises(urllib.error.HTTPError) as refused:
        open_stream(_url(server, twin.device_token)).__enter__()
    assert refused.value.code == 403
