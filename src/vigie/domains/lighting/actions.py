"""What lighting commands mean and when they are refused (its integration registers them).

- `set_level`: `level_pct` 0-100, optional `until` (RFC 3339). Refused when a lit level is
  below a target's class floor.
- `switch`: `on`, optional `until`. Off is allowed: an explicit decision (works, emergency).
- `assign_program`: `program_id` and its `steps`. Refused for a bad programme, or a lit step
  below a target's floor.
- `adapt`: `class_steps` 0-2, to luminaires or a cabinet (all its nodes). Each node lowers
  its programme's level by the EN 13201 ratio of its own class, never below its floor.

Targets are luminaires (`Streetlight`); a cabinet takes `set_level` and `switch` for all its
nodes. The whole command is refused if one target would go below its floor: nothing is sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from vigie.commands.model import Target
from vigie.commands.validation import (
    UNTIL_REFUSED,
    ActionSpec,
    Checked,
    unknown_parameters,
)
from vigie.core.text import Text
from vigie.domains.lighting.assets import STREETLIGHT, STREETLIGHT_CONTROL_CABINET
from vigie.domains.lighting.classes import MAX_ADAPTIVE_STEPS, floor_pct
from vigie.domains.lighting.programs import ProgramError, lowest_level, make_program
from vigie.domains.lighting.store import PROGRAM_ID_REFUSED, prepare_assign_program

DOMAIN = "lighting"
LIGHT = STREETLIGHT
CABINET = STREETLIGHT_CONTROL_CABINET


def _floor(target: Target) -> float:
    design = target.attributes.get("lighting_class")
    return floor_pct(design) if isinstance(design, str) else 0.0


def _below(level: float, targets: Sequence[Target]) -> list[str]:
    """Refusals for the targets whose floor is above `level`, counted by class."""
    by_class: dict[str, list[str]] = {}
    for target in targets:
        if target.asset_type == LIGHT and level < _floor(target):
            by_class.setdefault(str(target.attributes["lighting_class"]), []).append(
                target.asset_id
            )
    return [
        Text(
            f"{level:g}% is below the floor of class {design} ({floor_pct(design):g}%) "
            f"for {len(ids)} luminaire(s), e.g. {ids[0]}",
            f"{level:g} % est sous le plancher de la classe {design} ({floor_pct(design):g} %) "
            f"pour {len(ids)} luminaire(s), par exemple {ids[0]}",
        )
        for design, ids in sorted(by_class.items())
    ]


def _until(params: dict[str, Any], reasons: list[str]) -> None:
    until = params.get("until")
    if until is None:
        return
    try:
        moment = datetime.fromisoformat(str(until))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        reasons.append(UNTIL_REFUSED)
    else:
        params["until"] = moment.isoformat()


def _only(params: dict[str, Any], allowed: set[str], reasons: list[str]) -> None:
    extra = sorted(set(params) - allowed)
    if extra:
        reasons.append(unknown_parameters(extra))


def check_set_level(params: dict[str, Any], targets: Sequence[Target]) -> Checked:
    reasons: list[str] = []
    _only(params, {"level_pct", "until"}, reasons)
    level = params.get("level_pct")
    if isinstance(level, bool) or not isinstance(level, int | float) or not 0 <= level <= 100:
        reasons.append(
            Text(
                "level_pct must be a number between 0 and 100",
                "level_pct doit être un nombre entre 0 et 100",
            )
        )
    elif level > 0:
        reasons.extend(_below(float(level), targets))
    _until(params, reasons)
    return Checked(reasons, params)


def check_switch(params: dict[str, Any], targets: Sequence[Target]) -> Checked:
    reasons: list[str] = []
    _only(params, {"on", "until"}, reasons)
    if not isinstance(params.get("on"), bool):
        reasons.append(Text("on must be true or false", "on doit valoir true ou false"))
    _until(params, reasons)
    return Checked(reasons, params)


def check_assign_program(params: dict[str, Any], targets: Sequence[Target]) -> Checked:
    reasons: list[str] = []
    _only(params, {"program_id", "steps"}, reasons)
    program_id = params.get("program_id")
    if not isinstance(program_id, str) or not program_id:
        return Checked([PROGRAM_ID_REFUSED], params)
    try:
        program = make_program(program_id, params.get("steps"))
    except ProgramError as error:
        return Checked(
            [Text(f"programme {program_id}: {error}", f"programme {program_id} : {error}")],
            params,
        )
    reasons.extend(_below(lowest_level(program), targets))
    return Checked(reasons, {"program_id": program_id, "steps": program.to_json()})


def check_adapt(params: dict[str, Any], targets: Sequence[Target]) -> Checked:
    """Adaptive lighting: lower the road's class by `class_steps` (0 = back to the design
    class). Each node applies it to its own class with the EN 13201 ratios and never goes
    below its floor (classes.adaptive_level), so no floor can be broken by this command."""
    reasons: list[str] = []
    _only(params, {"class_steps"}, reasons)
    steps = params.get("class_steps")
    if (
        not isinstance(steps, int)
        or isinstance(steps, bool)
        or not 0 <= steps <= MAX_ADAPTIVE_STEPS
    ):
        reasons.append(
            Text(
                f"class_steps must be an integer between 0 and {MAX_ADAPTIVE_STEPS}",
                f"class_steps doit être un entier entre 0 et {MAX_ADAPTIVE_STEPS}",
            )
        )
    return Checked(reasons, params)


_LIGHTS = frozenset({LIGHT})
_BOTH = frozenset({LIGHT, CABINET})

ACTIONS = (
    ActionSpec(DOMAIN, "set_level", _BOTH, check_set_level, "dim or light for a while",
               area_types=_LIGHTS),
    ActionSpec(DOMAIN, "switch", _BOTH, check_switch, "switch on or off", area_types=_LIGHTS),
    ActionSpec(
        DOMAIN,
        "assign_program",
        _LIGHTS,
        check_assign_program,
        "store a programme",
        prepare_assign_program,
    ),
    ActionSpec(DOMAIN, "adapt", _BOTH, check_adapt, "adaptive lighting class step",
               area_types=frozenset({CABINET})),
)  # fmt: skip
