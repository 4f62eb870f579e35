"""The buses' live state (the twin, from their telemetry) matched to the served static feed's
trips, as the reports the GTFS-realtime feeds are made of."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.engine import Connection

from vigie.core.settings import local_zone
from vigie.domains.transit.assets import BUS
from vigie.domains.transit.gtfs.network import BusNetwork
from vigie.domains.transit.gtfs.realtime import NextStop, VehicleReport
from vigie.domains.transit.matching import ScheduledTrip, match_trip
from vigie.store.schema import assets, twin_state

PARIS = local_zone()  # the territory's zone (VIGIE_TIMEZONE)
#: A bus not heard from for this long is left out of the feeds (it is parked or offline).
STALE_AFTER_S = 300.0
#: TripUpdates predict this many stops ahead.
STOPS_AHEAD = 5
_METRICS = ("lon", "lat", "speed_kmh", "heading_deg")


def _service_days(local: datetime) -> list[datetime]:
    """Midnights of the service days a trip running now may belong to: today, and
    yesterday for trips running past midnight."""
    today = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return [today, today - timedelta(days=1)]


def bus_reports(conn: Connection, network: BusNetwork, now: datetime) -> list[VehicleReport]:
    """Every bus heard from within `STALE_AFTER_S`, matched to a trip when one fits."""
    rows = conn.execute(
        select(
            assets.c.id,
            assets.c.name,
            assets.c.attributes,
            twin_state.c.metric,
            twin_state.c.value,
            twin_state.c.ts,
        )
        .join(twin_state, twin_state.c.asset_id == assets.c.id)
        .where(assets.c.type == BUS, twin_state.c.metric.in_(_METRICS))
    ).all()
    state: dict[str, dict[str, float]] = {}
    seen: dict[str, datetime] = {}
    labels: dict[str, tuple[str, str | None]] = {}
    for asset_id, name, attributes, metric, value, ts in rows:
        if value is None:
            continue
        state.setdefault(asset_id, {})[metric] = float(value)
        seen[asset_id] = max(seen.get(asset_id, ts), ts)
        attrs = attributes or {}
        labels[asset_id] = (str(attrs.get("fleet_number") or name), attrs.get("line_ref"))
    reports = []
    local = now.astimezone(PARIS)
    for asset_id in sorted(state):
        values = state[asset_id]
        if "lon" not in values or "lat" not in values:
            continue
        if (now - seen[asset_id]).total_seconds() > STALE_AFTER_S:
            continue
        label, line_ref = labels[asset_id]
        speed = values.get("speed_kmh")
        report = VehicleReport(
            vehicle_id=asset_id,
            label=label,
            lon=values["lon"],
            lat=values["lat"],
            bearing_deg=values.get("heading_deg"),
            speed_m_s=speed / 3.6 if speed is not None else None,
            timestamp_s=int(seen[asset_id].timestamp()),
        )
        route_id = network.routes.get(str(line_ref)) if line_ref is not None else None
        if route_id is not None:
            report = _matched(report, route_id, network, local)
        reports.append(report)
    return reports


def _matched(
    report: VehicleReport, route_id: str, network: BusNetwork, local: datetime
) -> VehicleReport:
    path = network.paths[route_id]
    s_m = path.locate(*network.frame.to_xy(report.lon, report.lat))
    direction = 0
    if report.bearing_deg is not None:
        turn = abs((report.bearing_deg - path.bearing_at(s_m) + 180.0) % 360.0 - 180.0)
        direction = 0 if turn <= 90.0 else 1
    for midnight in _service_days(local):
        services = network.services_on(midnight.date())
        trips = [t for service, t in network.trips[route_id] if service in services]
        now_s = (local - midnight).total_seconds()
        match = match_trip(trips, direction, s_m, now_s)
        if match is None:
            continue
        return VehicleReport(
            **{
                **report.__dict__,
                "route_id": route_id,
                "trip_id": match.trip.trip_id,
                "direction_id": direction,
                "start_date": midnight.strftime("%Y%m%d"),
                "delay_s": round(match.delay_s),
                "next_stops": _next_stops(match.trip, match.next_stop, midnight),
            }
        )
    return report


def _next_stops(trip: ScheduledTrip, first: int, midnight: datetime) -> tuple[NextStop, ...]:
    stops = []
    for index in range(first, min(first + STOPS_AHEAD, len(trip.stop_ids))):
        arrival = midnight + timedelta(seconds=trip.arrival_s(index))
        departure = midnight + timedelta(seconds=trip.departures_s[index])
        stops.append(
            NextStop(
                trip.stop_ids[index],
                index + 1,
                math.floor(arrival.timestamp()),
                math.floor(departure.timestamp()),
                last=index == len(trip.stop_ids) - 1,
            )
        )
    return tuple(stops)


def delay_of(
    network: BusNetwork,
    line_ref: str,
    lon: float,
    lat: float,
    heading_deg: float | None,
    when: datetime,
) -> float:
    """A bus's delay against the trip it matches (0 when none matches): for conditional
    priority on live positions."""
    route_id = network.routes.get(line_ref)
    if route_id is None:
        return 0.0
    report = VehicleReport(line_ref, line_ref, lon, lat, heading_deg, None, int(when.timestamp()))
    matched = _matched(report, route_id, network, when.astimezone(PARIS))
    return float(matched.delay_s) if matched.delay_s is not None else 0.0
