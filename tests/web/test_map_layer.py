"""GET /api/v1/map/assets: every visible asset in columns, with an ETag, gzipped on request."""

from __future__ import annotations

import gzip
import json
import urllib.request

from tests.web.server import Server
from tests.web.twin import PASSWORD, TALANT, Twin


def _get(server: Server, token: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(server.base_url + "/api/v1/map/assets")
    request.add_header("Authorization", f"Bearer {token}")
    for name, value in headers.items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return (
                response.status,
                {k.lower(): v for k, v in response.headers.items()},
                response.read(),
            )
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def test_the_map_layer_holds_every_asset_in_columns(server: Server, twin: Twin) -> None:
    token = server.login("olga", PASSWORD)
    status, headers, raw = _get(server, token, **{"Accept-Encoding": "gzip"})
    assert status == 200 and headers["content-encoding"] == "gzip"
    body = json.loads(gzip.decompress(raw))
    assert body["count"] == twin.total == len(body["id"]) == len(body["lon"])
    assert sorted(body["types"]) == sorted(twin.counts)
    lines = [i for i in map(int, body["lines"]) if body["types"][body["type"][i]] == "FibreLink"]
    assert len(lines) == len(body["lines"]) == twin.counts["FibreLink"]
    fed = [f for f, t in zip(body["feeder"], body["type"], strict=True) if f >= 0]
    assert len(fed) == twin.counts["Streetlight"]
    assert all(cabinet for _, cabinet in body["feeders"])
    # Unchanged, it is not sent again.
    status, _, raw = _get(server, token, **{"If-None-Match": headers["etag"]})
    assert status == 304 and raw == b""


def test_the_map_layer_is_scoped(server: Server, twin: Twin) -> None:
    status, _, raw = _get(server, server.login("tala", PASSWORD))
    body = json.loads(raw)
    assert status == 200 and body["municipalities"] == [TALANT]
    assert body["count"] == twin.talant_assets


def test_the_map_layer_needs_a_reader(server: Server, twin: Twin) -> None:
    assert _get(server, "vigie_nope")[0] == 401
    assert _get(server, twin.device_token)[0] == 403
