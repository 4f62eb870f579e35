"""Bus priority on live telemetry: the buses' position reports, heard as state changes on the
core bus, become priority requests to the equipped controllers on their lines.

The same path as in the SUMO evaluation and the benchmark: `ApproachTracker` (projection,
check-in/out) → `PriorityServer` (arbitration, strategies) → each controller's
`StageController` (limits). A decision that asks something of a controller is handed to
`send` as a `PriorityMessage`, for the adapter that talks to the field.

A controller is on a line when it stands within `NEAR_LINE_M` of the line's path; its bus
signal groups (from the registry, `inventory.py`) serve the bus both ways. Its model runs the
plan its schedule selects, on the common clock (UNIX seconds).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt

from vigie.domains.traffic.approach import ApproachTracker
from vigie.domains.traffic.controller import StageController
from vigie.domains.traffic.inventory import intersection_from_asset
from vigie.domains.traffic.plans import scheduled_plan
from vigie.domains.traffic.priority import PriorityConfig, Strategy
from vigie.domains.traffic.server import PriorityServer
from vigie.domains.traffic.timing import Movement
from vigie.domains.transit.line_path import EquippedCrossing, LinePath
from vigie.registry.assets import Asset
from vigie.telemetry.events import StateChanged

#: A controller this close to a line's path is on the line (GPS and geometry error).
NEAR_LINE_M = 40.0
_POSITION = ("lon", "lat", "speed_kmh")


@dataclass(frozen=True)
class PriorityMessage:
    """A request to a controller: hold or bring the bus's green (the controller applies it
    within its own limits)."""

    controller_id: str
    request_id: str
    vehicle_id: str
    signal_group: str
    strategy: str
    eta: datetime
    green_end: datetime | None


ToXY = Callable[[float, float], tuple[float, float]]
#: (bus id, line, lon, lat, heading °, when) -> its delay against its timetable, seconds.
Lateness = Callable[[str, str, float, float, float | None, datetime], float]


class LivePriority:
    def __init__(
        self,
        lines: dict[str, npt.NDArray[np.float64]],
        controllers: list[Asset],
        to_xy: ToXY,
        now: datetime,
        send: Callable[[PriorityMessage], None],
        lateness: Lateness | None = None,
        config: PriorityConfig | None = None,
    ) -> None:
        self.server = PriorityServer(config or PriorityConfig())
        self.to_xy = to_xy
        self.send = send
        self.lateness = lateness
        self.sent = 0
        paths: dict[str, LinePath] = {}
        plan_number = scheduled_plan(now)
        models = {}
        for asset in controllers:
            try:
                models[asset.id] = intersection_from_asset(asset)
            except ValueError:
                continue  # not a two-road junction: no priority there
        for ref, xy in lines.items():
            crossings = []
            bare = LinePath(xy, [])
            for asset in controllers:
                model = models.get(asset.id)
                if model is None or not model.bus_priority:
                    continue
                along, off = bare.nearest(*to_xy(asset.lon, asset.lat))
                buses = [
                    g.id
                    for stage in model.plan(plan_number).stages
                    for g in stage.groups
                    if g.movement is Movement.BUS
                ]
                if off > NEAR_LINE_M or not buses:
                    continue
                crossings.append(EquippedCrossing(asset.id, buses[0], buses[-1], along))
                if asset.id not in self.server.intersections():
                    plan = model.plan(plan_number)
                    self.server.add_intersection(
                        asset.id, StageController(plan, now_s=now.timestamp())
                    )
            paths[ref] = LinePath(xy, crossings)
        self.tracker = ApproachTracker(self.server, paths)
        self._line: dict[str, str] = {}
        self._state: dict[str, dict[str, float]] = {}
        self._done: dict[str, datetime] = {}
        self._advanced_s = float("-inf")

    def add_bus(self, bus_id: str, line: str) -> None:
        if line in self.tracker.lines:
            self._line[bus_id] = line

    def on_state(self, event: StateChanged) -> None:
        """A bus's metric changed (core bus): once its position at that time is whole,
        decide."""
        line = self._line.get(event.asset_id)
        if line is None or event.metric not in _POSITION or event.value is None:
            return
        state = self._state.setdefault(event.asset_id, {})
        state[event.metric] = event.value
        state[f"{event.metric}@"] = event.ts.timestamp()
        stamp = event.ts.timestamp()
        if state.get("lon@") != stamp or state.get("lat@") != stamp:
            return
        self.on_position(
            event.asset_id, state["lon"], state["lat"], state.get("speed_kmh", 0.0), event.ts
        )

    def on_position(
        self,
        bus_id: str,
        lon: float,
        lat: float,
        speed_kmh: float,
        ts: datetime,
        heading_deg: float | None = None,
    ) -> PriorityMessage | None:
        """A bus's position report; the message sent to a controller, if any."""
        line = self._line.get(bus_id)
        if line is None or self._done.get(bus_id) == ts:
            return None
        self._done[bus_id] = ts
        now_s = ts.timestamp()
        if now_s > self._advanced_s:
            # Once per instant, not per report: every controller moves on (113 of them).
            self.server.advance(now_s)
            self._advanced_s = now_s
        x, y = self.to_xy(lon, lat)
        lateness = self.lateness(bus_id, line, lon, lat, heading_deg, ts) if self.lateness else 0.0
        decision = self.tracker.on_position(bus_id, line, x, y, speed_kmh / 3.6, now_s, lateness)
        if decision is None or decision.request is None or decision.strategy is Strategy.NONE:
            return None
        request = decision.request
        end = decision.granted_end_s
        message = PriorityMessage(
            controller_id=request.intersection_id,
            request_id=request.request_id,
            vehicle_id=request.vehicle_id,
            signal_group=request.signal_group,
            strategy=decision.strategy.value,
            eta=datetime.fromtimestamp(request.eta_s, UTC),
            green_end=datetime.fromtimestamp(end, UTC) if end is not None else None,
        )
        self.send(message)
        self.sent += 1
        return message
