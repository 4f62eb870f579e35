"""GTFS-realtime feeds: VehiclePositions and TripUpdates (protocol buffers, version 2.0),
built from the buses' last reports matched to the static feed's trips.

Both feeds name the same vehicle ids, trip ids of the static feed and its start dates, so
a consumer can join them with the schedule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from google.protobuf import json_format
from google.transit import gtfs_realtime_pb2 as rt


@dataclass(frozen=True)
class NextStop:
    stop_id: str
    stop_sequence: int
    #: Scheduled arrival and departure there, UNIX seconds.
    scheduled_arrival_s: int
    scheduled_departure_s: int
    last: bool = False


@dataclass(frozen=True)
class VehicleReport:
    """A bus's last report, and the trip it was matched to (if any)."""

    vehicle_id: str
    label: str
    lon: float
    lat: float
    bearing_deg: float | None
    speed_m_s: float | None
    timestamp_s: int
    route_id: str | None = None
    trip_id: str | None = None
    direction_id: int | None = None
    start_date: str | None = None  # YYYYMMDD, the trip's service day
    delay_s: int | None = None
    next_stops: tuple[NextStop, ...] = ()


def _header(message: Any, now_s: int) -> None:
    message.header.gtfs_realtime_version = "2.0"
    message.header.incrementality = rt.FeedHeader.FULL_DATASET
    message.header.timestamp = now_s


def _trip(descriptor: Any, report: VehicleReport) -> None:
    descriptor.trip_id = report.trip_id
    if report.route_id is not None:
        descriptor.route_id = report.route_id
    if report.direction_id is not None:
        descriptor.direction_id = report.direction_id
    if report.start_date is not None:
        descriptor.start_date = report.start_date
    descriptor.schedule_relationship = rt.TripDescriptor.SCHEDULED


def vehicle_positions(reports: list[VehicleReport], now_s: int) -> Any:
    """A FeedMessage with one VehiclePosition per bus."""
    message = rt.FeedMessage()
    _header(message, now_s)
    for report in reports:
        entity = message.entity.add()
        entity.id = f"vp-{report.vehicle_id}"
        vehicle = entity.vehicle
        if report.trip_id is not None:
            _trip(vehicle.trip, report)
        vehicle.vehicle.id = report.vehicle_id
        vehicle.vehicle.label = report.label
        vehicle.position.latitude = report.lat
        vehicle.position.longitude = report.lon
        if report.bearing_deg is not None:
            vehicle.position.bearing = report.bearing_deg % 360.0
        if report.speed_m_s is not None:
            vehicle.position.speed = max(report.speed_m_s, 0.0)
        if report.trip_id is not None and report.next_stops:
            vehicle.current_stop_sequence = report.next_stops[0].stop_sequence
            vehicle.stop_id = report.next_stops[0].stop_id
            vehicle.current_status = rt.VehiclePosition.IN_TRANSIT_TO
        vehicle.timestamp = report.timestamp_s
    return message


def trip_updates(reports: list[VehicleReport], now_s: int) -> Any:
    """A FeedMessage with one TripUpdate per matched bus: its delay carried to its next
    stops (the simplest honest prediction: it keeps its lateness)."""
    message = rt.FeedMessage()
    _header(message, now_s)
    for report in reports:
        if report.trip_id is None or report.delay_s is None or not report.next_stops:
            continue
        entity = message.entity.add()
        entity.id = f"tu-{report.vehicle_id}"
        update = entity.trip_update
        _trip(update.trip, report)
        update.vehicle.id = report.vehicle_id
        update.vehicle.label = report.label
        update.timestamp = report.timestamp_s
        update.delay = report.delay_s
        for stop in report.next_stops:
            stop_update = update.stop_time_update.add()
            stop_update.stop_sequence = stop.stop_sequence
            stop_update.stop_id = stop.stop_id
            # Both times where the schedule has both (the validator's S006), but no
            # arrival at a trip's first stop and no departure at its last.
            if stop.stop_sequence > 1:
                stop_update.arrival.delay = report.delay_s
                stop_update.arrival.time = stop.scheduled_arrival_s + report.delay_s
            if not stop.last:
                stop_update.departure.delay = report.delay_s
                stop_update.departure.time = stop.scheduled_departure_s + report.delay_s
            stop_update.schedule_relationship = rt.TripUpdate.StopTimeUpdate.SCHEDULED
    return message


def as_json(message: Any) -> dict[str, Any]:
    """The feed for humans (`?format=json`): protobuf's canonical JSON mapping."""
    result: dict[str, Any] = json_format.MessageToDict(message, preserving_proto_field_name=True)
    return result
