"""Signalised intersections: a controller at crossings of main roads, with its signal groups
(one per movement and approach) and its detectors, all equipped for bus priority."""

from __future__ import annotations

import math
from typing import Literal

import numpy as np

from vigie.domains.traffic.assets import (
    DETECTOR,
    SIGNAL_GROUP,
    TRAFFIC_SIGNAL_CONTROLLER,
    DetectorAttributes,
    SignalGroupAttributes,
    TrafficSignalControllerAttributes,
)
from vigie.lab.city.counts import CommuneQuota
from vigie.lab.city.geo import compass_point
from vigie.lab.city.records import AssetBook, PartDraft
from vigie.lab.city.seeding import pick
from vigie.lab.city.streets import CommuneStreets, Crossing, RoadKind, Tier
from vigie.registry.assets import NewAsset

#: Signalised intersections are kept at least this far apart (a green wave needs room).
_MIN_GAP_M = 150.0
#: Walking speed used for pedestrian clearance times (CEREMA guidance uses 1.0-1.2 m/s).
_WALKING_SPEED_M_S = 1.1
_CROSSING_WIDTH_M = {RoadKind.ARTERIAL: 14.0, RoadKind.COLLECTOR: 10.0}
_MIN_GREENS_S = (6.0, 8.0, 10.0)
_VEHICLE_DETECTORS: tuple[Literal["loop", "magnetometer", "video", "radar"], ...] = (
    "loop",
    "loop",
    "magnetometer",
    "video",
    "radar",
)


def choose_signalised(
    streets: CommuneStreets, count: int, rng: np.random.Generator
) -> list[Crossing]:
    """`count` crossings, main roads first (two arterials, then arterial and collector, ...),
    in random order within each rank, spread out; inside the pedestrian centre only if there
    is nowhere else."""
    tiers = sorted({(c.pedestrian, c.rank) for c in streets.crossings})
    candidates = [
        streets.crossings[i]
        for tier in tiers
        for i in rng.permutation(
            [j for j, c in enumerate(streets.crossings) if (c.pedestrian, c.rank) == tier]
        ).tolist()
    ]
    where = np.array([(c.x, c.y) for c in candidates]).reshape(-1, 2)
    chosen: list[int] = []
    # A second pass without the gap fills up municipalities too small to keep it.
    for min_gap_m in (_MIN_GAP_M, 0.0):
        for index in range(len(candidates)):
            if len(chosen) >= count:
                break
            if index in chosen:
                continue
            gaps = np.hypot(*(where[chosen] - where[index]).T) if chosen else np.array([np.inf])
            if gaps.min() >= min_gap_m:
                chosen.append(index)
    return [candidates[i] for i in chosen]


def _arms(crossing: Crossing) -> list[tuple[str, float]]:
    """(approach label, crossing width in metres) of the four arms of the crossing."""
    arms = []
    for road, heading in (
        (crossing.first, crossing.first_heading),
        (crossing.second, crossing.second_heading),
    ):
        for direction in (heading, heading + math.pi):
            label = (
                f"{road.name} depuis le {compass_point(math.cos(direction), math.sin(direction))}"
            )
            arms.append((label, _CROSSING_WIDTH_M.get(road.kind, 7.0)))
    return arms


def _parts(crossing: Crossing, rng: np.random.Generator) -> list[PartDraft]:
    """A vehicle and a pedestrian signal group per arm, a bus signal group on both arms of the
    main road (where the buses run), a cyclist one on some arterial arms; a detector for each
    vehicle and bus signal group."""
    groups: list[PartDraft] = []
    detectors: list[PartDraft] = []
    for index, (approach, width_m) in enumerate(_arms(crossing)):
        vehicle = f"SG{len(groups) + 1}"
        groups.append((SIGNAL_GROUP, vehicle, SignalGroupAttributes(
            movement="vehicle", approach=approach, min_green_s=pick(rng, _MIN_GREENS_S),
        )))  # fmt: skip
        detectors.append((DETECTOR, f"D{len(detectors) + 1}", DetectorAttributes(
            detector_kind=pick(rng, _VEHICLE_DETECTORS), signal_group=vehicle,
        )))  # fmt: skip
        groups.append((SIGNAL_GROUP, f"SG{len(groups) + 1}", SignalGroupAttributes(
            movement="pedestrian", approach=approach, min_green_s=5.0,
            pedestrian_clearance_s=float(math.ceil(width_m / _WALKING_SPEED_M_S)),
        )))  # fmt: skip
        if index < 2:
            bus = f"SG{len(groups) + 1}"
            groups.append((SIGNAL_GROUP, bus, SignalGroupAttributes(
                movement="bus", approach=approach, min_green_s=5.0,
            )))  # fmt: skip
            detectors.append((DETECTOR, f"D{len(detectors) + 1}", DetectorAttributes(
                detector_kind="bus_transponder", signal_group=bus,
            )))  # fmt: skip
        if width_m >= _CROSSING_WIDTH_M[RoadKind.ARTERIAL] and rng.random() < 0.4:
            groups.append((SIGNAL_GROUP, f"SG{len(groups) + 1}", SignalGroupAttributes(
                movement="cyclist", approach=approach, min_green_s=5.0,
            )))  # fmt: skip
    return groups + detectors


def corner(streets: CommuneStreets, crossing: Crossing, distance_m: float) -> tuple[float, float]:
    """A point on the pavement at a corner of the crossing."""
    heading = streets.grid_angle + math.pi / 4
    return (
        crossing.x + distance_m * math.cos(heading),
        crossing.y + distance_m * math.sin(heading),
    )


def generate_traffic(
    streets: CommuneStreets,
    quota: CommuneQuota,
    book: AssetBook,
    rng: np.random.Generator,
) -> tuple[list[NewAsset], list[Crossing]]:
    """The municipality's signal controllers, and the crossings they stand at."""
    crossings = choose_signalised(streets, quota.traffic_signal_controllers, rng)
    acoustic_share = 0.6 if streets.tier is Tier.MAIN else 0.3
    controllers = []
    for crossing in crossings:
        parts = _parts(crossing, rng)
        controllers.append(
            book.point(
                TRAFFIC_SIGNAL_CONTROLLER,
                streets.code,
                f"Carrefour {crossing.name}",
                corner(streets, crossing, 8.0),
                TrafficSignalControllerAttributes(
                    intersection_name=crossing.name,
                    control_mode="actuated" if rng.random() < 0.9 else "fixed_time",
                    bus_priority=True,
                    commissioned_year=int(rng.integers(2004, 2020)),
                    acoustic_signals=bool(rng.random() < acoustic_share),
                ),
                parts=parts,
            )
        )
    return controllers, crossings
