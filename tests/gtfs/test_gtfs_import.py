"""An agency's GTFS zip imported (CLI, audited, in the store on both engines) becomes the feed
served at /gtfs/static.zip, and buses are matched against its trips in the realtime feeds."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import msgspec
import pytest
from fastapi.testclient import TestClient
from gtfs_rt_validator.api import Mode, Request, resolve_roles, validate
from sqlalchemy import select
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from vigie.cli.main import app
from vigie.core.bus import EventBus
from vigie.core.clock import ManualClock
from vigie.domains.transit.gtfs.feed import (
    SERVICE_ADDED,
    SERVICE_REMOVED,
    Agency,
    Calendar,
    CalendarDate,
    Feed,
    FeedError,
    Route,
    Stop,
    StopTime,
    Trip,
    read_zip,
    write_zip,
)
from vigie.domains.transit.gtfs.network import build_network
from vigie.domains.transit.gtfs.store import import_feed, latest_feed
from vigie.registry.batch import create_assets
from vigie.registry.validation import AssetInput
from vigie.store.schema import audit_log
from vigie.telemetry.pipeline import Pipeline, RawMessage

BUS = "urn:ngsi-ld:Bus:21231:1001"


def agency_feed() -> Feed:
    """Line "B5" along a street running east (5 stops, 400 m apart), every 10 min both ways."""
    feed = Feed(
        agencies=[Agency("divia", "Divia", "http://127.0.0.1/divia", "Europe/Paris")],
        routes=[Route("R-B5", "B5", "République – Université", agency_id="divia")],
        calendars=[Calendar("SEM", 1, 1, 1, 1, 1, 0, 0, "20260101", "20261231")],
        stops=[Stop(f"P{k}", f"Arrêt {k}", 47.3200, 5.0300 + 0.00528 * k) for k in range(5)],
    )
    for direction in (0, 1):
        order = list(range(5)) if direction == 0 else list(range(4, -1, -1))
        for n in range(6 * 18):  # 06:00 to 24:00
            trip_id = f"B5-{direction}-{n}"
            start = 6 * 3600 + 600 * n
            feed.trips.append(Trip("R-B5", "SEM", trip_id, direction))
            for seq, k in enumerate(order, start=1):
                t = start + 90 * (seq - 1)
                feed.stop_times.append(
                    StopTime(trip_id, t - (20 if seq > 1 else 0), t, f"P{k}", seq)
                )
    return feed


def test_a_zip_that_is_not_gtfs_is_refused(engine: Engine) -> None:
    now = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    good = zipfile.ZipFile(io.BytesIO(write_zip(agency_feed())))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as broken:
        for name in good.namelist():
            text = good.read(name).decode()
            broken.writestr(name, text.replace("47.32,", "north,") if name == "stops.txt" else text)
    with engine.begin() as conn, pytest.raises(FeedError, match=r"stops\.txt line 2"):
        import_feed(conn, buffer.getvalue(), "test", now)
    with engine.begin() as conn, pytest.raises(FeedError, match="not a zip"):
        import_feed(conn, b"hello", "test", now)


@pytest.mark.postgres
def test_imported_feed_is_served_and_matched(
    client: TestClient, engine: Engine, clock: ManualClock, tmp_path: Path
) -> None:
    data = write_zip(agency_feed())
    with engine.begin() as conn:
        feed_id, _ = import_feed(conn, data, "olga", clock.now())
        audited = conn.execute(select(audit_log.c.action, audit_log.c.entity_id)).all()
        assert ("gtfs.import", str(feed_id)) in audited
        stored = latest_feed(conn)
    assert stored is not None and stored.data == data
    served = client.get("/gtfs/static.zip")
    assert served.content == data
    # A bus of line B5 heading east between P1 and P2, reported a minute ago.
    with engine.begin() as conn:
        create_assets(conn, [(1, AssetInput(
            type="Bus", id=BUS, name="Bus 1001", municipality_code="21231", lon=5.04,
            lat=47.32, attributes={"fleet_number": "1001", "capacity_passengers": 95,
                                   "propulsion": "electric", "line_ref": "B5"},
        ))], actor="test", now=clock.now())  # fmt: skip
    ts = clock.now() - timedelta(minutes=1)
    metrics = {"lon": 5.0382, "lat": 47.3201, "speed_kmh": 25.0, "heading_deg": 90.0}
    payload = msgspec.json.encode({"ts": ts.isoformat(), "metrics": metrics})
    Pipeline(engine, clock, EventBus()).ingest([RawMessage("mqtt", payload, ts, topic_asset=BUS)])
    positions = client.get("/gtfs-rt/vehicle-positions.pb", params={"format": "json"}).json()
    vehicle = positions["entity"][0]["vehicle"]
    assert vehicle["vehicle"]["label"] == "1001"
    assert vehicle["trip"]["route_id"] == "R-B5"
    assert vehicle["trip"]["trip_id"].startswith("B5-0-")
    assert vehicle["stop_id"] == "P2"
    # Both feeds validate against the imported zip.
    (tmp_path / "static.zip").write_bytes(data)
    (tmp_path / "vp.pb").write_bytes(client.get("/gtfs-rt/vehicle-positions.pb").content)
    (tmp_path / "tu.pb").write_bytes(client.get("/gtfs-rt/trip-updates.pb").content)
    result = validate(Request(
        mode=Mode.MODERN, gtfs=tmp_path / "static.zip",
        inputs=resolve_roles({"vp": str(tmp_path / "vp.pb"), "tu": str(tmp_path / "tu.pb")}),
        at=clock.now(),
    ))  # fmt: skip
    assert result.error_ids() == ()


def test_cli_imports_and_exports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIGIE_DATABASE_URL", f"sqlite:///{tmp_path / 'vigie.db'}")
    source = tmp_path / "agency.zip"
    source.write_bytes(write_zip(agency_feed()))
    runner = CliRunner()
    imported = runner.invoke(app, ["gtfs", "import", str(source), "--actor", "olga"])
    assert imported.exit_code == 0, imported.output
    assert "1 routes, 5 stops, 216 trips" in imported.output
    exported = runner.invoke(app, ["gtfs", "export", str(tmp_path / "out.zip")])
    assert exported.exit_code == 0, exported.output
    assert read_zip((tmp_path / "out.zip").read_bytes()).stops == agency_feed().stops
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"not a zip")
    refused = runner.invoke(app, ["gtfs", "import", str(bad)])
    assert refused.exit_code == 2
    assert "not a zip" in refused.output


def test_calendar_dates_add_and_remove_services_and_may_stand_alone() -> None:
    feed = agency_feed()
    # Easter Monday 2026 (6 April) off; a Sunday (12 April) with the weekday service.
    feed.calendar_dates = [
        CalendarDate("SEM", "20260406", SERVICE_REMOVED),
        CalendarDate("SEM", "20260412", SERVICE_ADDED),
    ]
    network = build_network(read_zip(write_zip(feed)))
    assert network.services_on(date(2026, 4, 7)) == {"SEM"}  # an ordinary Tuesday
    assert network.services_on(date(2026, 4, 6)) == set()
    assert network.services_on(date(2026, 4, 12)) == {"SEM"}
    assert network.services_on(date(2026, 4, 11)) == set()  # a Saturday

    # Many agencies publish only calendar_dates.txt: the dates a service runs.
    dates_only = agency_feed()
    dates_only.calendars = []
    dates_only.calendar_dates = [CalendarDate("SEM", "20260407", SERVICE_ADDED)]
    data = _without(write_zip(dates_only), "calendar.txt")
    network = build_network(read_zip(data))
    assert network.services_on(date(2026, 4, 7)) == {"SEM"}
    assert network.services_on(date(2026, 4, 8)) == set()

    with pytest.raises(FeedError, match="both missing"):
        read_zip(_without(data, "calendar_dates.txt"))


def _without(data: bytes, name: str) -> bytes:
    """The zip without one of its files."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            if info.filename != name:
                target.writestr(info, source.read(info))
    return out.getvalue()
