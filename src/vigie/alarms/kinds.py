"""The condition kinds a rule file may name, with their parameters and the asset types they
apply to. `condition` (clauses on metrics) covers thresholds and states as data; the others
are logic written in Python."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import msgspec

from vigie.alarms.conditions.base import Condition
from vigie.alarms.conditions.buildings import NightConsumption, NightConsumptionParams
from vigie.alarms.conditions.clauses import ClauseCondition, ConditionParams
from vigie.alarms.conditions.lighting import (
    DayBurner,
    DayBurnerParams,
    DimmingFailure,
    DimmingFailureParams,
    LampFailure,
    LampFailureParams,
)
from vigie.alarms.conditions.silence import SilenceCondition, SilenceParams
from vigie.alarms.conditions.traffic import PlanMismatch, PlanMismatchParams
from vigie.alarms.conditions.transit import OffRoute, OffRouteParams
from vigie.registry.asset_types import AssetType
from vigie.telemetry.catalogue import METER

SILENCE = "silence"


@dataclass(frozen=True)
class Kind:
    params: type[msgspec.Struct]
    build: Callable[[Any, str], Condition]
    #: Reporter types the kind applies to; None: any.
    types: frozenset[str] | None = None


def _only(*types: str) -> frozenset[str]:
    return frozenset(types)


KINDS: dict[str, Kind] = {
    "condition": Kind(ConditionParams, ClauseCondition),
    SILENCE: Kind(SilenceParams, SilenceCondition),
    "lamp_failure": Kind(LampFailureParams, LampFailure, _only(AssetType.STREETLIGHT.value)),
    "dimming_failure": Kind(
        DimmingFailureParams, DimmingFailure, _only(AssetType.STREETLIGHT.value)
    ),
    "day_burner": Kind(DayBurnerParams, DayBurner, _only(AssetType.STREETLIGHT.value)),
    "plan_mismatch": Kind(
        PlanMismatchParams, PlanMismatch, _only(AssetType.TRAFFIC_SIGNAL_CONTROLLER.value)
    ),
    "off_route": Kind(OffRouteParams, OffRoute, _only(AssetType.BUS.value)),
    "night_consumption": Kind(NightConsumptionParams, NightConsumption, _only(METER)),
}
