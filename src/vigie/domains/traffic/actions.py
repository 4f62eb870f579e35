"""What traffic commands mean and when they are refused (its integration registers them).

- `set_plan`: `plan` 1-255, optional `until` (RFC 3339 with offset; without it the controller
  keeps the plan one hour, then returns to its schedule). Refused for a controller whose
  registry mode is `flashing` or `off` (it runs no plan), and for a plan number a target
  does not hold when the registry lists its plans (`plans` attribute).

Vigie selects plans; the controller runs them with its own minimum greens, intergreens and
pedestrian clearances (`timing.py` refuses a plan that would cut one before it is stored).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from vigie.commands.model import Target
from vigie.commands.validation import ActionSpec, Checked
from vigie.domains.traffic.assets import TRAFFIC_SIGNAL_CONTROLLER

DOMAIN = "traffic"
CONTROLLER = TRAFFIC_SIGNAL_CONTROLLER
_NO_PLAN_MODES = ("flashing", "off")


def check_set_plan(params: dict[str, Any], targets: Sequence[Target]) -> Checked:
    reasons: list[str] = []
    extra = sorted(set(params) - {"plan", "until"})
    if extra:
        reasons.append(f"unknown parameters: {', '.join(extra)}")
    plan = params.get("plan")
    if isinstance(plan, bool) or not isinstance(plan, int) or not 1 <= plan <= 255:
        reasons.append("plan must be a whole number between 1 and 255")
    until = params.get("until")
    if until is not None:
        try:
            moment = datetime.fromisoformat(str(until))
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            reasons.append("until must be an RFC 3339 time with a UTC offset")
        else:
            params["until"] = moment.isoformat()
    for target in targets:
        mode = target.attributes.get("control_mode")
        if mode in _NO_PLAN_MODES:
            reasons.append(f"{target.asset_id} is {mode}: it runs no plan")
        held = target.attributes.get("plans")
        if isinstance(held, list) and isinstance(plan, int) and plan not in held:
            reasons.append(f"{target.asset_id} holds no plan {plan}")
    return Checked(reasons, params)


ACTIONS = (
    ActionSpec(
        DOMAIN,
        "set_plan",
        frozenset({CONTROLLER}),
        check_set_plan,
        "Run timing plan `plan` (1-255) until `until` (default: one hour)",
    ),
)
