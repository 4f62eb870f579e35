"""The condition kinds a rule file may name, with their parameters and the asset types they
apply to. `condition` (clauses on metrics) covers thresholds and states as data and `silence`
a device that stopped talking; the other kinds are logic written in Python by the domains and
registered when their integration is installed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import msgspec

from vigie.alarms.conditions.base import Condition
from vigie.alarms.conditions.clauses import ClauseCondition, ConditionParams
from vigie.alarms.conditions.silence import SilenceCondition, SilenceParams

SILENCE = "silence"


@dataclass(frozen=True)
class Kind:
    params: type[msgspec.Struct]
    build: Callable[[Any, str], Condition]
    #: Reporter types the kind applies to; None: any.
    types: frozenset[str] | None = None


def only(*types: str) -> frozenset[str]:
    return frozenset(types)


KINDS: dict[str, Kind] = {
    "condition": Kind(ConditionParams, ClauseCondition),
    SILENCE: Kind(SilenceParams, SilenceCondition),
}
_GENERIC = frozenset(KINDS)


def register_kind(key: str, kind: Kind) -> None:
    KINDS[key] = kind


def unregister_kind(key: str) -> None:
    if key not in _GENERIC:
        KINDS.pop(key, None)
