"""Open data for riders and journey planners: the bus network's GTFS static feed and its
GTFS-realtime feeds (public, no token, as open data is).

    GET /gtfs/static.zip
    GET /gtfs-rt/vehicle-positions.pb[?format=json]
    GET /gtfs-rt/trip-updates.pb[?format=json]

The static feed is the latest one imported (`vigie gtfs import`), else the twin's timetable
built from the registry (once per day and process); the realtime feeds are built on each
request from the buses' live state, matched against that same static feed.
"""

from __future__ import annotations

import threading
from datetime import date
from typing import Annotated, Any, Literal

import msgspec
from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from vigie.api.dependencies import CurrentClock, ReadConnection
from vigie.domains.transit.gtfs.feed import read_zip, write_zip
from vigie.domains.transit.gtfs.live import PARIS, bus_reports
from vigie.domains.transit.gtfs.network import BusNetwork, build_network
from vigie.domains.transit.gtfs.realtime import as_json, trip_updates, vehicle_positions
from vigie.domains.transit.gtfs.store import latest_feed, latest_feed_sha
from vigie.domains.transit.gtfs.twin import twin_feed
from vigie.registry.snapshot import load_snapshot

router = APIRouter(tags=["gtfs"])
PROTOBUF = "application/x-protobuf"
Format = Annotated[Literal["pb", "json"], Query(description="pb (protobuf) or json")]
_lock = threading.Lock()


def _network(request: Request, today: date) -> tuple[BusNetwork, bytes]:
    """The served feed and its network: the latest import (rebuilt when a new one comes),
    else the twin's (rebuilt each day)."""
    state = request.app.state
    with state.engine.connect() as conn:
        digest = latest_feed_sha(conn)
    key = ("import", digest) if digest is not None else ("twin", today.isoformat())
    with _lock:
        cached: tuple[tuple[str, str], BusNetwork, bytes] | None = getattr(
            state, "gtfs_network", None
        )
        if cached is None or cached[0] != key:
            with state.engine.connect() as conn:
                imported = latest_feed(conn) if digest is not None else None
            if imported is not None:
                data = imported.data
                feed = read_zip(data)
            else:
                feed = twin_feed(load_snapshot(state.engine), today)
                data = write_zip(feed)
            cached = (key, build_network(feed), data)
            state.gtfs_network = cached
        return cached[1], cached[2]


def _feed(message: Any, fmt: str) -> Response:
    if fmt == "json":
        return Response(msgspec.json.encode(as_json(message)), media_type="application/json")
    return Response(message.SerializeToString(), media_type=PROTOBUF)


@router.get("/gtfs/static.zip", summary="GTFS static feed of the bus network")
def static_feed(request: Request, clock: CurrentClock) -> Response:
    _, data = _network(request, clock.now().astimezone(PARIS).date())
    return Response(
        data,
        media_type="application/zip",
        headers={"Content-Disposition": 'attachment; filename="gtfs.zip"'},
    )


@router.get("/gtfs-rt/vehicle-positions.pb", summary="GTFS-realtime VehiclePositions")
def vehicle_positions_feed(
    request: Request, conn: ReadConnection, clock: CurrentClock, format: Format = "pb"
) -> Response:
    now = clock.now()
    network, _ = _network(request, now.astimezone(PARIS).date())
    return _feed(vehicle_positions(bus_reports(conn, network, now), int(now.timestamp())), format)


@router.get("/gtfs-rt/trip-updates.pb", summary="GTFS-realtime TripUpdates")
def trip_updates_feed(
    request: Request, conn: ReadConnection, clock: CurrentClock, format: Format = "pb"
) -> Response:
    now = clock.now()
    network, _ = _network(request, now.astimezone(PARIS).date())
    return _feed(trip_updates(bus_reports(conn, network, now), int(now.timestamp())), format)
