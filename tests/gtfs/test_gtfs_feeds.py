"""GTFS static of the twin and the GTFS-realtime feeds built from simulated buses: they
round-trip, match trips, and pass the gtfs-rt-validator's rules with no error."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from gtfs_rt_validator.api import Mode, Request, resolve_roles, validate
from sqlalchemy.engine import Engine

from tests.lab.test_sim_twin import START, write_small_city
from vigie.core.bus import EventBus
from vigie.domains.transit.gtfs.feed import FeedError, read_zip, write_zip
from vigie.domains.transit.gtfs.live import bus_reports
from vigie.domains.transit.gtfs.network import BusNetwork, build_network
from vigie.domains.transit.gtfs.realtime import as_json, trip_updates, vehicle_positions
from vigie.domains.transit.gtfs.twin import SIM_SEED, twin_feed
from vigie.lab.faults.config import FaultConfig
from vigie.lab.runner import RunConfig, replay
from vigie.lab.transport import FollowingClock, PipelineSender
from vigie.registry.municipalities import seed_reference_municipalities
from vigie.registry.snapshot import load_snapshot
from vigie.store.engine import make_engine
from vigie.store.migrate import upgrade_to_head
from vigie.telemetry.pipeline import Pipeline

#: A Monday morning, buses in service.
MORNING = START - timedelta(hours=7)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, BusNetwork]]:
    """The small twin after 20 simulated minutes of buses reporting through the pipeline."""
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('gtfs') / 'vigie.db'}")
    upgrade_to_head(engine)
    with engine.begin() as conn:
        seed_reference_municipalities(conn)
    write_small_city(engine)
    twin = load_snapshot(engine)
    clock = FollowingClock(MORNING)
    sender = PipelineSender(Pipeline(engine, clock, EventBus()), clock=clock)
    config = RunConfig(
        seed=SIM_SEED, start=MORNING, duration=timedelta(minutes=20), faults=FaultConfig.none()
    )
    replay(twin, config, sender)
    network = build_network(twin_feed(twin, MORNING.date()))
    yield engine, network
    engine.dispose()


def test_static_feed_round_trips(live: tuple[Engine, BusNetwork]) -> None:
    _, network = live
    feed = network.feed
    assert feed.routes and feed.stops and feed.trips
    again = read_zip(write_zip(feed))
    assert again.stops == feed.stops
    assert again.stop_times[:50] == feed.stop_times[:50]
    assert {t.trip_id for t in again.trips} == {t.trip_id for t in feed.trips}


def test_a_broken_zip_is_refused() -> None:
    with pytest.raises(FeedError, match="not a zip"):
        read_zip(b"PK no zip")


def test_realtime_feeds_validate_without_errors(
    live: tuple[Engine, BusNetwork], tmp_path: Path
) -> None:
    engine, network = live
    now = MORNING + timedelta(minutes=20)
    with engine.connect() as conn:
        reports = bus_reports(conn, network, now)
    assert reports
    matched = [r for r in reports if r.trip_id is not None]
    assert len(matched) >= len(reports) // 2
    static = tmp_path / "static.zip"
    static.write_bytes(write_zip(network.feed))
    vp = tmp_path / "vehicle_positions.pb"
    tu = tmp_path / "trip_updates.pb"
    stamp = int(now.timestamp())
    vp.write_bytes(vehicle_positions(reports, stamp).SerializeToString())
    tu.write_bytes(trip_updates(reports, stamp).SerializeToString())
    result = validate(
        Request(
            mode=Mode.MODERN,
            gtfs=static,
            inputs=resolve_roles({"vp": str(vp), "tu": str(tu)}),
            at=now,
        )
    )
    assert result.error_ids() == ()
    assert result.run.messages_validated == 2
    assert as_json(trip_updates(reports, stamp))["header"]["gtfs_realtime_version"] == "2.0"
