"""Traffic: a controller running another timing plan than the one it was commanded."""

from __future__ import annotations

import msgspec

from vigie.alarms.conditions.base import Condition, Context
from vigie.core.text import Text

_DARK_MODES = frozenset({"flashing", "off"})


class PlanMismatchParams(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    pass


class PlanMismatch(Condition):
    """The plan reported differs from the one the expected-plan provider names (commands or
    schedule). A controller flashing or off is another rule's business."""

    metrics = frozenset({"plan", "mode"})
    # The expected plan follows commands and schedules, not this asset's readings.
    on_tick = True

    def __init__(self, params: PlanMismatchParams, reporter_type: str) -> None:
        pass

    def evaluate(self, ctx: Context, active: bool) -> Text | None:
        expected = ctx.services.expected_plans.expected_plan(ctx.asset.id, ctx.now)
        plan = ctx.number("plan")
        if expected is None or plan is None or ctx.text("mode") in _DARK_MODES:
            return None
        if int(plan) != expected:
            return Text(
                f"running plan {int(plan)}, commanded plan {expected}",
                f"exécute le plan {int(plan)}, plan commandé {expected}",
            )
        return None
