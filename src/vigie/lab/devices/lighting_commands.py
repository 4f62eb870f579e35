"""How simulated luminaire nodes and cabinets obey commands (docs/protocol.md, "Commands"):
overrides (`set_level`, `switch`), programmes stored and run by the node
(`assign_program`), adaptive lighting steps (`adapt`), and refusals with a reason."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np

from vigie.domains.lighting.assets import STREETLIGHT, STREETLIGHT_CONTROL_CABINET
from vigie.domains.lighting.classes import MAX_ADAPTIVE_STEPS
from vigie.domains.lighting.programs import ProgramError, make_program
from vigie.lab.devices.base import Command, Outcome, unsupported
from vigie.lab.devices.luminaires import UNTIL_NEXT_CHANGE, UNTIL_TIME, Ints

if TYPE_CHECKING:
    from vigie.lab.devices.lighting import Lighting

STREETLIGHT = STREETLIGHT
CABINET = STREETLIGHT_CONTROL_CABINET


def apply_command(
    lighting: Lighting, asset_id: str, command: Command, until_s: float | None, t_s: float
) -> Outcome | None:
    """A command to a luminaire or a cabinet (docs/protocol.md, \"Commands\"); None when the
    asset is not a light or cabinet of this simulation."""
    i = lighting.light_index.get(asset_id)
    g = lighting.cabinet_index.get(asset_id)
    if i is None and g is None:
        return None
    kind = STREETLIGHT if i is not None else CABINET
    if i is not None and not lighting.bank.powered[i]:
        return Outcome("silent")
    late = _expired(command.expires, t_s)
    if late is not None:
        return Outcome("failed", late)
    if command.action == "assign_program" and i is not None:
        return _assign_program(lighting, i, command, t_s)
    if command.action == "adapt":
        return _adapt(lighting, _commanded(lighting, i, g), command, t_s)
    if command.action == "set_level":
        if command.level_pct is None or not 0.0 <= command.level_pct <= 100.0:
            return Outcome("failed", "set_level needs level_pct between 0 and 100")
        on, level = command.level_pct > 0, float(command.level_pct)
    elif command.action == "switch":
        if command.on is None:
            return Outcome("failed", "switch needs on: true or false")
        on, level = command.on, 100.0
    else:
        return unsupported(kind, command)
    if i is not None:
        if lighting.bank.driver_fault[i]:
            return Outcome("failed", "driver fault: the luminaire cannot be lit")
        idx = np.array([i], dtype=np.int64)
    else:
        assert g is not None
        if not lighting.supply_ok[g]:
            return Outcome("failed", "no mains supply at the cabinet")
        idx = lighting._members(g)
        idx = idx[lighting.bank.powered[idx]]
    if command.action == "switch" and on:
        # Switched on keeps the level it would have (its schedule's), full if none.
        scheduled = lighting.scheduled_level[lighting.bank.segment[idx]]
        levels = np.where(scheduled > 0, scheduled, 100.0)
    else:
        levels = np.full(len(idx), level if on else 0.0)
    bank = lighting.bank
    bank.accrue(idx, t_s)
    bank.override[idx] = UNTIL_TIME if until_s is not None else UNTIL_NEXT_CHANGE
    bank.override_until_s[idx] = until_s if until_s is not None else np.inf
    bank.override_on[idx] = on
    bank.override_level[idx] = levels
    lighting._apply(idx, t_s, report_all=True)
    if until_s is not None:
        for j in idx.tolist():
            lighting.ctx.scheduler.at(until_s, lighting._override_ends, j)
    return Outcome("acknowledged")


def _commanded(lighting: Lighting, i: int | None, g: int | None) -> Ints:
    """The nodes a command reaches: the luminaire, or a cabinet's powered nodes."""
    if i is not None:
        return np.array([i], dtype=np.int64)
    assert g is not None
    idx = lighting._members(g)
    found: Ints = idx[lighting.bank.powered[idx]]
    return found


def _assign_program(lighting: Lighting, i: int, command: Command, t_s: float) -> Outcome:
    """The node stores the programme and runs it from now on (its own clock, its
    cabinet's sun times), as a TALQ controller runs an assigned control programme."""
    key = repr(command.steps)
    p = lighting.program_of.get(key)
    if p is None:
        try:
            program = make_program(command.program_id or "assigned", command.steps)
        except ProgramError as error:
            return Outcome("failed", f"programme refused: {error}")
        p = len(lighting.programs)
        lighting.programs.append(program)
        lighting.program_of[key] = p
    g = int(lighting.bank.group[i])
    s = lighting._segment_for(g, p, t_s)
    idx = np.array([i], dtype=np.int64)
    lighting.bank.accrue(idx, t_s)
    lighting.bank.segment[i] = s
    lighting._start_segment(s, t_s)
    lighting._apply(idx, t_s)
    return Outcome("acknowledged")


def _adapt(lighting: Lighting, idx: Ints, command: Command, t_s: float) -> Outcome:
    """Adaptive lighting: each node lowers its programme's level by the EN 13201 ratio
    of its own road class, never below its floor (the rule is in the node, as the
    commissioning gave it its class)."""
    steps = command.class_steps
    if steps is None or not 0 <= steps <= MAX_ADAPTIVE_STEPS:
        return Outcome("failed", f"adapt needs class_steps between 0 and {MAX_ADAPTIVE_STEPS}")
    lighting.bank.accrue(idx, t_s)
    lighting.bank.adapt_factor[idx] = lighting.adapt_factors[steps][idx]
    lighting.bank.adapt_floor[idx] = lighting.class_floors[idx] if steps > 0 else 0.0
    lighting._apply(idx, t_s)
    return Outcome("acknowledged")


def _expired(expires: object, t_s: float) -> str | None:
    """Why a command is refused for arriving after its expiry (None: in time, or none given)."""
    if not isinstance(expires, str):
        return None
    try:
        moment = datetime.fromisoformat(expires)
    except ValueError:
        return "expires must be an RFC 3339 time with a UTC offset"
    if moment.tzinfo is not None and moment.timestamp() < t_s:
        return "arrived after it expired"
    return None
