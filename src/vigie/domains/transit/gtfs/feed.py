"""GTFS static (the General Transit Feed Specification's schedule files): the tables Vigie
uses, written to and read from a feed's zip.

Only the required files and the fields Vigie needs: agency, stops, routes, trips,
stop_times, calendar (and feed_info). Times are seconds after the service day's noon minus
12 h, as GTFS counts them (so they may pass 24:00:00).
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import MISSING, dataclass, field, fields

ROUTE_TYPE_BUS = 3


@dataclass(frozen=True)
class Agency:
    agency_id: str
    agency_name: str
    agency_url: str
    agency_timezone: str
    agency_lang: str = "fr"


@dataclass(frozen=True)
class Stop:
    stop_id: str
    stop_name: str
    stop_lat: float
    stop_lon: float


@dataclass(frozen=True)
class Route:
    route_id: str
    route_short_name: str
    route_long_name: str = ""
    route_type: int = ROUTE_TYPE_BUS
    agency_id: str = ""


@dataclass(frozen=True)
class Trip:
    route_id: str
    service_id: str
    trip_id: str
    direction_id: int = 0
    trip_headsign: str = ""


@dataclass(frozen=True)
class StopTime:
    trip_id: str
    arrival_s: int
    departure_s: int
    stop_id: str
    stop_sequence: int


@dataclass(frozen=True)
class Calendar:
    service_id: str
    monday: int
    tuesday: int
    wednesday: int
    thursday: int
    friday: int
    saturday: int
    sunday: int
    start_date: str  # YYYYMMDD
    end_date: str


@dataclass(frozen=True)
class CalendarDate:
    """An exception to calendar.txt: service added (1) or removed (2) on a date — or, in a
    feed without calendar.txt, the list of the dates a service runs."""

    service_id: str
    date: str  # YYYYMMDD
    exception_type: int


SERVICE_ADDED, SERVICE_REMOVED = 1, 2


@dataclass
class Feed:
    agencies: list[Agency] = field(default_factory=list)
    stops: list[Stop] = field(default_factory=list)
    routes: list[Route] = field(default_factory=list)
    trips: list[Trip] = field(default_factory=list)
    stop_times: list[StopTime] = field(default_factory=list)
    calendars: list[Calendar] = field(default_factory=list)
    calendar_dates: list[CalendarDate] = field(default_factory=list)

    def stop_times_by_trip(self) -> dict[str, list[StopTime]]:
        by_trip: dict[str, list[StopTime]] = {}
        for stop_time in self.stop_times:
            by_trip.setdefault(stop_time.trip_id, []).append(stop_time)
        for times in by_trip.values():
            times.sort(key=lambda s: s.stop_sequence)
        return by_trip


class FeedError(ValueError):
    """A GTFS zip that cannot be read: the message says which file and row."""


def format_time(seconds: int) -> str:
    """GTFS time of day: HH:MM:SS, hours past 24 for trips after midnight."""
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def parse_time(text: str) -> int:
    parts = text.strip().split(":")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise ValueError(f"not a GTFS time: {text!r}")
    hours, minutes, seconds = (int(p) for p in parts)
    if minutes > 59 or seconds > 59:
        raise ValueError(f"not a GTFS time: {text!r}")
    return hours * 3600 + minutes * 60 + seconds


_FILES: dict[str, type] = {
    "agency.txt": Agency,
    "stops.txt": Stop,
    "routes.txt": Route,
    "trips.txt": Trip,
    "stop_times.txt": StopTime,
    "calendar.txt": Calendar,
    "calendar_dates.txt": CalendarDate,
}
#: At least one of them (GTFS: services by weekday, by date, or both).
_CALENDAR_FILES = ("calendar.txt", "calendar_dates.txt")
_TIME_COLUMNS = {"arrival_s": "arrival_time", "departure_s": "departure_time"}


def _rows(feed: Feed, name: str) -> list[object]:
    return {
        "agency.txt": feed.agencies,
        "stops.txt": feed.stops,
        "routes.txt": feed.routes,
        "trips.txt": feed.trips,
        "stop_times.txt": feed.stop_times,
        "calendar.txt": feed.calendars,
        "calendar_dates.txt": feed.calendar_dates,
    }[name]  # type: ignore[return-value]


def write_zip(feed: Feed) -> bytes:
    """The feed as a GTFS zip (UTF-8 CSV files)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, kind in _FILES.items():
            names = [f.name for f in fields(kind)]
            text = io.StringIO()
            writer = csv.writer(text, lineterminator="\n")
            writer.writerow([_TIME_COLUMNS.get(n, n) for n in names])
            for row in _rows(feed, name):
                writer.writerow(
                    [
                        format_time(getattr(row, n)) if n in _TIME_COLUMNS else getattr(row, n)
                        for n in names
                    ]
                )
            archive.writestr(name, text.getvalue())
    return buffer.getvalue()


def read_zip(data: bytes) -> Feed:
    """A GTFS zip (a real agency's too): the files and fields above; others are ignored."""
    feed = Feed()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as error:
        raise FeedError(f"not a zip file: {error}") from None
    with archive:
        present = {info.filename.rsplit("/", 1)[-1]: info.filename for info in archive.infolist()}
        if not any(name in present for name in _CALENDAR_FILES):
            raise FeedError("calendar.txt and calendar_dates.txt are both missing")
        for name, kind in _FILES.items():
            if name not in present:
                if name in _CALENDAR_FILES:
                    continue  # either one alone is allowed
                raise FeedError(f"{name} is missing")
            text = archive.read(present[name]).decode("utf-8-sig")
            _rows(feed, name).extend(_parse(name, kind, text))
    return feed


def _parse(name: str, kind: type, text: str) -> list[object]:
    reader = csv.DictReader(io.StringIO(text))
    rows: list[object] = []
    for line, record in enumerate(reader, start=2):
        values: dict[str, object] = {}
        try:
            for spec in fields(kind):
                raw = (record.get(_TIME_COLUMNS.get(spec.name, spec.name)) or "").strip()
                if not raw:
                    if spec.default is MISSING:
                        raise ValueError(f"{spec.name} is empty")
                    continue  # an optional field: its default
                if spec.name in _TIME_COLUMNS:
                    values[spec.name] = parse_time(raw)
                elif spec.type == "float":
                    values[spec.name] = float(raw)
                elif spec.type == "int":
                    values[spec.name] = int(raw)
                else:
                    values[spec.name] = raw
            rows.append(kind(**values))
        except (ValueError, TypeError) as error:
            raise FeedError(f"{name} line {line}: {error}") from None
    return rows
