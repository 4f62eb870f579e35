"""Retractable bollards guarding the pedestrian centre: down (open) for deliveries from
06:00 to 11:00, up the rest of the day, briefly lowered for authorised vehicles (residents,
emergency services: about one an hour from 07:00 to 22:00). A movement takes a few seconds;
the bollard reports `moving` when it starts and its position when it stops, and every
5 minutes."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from vigie.domains.bollards.assets import BOLLARD
from vigie.domains.bollards.metrics import BOLLARD_INTERVAL_S
from vigie.lab.devices.base import Affected, Command, Outcome, SimContext, unsupported
from vigie.lab.devices.calendar import local_hour, next_local
from vigie.registry.asset_types import Relation
from vigie.registry.snapshot import RegistrySnapshot

BOLLARD = BOLLARD
OPEN_FROM_H, OPEN_UNTIL_H = 6.0, 11.0
PASSAGES_PER_H = 1.0
PASSAGE_HOURS = (7.0, 22.0)
MOVE_S = 6.0
PASSAGE_DOWN_S = 20.0


def scheduled_position(t_s: float) -> str:
    return "down" if OPEN_FROM_H <= local_hour(t_s) < OPEN_UNTIL_H else "up"


class Bollards:
    def __init__(self, ctx: SimContext, twin: RegistrySnapshot) -> None:
        self.ctx = ctx
        bollards = twin.of_type(BOLLARD)
        self.ids = [b.id for b in bollards]
        self.index = {asset_id: k for k, asset_id in enumerate(self.ids)}
        self.node = [
            next((k.target_id for k in b.links if k.relation == Relation.CONNECTED_TO.value), "")
            for b in bollards
        ]
        count = len(bollards)
        self.position = ["up"] * count
        self.target = ["up"] * count
        self.override_until_s: list[float | None] = [None] * count
        self.in_passage = [False] * count
        self._rng = ctx.rng("bollards")

    def start(self, t0_s: float) -> None:
        for k in range(len(self.ids)):
            self.position[k] = self.target[k] = scheduled_position(t0_s)
            self._report(t0_s, k)
            self.ctx.scheduler.at(self._next_step(t0_s), self._schedule_step, k)
            self.ctx.scheduler.at(t0_s + self._gap_s(), self._passage, k)
        for k, t_s in enumerate(self.ctx.phases("bollards", len(self.ids), BOLLARD_INTERVAL_S)):
            self.ctx.scheduler.at(t_s, self._tick, k)

    def _next_step(self, t_s: float) -> float:
        return min(next_local(t_s, OPEN_FROM_H), next_local(t_s, OPEN_UNTIL_H))

    def _gap_s(self) -> float:
        return float(self._rng.exponential(3600.0 / PASSAGES_PER_H))

    def _tick(self, t_s: float, k: int) -> None:
        self._report(t_s, k)
        self.ctx.scheduler.at(t_s + BOLLARD_INTERVAL_S, self._tick, k)

    def _report(self, t_s: float, k: int) -> None:
        if self.ctx.node_reachable(self.node[k]):
            self.ctx.outbox.emit(self.ids[k], t_s, {"position": self.position[k], "fault": False})

    def _move(self, t_s: float, k: int, target: str) -> None:
        if self.target[k] == target and self.position[k] in (target, "moving"):
            return
        self.target[k] = target
        self.position[k] = "moving"
        self._report(t_s, k)
        self.ctx.scheduler.at(t_s + MOVE_S, self._arrive, k)

    def _arrive(self, t_s: float, k: int) -> None:
        if self.position[k] == "moving":
            self.position[k] = self.target[k]
            self._report(t_s, k)

    def _schedule_step(self, t_s: float, k: int) -> None:
        until = self.override_until_s[k]
        if until is None or until <= t_s:
            self.override_until_s[k] = None
            self.in_passage[k] = False
            self._move(t_s, k, scheduled_position(t_s))
        self.ctx.scheduler.at(self._next_step(t_s), self._schedule_step, k)

    def _passage(self, t_s: float, k: int) -> None:
        start_h, end_h = PASSAGE_HOURS
        quiet = self.override_until_s[k] is None and not self.in_passage[k]
        if quiet and self.target[k] == "up" and start_h <= local_hour(t_s) < end_h:
            self.in_passage[k] = True
            self._move(t_s, k, "down")
            self.ctx.scheduler.at(t_s + MOVE_S + PASSAGE_DOWN_S, self._passage_ends, k)
        self.ctx.scheduler.at(t_s + self._gap_s(), self._passage, k)

    def _passage_ends(self, t_s: float, k: int) -> None:
        if self.in_passage[k]:
            self.in_passage[k] = False
            if self.override_until_s[k] is None:
                self._move(t_s, k, scheduled_position(t_s))

    def _override_ends(self, t_s: float, k: int) -> None:
        until = self.override_until_s[k]
        if until is not None and until <= t_s:
            self.override_until_s[k] = None
            self._move(t_s, k, scheduled_position(t_s))

    def finish(self, t_s: float) -> None:
        """No counters to close."""

    def counters(self, t_s: float) -> Iterator[tuple[str, str, float]]:
        return iter(())

    def command(
        self, asset_id: str, command: Command, until_s: float | None, t_s: float
    ) -> Outcome | None:
        k = self.index.get(asset_id)
        if k is None:
            return None
        if not self.ctx.node_reachable(self.node[k]):
            return Outcome("silent")
        if command.action != "set_position":
            return unsupported(BOLLARD, command)
        if command.position not in ("up", "down"):
            return Outcome("failed", "set_position needs position: up or down")
        # Without `until`, the position holds until the next scheduled change.
        self.override_until_s[k] = until_s if until_s is not None else self._next_step(t_s)
        self.in_passage[k] = False
        self._move(t_s, k, command.position)
        self.ctx.scheduler.at(self.override_until_s[k] or t_s, self._override_ends, k)
        return Outcome("acknowledged")

    def fault_assets(self, kind: str) -> Sequence[str]:
        return ()

    def start_fault(self, kind: str, index: int, t_s: float) -> Affected | None:
        return None

    def end_fault(self, kind: str, index: int, t_s: float) -> None:
        """No bollard faults are injected."""
