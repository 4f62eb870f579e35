"""A GTFS static feed as the realtime side needs it: per route, a path to project buses on,
and its trips with each stop's distance along that path and its scheduled times.

Works for any feed (the twin's, or an agency's imported zip): without shapes, a route's path
runs through the stops of its longest trip in direction 0, which is the line as riders see
it; buses name their route by its short name (`line_ref` in the registry).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date

import numpy as np

from vigie.core.geodesy import M_PER_DEG_LAT, m_per_deg_lon
from vigie.domains.transit.gtfs.feed import SERVICE_ADDED, SERVICE_REMOVED, Feed
from vigie.domains.transit.line_path import LinePath
from vigie.domains.transit.matching import ScheduledTrip

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class Frame:
    """Metres ↔ WGS84 around the feed's mean latitude (equirectangular)."""

    kx: float
    ky: float

    @classmethod
    def around(cls, lat: float) -> Frame:
        return cls(m_per_deg_lon(lat), M_PER_DEG_LAT)

    def to_xy(self, lon: float, lat: float) -> tuple[float, float]:
        return lon * self.kx, lat * self.ky


@dataclass(frozen=True)
class BusNetwork:
    feed: Feed
    frame: Frame
    #: Route short name (the buses' line_ref) -> route id and its path.
    routes: dict[str, str]
    paths: dict[str, LinePath]
    #: Route id -> its trips with their service id.
    trips: dict[str, list[tuple[str, ScheduledTrip]]]

    def services_on(self, day: date) -> set[str]:
        """Service ids running on `day`: by calendar.txt's weekdays and date range, then with
        calendar_dates.txt's exceptions for that date (added, removed)."""
        ymd = day.strftime("%Y%m%d")
        weekday = _WEEKDAYS[day.weekday()]
        running = {
            c.service_id
            for c in self.feed.calendars
            if c.start_date <= ymd <= c.end_date and getattr(c, weekday) == 1
        }
        for exception in self.feed.calendar_dates:
            if exception.date != ymd:
                continue
            if exception.exception_type == SERVICE_ADDED:
                running.add(exception.service_id)
            elif exception.exception_type == SERVICE_REMOVED:
                running.discard(exception.service_id)
        return running


def build_network(feed: Feed) -> BusNetwork:
    frame = Frame.around(statistics.fmean(s.stop_lat for s in feed.stops) if feed.stops else 0.0)
    stops = {s.stop_id: frame.to_xy(s.stop_lon, s.stop_lat) for s in feed.stops}
    by_trip = feed.stop_times_by_trip()
    routes: dict[str, str] = {}
    paths: dict[str, LinePath] = {}
    trips: dict[str, list[tuple[str, ScheduledTrip]]] = {}
    for route in feed.routes:
        members = [t for t in feed.trips if t.route_id == route.route_id]
        outbound = [t for t in members if t.direction_id == 0] or members
        longest = max(outbound, key=lambda t: len(by_trip.get(t.trip_id, [])), default=None)
        if longest is None or len(by_trip.get(longest.trip_id, [])) < 2:
            continue
        xy = np.array([stops[s.stop_id] for s in by_trip[longest.trip_id]], dtype=np.float64)
        path = LinePath(xy, [])
        routes[route.route_short_name or route.route_id] = route.route_id
        paths[route.route_id] = path
        scheduled = []
        for trip in members:
            times = by_trip.get(trip.trip_id, [])
            if len(times) < 2:
                continue
            scheduled.append(
                (
                    trip.service_id,
                    ScheduledTrip(
                        trip.trip_id,
                        trip.direction_id,
                        tuple(path.locate(*stops[t.stop_id]) for t in times),
                        tuple(float(t.departure_s) for t in times),
                        tuple(t.stop_id for t in times),
                        tuple(float(t.arrival_s) for t in times),
                    ),
                )
            )
        trips[route.route_id] = scheduled
    return BusNetwork(feed, frame, routes, paths, trips)
