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
from vigie.commands.validation import (
    UNTIL_REFUSED,
    ActionSpec,
    Checked,
    unknown_parameters,
)
from vigie.core.text import Text
from vigie.domains.traffic.assets import TRAFFIC_SIGNAL_CONTROLLER

DOMAIN = "traffic"
CONTROLLER = TRAFFIC_SIGNAL_CONTROLLER
_NO_PLAN_MODES = ("flashing", "off")


def check_set_plan(params: dict[str, Any], targets: Sequence[Target]) -> Checked:
    reasons: list[str] = []
    extra = sorted(set(params) - {"plan", "until"})
    if extra:
        reasons.append(unknown_parameters(extra))
    plan = params.get("plan")
    if isinstance(plan, bool) or not isinstance(plan, int) or not 1 <= plan <= 255:
        reasons.append(
            Text(
                "plan must be a whole number between 1 and 255",
                "plan doit être un nombre entier entre 1 et 255",
            )
        )
    until = params.get("until")
    if until is not None:
        try:
            moment = datetime.fromisoformat(str(until))
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            reasons.append(UNTIL_REFUSED)
        else:
            params["until"] = moment.isoformat()
    for target in targets:
        mode = target.attributes.get("control_mode")
        if mode in _NO_PLAN_MODES:
            reasons.append(
                Text(
                    f"{target.asset_id} is {mode}: it runs no plan",
                    f"{target.asset_id} est en mode {mode} : il n'exécute aucun plan",
                )
            )
        held = target.attributes.get("plans")
        if isinstance(held, list) and isinstance(plan, int) and plan not in held:
            reasons.append(
                Text(
                    f"{target.asset_id} holds no plan {plan}",
                    f"{target.asset_id} n'a pas de plan {plan}",
                )
            )
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
