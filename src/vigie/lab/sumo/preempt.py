"""Emergency vehicles in the SUMO corridor: each one asks for a green wave ahead of it
(`vigie.domains.traffic.preemption`), and checks out of each junction once past it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from vigie.domains.traffic.preemption import RouteCrossing, green_wave
from vigie.domains.traffic.server import PriorityServer

#: Requests go to the junctions the vehicle reaches within this horizon.
HORIZON_S = 40.0
#: Speed assumed for the arrival estimate when the vehicle is slower (in a queue).
MIN_SPEED_M_S = 8.0


@dataclass
class Preemption:
    server: PriorityServer
    #: vehicle -> {junction: request id} still checked in.
    _checked_in: dict[str, dict[str, str]] = field(default_factory=dict)

    def step(self, libsumo: Any, vehicles: set[str], now_s: float) -> None:
        for vehicle in vehicles:
            upcoming = libsumo.vehicle.getNextTLS(vehicle)
            route = [
                RouteCrossing(tls, "main", float(distance)) for tls, _, distance, _ in upcoming
            ]
            speed = max(float(libsumo.vehicle.getSpeed(vehicle)), MIN_SPEED_M_S)
            requests = green_wave(vehicle, route, 0.0, speed, now_s, HORIZON_S)
            held = self._checked_in.setdefault(vehicle, {})
            ahead = {tls for tls, _, _, _ in upcoming}
            for tls in [t for t in held if t not in ahead]:
                self.server.check_out(tls, held.pop(tls), now_s)
            for request in requests:
                held[request.intersection_id] = request.request_id
                self.server.check_in(request, now_s)

    def arrived(self, vehicle: str, now_s: float) -> None:
        for tls, request_id in self._checked_in.pop(vehicle, {}).items():
            self.server.check_out(tls, request_id, now_s)
