"""Faults of street lighting in the simulation (docs/simulator.md, "Faults"): a failed LED
module or driver shows at once on its node; a cabinet's supply loss or a tripped feeder
breaker leaves the nodes behind it unpowered and silent; a cabinet door left open."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from vigie.lab.devices.base import Affected

if TYPE_CHECKING:
    from vigie.lab.devices.lighting import Lighting


def fault_assets(lighting: Lighting, kind: str) -> Sequence[str]:
    if kind in ("lamp_failure", "driver_failure"):
        return lighting.light_ids
    if kind in ("supply_loss", "breaker_trip", "door_open"):
        return lighting.cabinet_ids
    return ()


def start_fault(lighting: Lighting, kind: str, index: int, t_s: float) -> Affected | None:
    if kind in ("lamp_failure", "driver_failure"):
        flags = lighting.bank.lamp_fault if kind == "lamp_failure" else lighting.bank.driver_fault
        if flags[index]:
            return None
        idx = np.array([index], dtype=np.int64)
        lighting.bank.accrue(idx, t_s)
        flags[index] = True
        lighting._apply(idx, t_s, report_all=True)
        return Affected(t_s)
    g = index
    if kind == "door_open":
        if lighting.door_open[g]:
            return None
        lighting.door_open[g] = True
        lighting._report_cabinet(t_s, g)
        return Affected(t_s)
    if not lighting.supply_ok[g] or lighting.tripped_feeder[g] >= 0:
        return None
    before = lighting._members(g)
    before = before[lighting.bank.powered[before]]
    detail: dict[str, str] = {}
    if kind == "supply_loss":
        lighting._set_supply(g, False, t_s)
    else:
        feeders = np.flatnonzero(lighting.feeder_group == g)
        if len(feeders) == 0:
            return None
        f = int(feeders[int(lighting._noise.integers(len(feeders)))])
        lighting.tripped_feeder[g] = f
        lighting.feeder_tripped[f] = True
        lighting._power_nodes(g, t_s)
        detail["feeder"] = lighting.feeder_ids[f]
    lighting._report_cabinet(t_s, g)
    silenced = before[~lighting.bank.powered[before]]
    return Affected(t_s, tuple(lighting.light_ids[i] for i in silenced.tolist()), detail)


def end_fault(lighting: Lighting, kind: str, index: int, t_s: float) -> None:
    if kind in ("lamp_failure", "driver_failure"):
        flags = lighting.bank.lamp_fault if kind == "lamp_failure" else lighting.bank.driver_fault
        idx = np.array([index], dtype=np.int64)
        lighting.bank.accrue(idx, t_s)
        flags[index] = False
        lighting._apply(idx, t_s, report_all=True)
        return
    g = index
    if kind == "door_open":
        lighting.door_open[g] = False
    elif kind == "supply_loss":
        lighting._set_supply(g, True, t_s)
    elif lighting.tripped_feeder[g] >= 0:
        lighting.feeder_tripped[int(lighting.tripped_feeder[g])] = False
        lighting.tripped_feeder[g] = -1
        lighting._power_nodes(g, t_s)
    lighting._report_cabinet(t_s, g)
