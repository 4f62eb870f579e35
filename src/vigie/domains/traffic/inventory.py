"""An intersection's control model from its registry entry: the controller's signal groups
(parts of kind signal_group, with their minimum greens and pedestrian clearances) arranged
in two stages, one per road, and its time-of-day plans.

The registry names each group's approach as "<road> depuis le <direction>": vehicle, bus
and cyclist groups run with their own road's stage; a pedestrian group crosses its arm's road
and so runs with the other road's stage.
"""

from __future__ import annotations

from vigie.domains.traffic.timing import (
    ControlMode,
    Intersection,
    Movement,
    SignalGroup,
    Stage,
    TimingPlan,
)
from vigie.registry.assets import Asset

#: Plan number -> cycle (s), as the twin's controllers run them (docs/simulator.md).
PLAN_CYCLES_S = {1: 60.0, 2: 80.0, 3: 110.0, 4: 110.0, 5: 80.0}
#: Share of the green time given to the first road's stage (the main road).
MAIN_SHARE = 0.55
INTERGREEN_S = 5.0
_SEPARATOR = " depuis le "


def _road(approach: str) -> str:
    return approach.split(_SEPARATOR, 1)[0]


def _groups(asset: Asset) -> list[tuple[str, SignalGroup]]:
    """(road of its arm, group) for each signal group part."""
    groups = []
    for part in asset.parts:
        if part.kind != "signal_group":
            continue
        attrs = part.attributes
        group = SignalGroup(
            id=part.id,
            movement=Movement(str(attrs["movement"])),
            min_green_s=float(attrs.get("min_green_s", 6.0)),
            pedestrian_clearance_s=float(attrs.get("pedestrian_clearance_s") or 0.0),
        )
        groups.append((_road(str(attrs.get("approach", ""))), group))
    return groups


def intersection_from_asset(asset: Asset) -> Intersection:
    """The controller's model; plans that would cut a minimum are refused (TimingError)."""
    groups = _groups(asset)
    roads: list[str] = []
    for road, _ in groups:
        if road not in roads:
            roads.append(road)
    if len(roads) != 2:
        raise ValueError(f"{asset.id}: expected two roads, found {len(roads)}")
    stages: list[list[SignalGroup]] = [[], []]
    for road, group in groups:
        own = roads.index(road)
        stages[1 - own if group.movement is Movement.PEDESTRIAN else own].append(group)
    plans = {}
    for number, cycle_s in PLAN_CYCLES_S.items():
        green_s = cycle_s - 2 * INTERGREEN_S
        main = Stage("A", tuple(stages[0]), 0.0, INTERGREEN_S)
        cross = Stage("B", tuple(stages[1]), 0.0, INTERGREEN_S)
        main_green = max(round(green_s * MAIN_SHARE), main.min_green_s)
        cross_green = max(green_s - main_green, cross.min_green_s)
        plans[number] = TimingPlan(
            number,
            (
                Stage("A", main.groups, main_green, INTERGREEN_S, main_green + 20.0),
                Stage("B", cross.groups, cross_green, INTERGREEN_S, cross_green + 20.0),
            ),
        )
    mode = str(asset.attributes.get("control_mode", "fixed_time"))
    return Intersection(
        asset.id,
        asset.name,
        ControlMode(mode),
        plans,
        bool(asset.attributes.get("bus_priority", False)),
    )
