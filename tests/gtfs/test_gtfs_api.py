"""The public GTFS endpoints: static zip, realtime protobuf and its JSON form, problem+json
for a bad format."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from google.transit import gtfs_realtime_pb2 as rt

from vigie.domains.transit.gtfs.feed import read_zip


@pytest.mark.postgres
def test_feeds_are_public_and_consistent(client: TestClient) -> None:
    static = client.get("/gtfs/static.zip")
    assert static.status_code == 200
    assert static.headers["content-type"] == "application/zip"
    feed = read_zip(static.content)
    assert {c.service_id for c in feed.calendars} == {"weekday", "weekend"}
    for path in ("/gtfs-rt/vehicle-positions.pb", "/gtfs-rt/trip-updates.pb"):
        answer = client.get(path)
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "application/x-protobuf"
        message = rt.FeedMessage()
        message.ParseFromString(answer.content)
        assert message.header.gtfs_realtime_version == "2.0"
        as_json = client.get(path, params={"format": "json"})
        assert as_json.json()["header"]["incrementality"] == "FULL_DATASET"
        bad = client.get(path, params={"format": "xml"})
        assert bad.status_code == 422
        assert bad.headers["content-type"].startswith("application/problem+json")
