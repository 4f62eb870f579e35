"""Schedule adherence (delay at stops, overdue between them), headway gaps, and matching a
bus's position to the trip it runs."""

from __future__ import annotations

import pytest

from vigie.domains.transit.adherence import HeadwayTracker, ScheduledStop, TripAdherence, on_time
from vigie.domains.transit.matching import ScheduledTrip, match_trip


def trip() -> TripAdherence:
    stops = tuple(ScheduledStop(f"s{k}", 1000.0 + 100.0 * k) for k in range(4))
    return TripAdherence("t1", stops)


def test_delay_is_measured_at_each_stop_departure() -> None:
    adherence = trip()
    assert adherence.depart("s0", 1010.0) == 10.0
    assert adherence.delay_s(1050.0) == 10.0  # between stops, the last stop's delay
    # s1 is due at 1100: at 1180 the bus is already 80 s late before reaching it.
    assert adherence.delay_s(1180.0) == 80.0
    assert adherence.depart("s2", 1190.0) == -10.0  # s1 skipped; early at s2
    assert adherence.delays_s == [10.0, -10.0]
    assert not adherence.finished
    assert adherence.depart("s3", 1300.0) == 0.0
    assert adherence.finished and adherence.delay_s(2000.0) == 0.0
    with pytest.raises(ValueError, match="not ahead"):
        adherence.depart("s1", 1400.0)


def test_before_the_first_stop_the_delay_is_how_overdue_it_is() -> None:
    assert trip().delay_s(990.0) == -10.0
    assert trip().delay_s(1030.0) == 30.0


def test_on_time_window() -> None:
    assert on_time(-60.0) and on_time(300.0) and on_time(0.0)
    assert not on_time(-61.0) and not on_time(301.0)


def test_headway_gap_to_the_bus_ahead() -> None:
    headways = HeadwayTracker()
    assert headways.gap_s("L1-out", "x1", 500.0, default_s=480.0) == 480.0
    headways.passed("L1-out", "x1", 500.0)
    assert headways.gap_s("L1-out", "x1", 1100.0, default_s=480.0) == 600.0
    assert headways.gap_s("L1-back", "x1", 1100.0, default_s=480.0) == 480.0


def _scheduled(trip_id: str, start_s: float, direction: int = 0) -> ScheduledTrip:
    distances = (0.0, 400.0, 800.0, 1200.0)
    if direction:
        distances = tuple(reversed(distances))
    return ScheduledTrip(
        trip_id,
        direction,
        distances,
        tuple(start_s + 60.0 * k for k in range(4)),
        tuple(f"s{k}" for k in range(4)),
    )


def test_a_position_is_matched_to_the_nearest_trip_under_way() -> None:
    trips = [_scheduled("early", 0.0), _scheduled("late", 480.0), _scheduled("back", 0.0, 1)]
    # At 520 s, 600 m along: trip "late" is scheduled there at 570 s, "early" at 90 s.
    match = match_trip(trips, 0, 600.0, 520.0)
    assert match is not None and match.trip.trip_id == "late"
    assert match.delay_s == pytest.approx(-50.0)
    assert match.next_stop == 2
    back = match_trip(trips, 1, 1000.0, 40.0)
    assert back is not None and back.trip.trip_id == "back"
    assert back.delay_s == pytest.approx(10.0)
    assert back.next_stop == 1  # inbound: the stop at 800 m comes next
    assert match_trip(trips, 0, 600.0, 10_000.0) is None
    assert trips[0].scheduled_at_s(-50.0) == 0.0 and trips[0].scheduled_at_s(5000.0) == 180.0
