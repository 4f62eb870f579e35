"""The digital twin's bus timetable as GTFS: its lines as the simulator drives them (same
derivation and seed, so the stops are where the simulated buses stop), both directions, at
a fixed headway per line through the service hours.
"""

from __future__ import annotations

import itertools
import zlib
from datetime import date, timedelta

import numpy as np

from vigie.core.settings import local_zone
from vigie.domains.lighting.assets import STREETLIGHT
from vigie.domains.transit.assets import BUS
from vigie.domains.transit.gtfs.feed import Agency, Calendar, Feed, Route, Stop, StopTime, Trip
from vigie.domains.transit.gtfs.lines import BusLine, derive_lines
from vigie.domains.transit.gtfs.paths import StreetNamer
from vigie.registry.snapshot import Frame, RegistrySnapshot

AGENCY_ID = "vigie-twin"
#: The simulator's default seed: the stops it draws are the ones published here.
SIM_SEED = 2017
#: Planning speed between stops and dwell, for the timetable.
PLANNED_SPEED_M_S = 20 / 3.6
PLANNED_DWELL_S = 20
#: Service day spans (seconds from midnight): weekdays 05:30-00:30, weekends 07:00-00:30.
SERVICES = {"weekday": (5.5 * 3600, 24.5 * 3600), "weekend": (7 * 3600, 24.5 * 3600)}


def headway_s(line_ref: str) -> int:
    """The "Lianes" (L1-L7) every 8 minutes, other lines every 15."""
    return 480 if line_ref.startswith("L") else 900


def twin_lines(twin: RegistrySnapshot, seed: int = SIM_SEED) -> tuple[dict[str, BusLine], Frame]:
    """The lines the simulator derives from the registry (same random stream)."""
    buses = twin.of_type(BUS)
    frame = Frame(twin.ref_lat)
    if not buses:
        return {}, frame
    main = twin.main_municipality()
    centre = frame.to_xy(main.lon, main.lat) if main else frame.to_xy(buses[0].lon, buses[0].lat)
    namer = StreetNamer(twin.of_type(STREETLIGHT), frame.to_xy)
    key = zlib.crc32(b"transit:init")
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, key, 0])))
    return derive_lines(buses, frame.to_xy, centre, namer, rng), frame


def twin_feed(twin: RegistrySnapshot, first_day: date, days: int = 365) -> Feed:
    """The twin's timetable from `first_day`, for `days`."""
    lines, frame = twin_lines(twin)
    feed = Feed(
        agencies=[
            Agency(AGENCY_ID, "Réseau de bus (jumeau numérique)", "http://127.0.0.1/",
                   local_zone().key)
        ],
        calendars=[
            Calendar("weekday", 1, 1, 1, 1, 1, 0, 0, _ymd(first_day),
                     _ymd(first_day + timedelta(days=days))),
            Calendar("weekend", 0, 0, 0, 0, 0, 1, 1, _ymd(first_day),
                     _ymd(first_day + timedelta(days=days))),
        ],
    )  # fmt: skip
    for ref, line in lines.items():
        feed.routes.append(
            Route(ref, ref, f"{line.stop_names[0]} – {line.stop_names[-1]}", agency_id=AGENCY_ID)
        )
        stop_ids = [f"{ref}-{k}" for k in range(len(line.stop_s))]
        for stop_id, name, s_m in zip(stop_ids, line.stop_names, line.stop_s, strict=True):
            x, y, _ = line.path.at(s_m)
            lon, lat = frame.to_lonlat(x, y)
            feed.stops.append(Stop(stop_id, name, round(lat, 7), round(lon, 7)))
        for direction in (0, 1):
            order = list(range(len(stop_ids)))
            if direction == 1:
                order.reverse()
            offsets = _run_offsets([line.stop_s[k] for k in order])
            for service, (first_s, last_s) in SERVICES.items():
                start = first_s + (headway_s(ref) // 2 if direction else 0)
                number = 0
                while start <= last_s:
                    trip_id = f"{ref}-{service}-{direction}-{number}"
                    headsign = line.stop_names[order[-1]]
                    feed.trips.append(Trip(ref, service, trip_id, direction, headsign))
                    times = [int(start + o) for o in offsets]
                    for seq, (k, t) in enumerate(zip(order, times, strict=True), start=1):
                        arrival = t if seq == 1 else t - PLANNED_DWELL_S
                        feed.stop_times.append(StopTime(trip_id, arrival, t, stop_ids[k], seq))
                    start += headway_s(ref)
                    number += 1
    return feed


def _run_offsets(distances_m: list[float]) -> list[float]:
    """Scheduled departure of each stop after the first: run at the planning speed, then
    the dwell."""
    offsets = [0.0]
    for a, b in itertools.pairwise(distances_m):
        offsets.append(round(offsets[-1] + abs(b - a) / PLANNED_SPEED_M_S + PLANNED_DWELL_S))
    return offsets


def _ymd(day: date) -> str:
    return day.strftime("%Y%m%d")
