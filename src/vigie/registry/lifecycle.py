"""Lifecycle status of an asset, and which moves between them are allowed."""

from __future__ import annotations

from enum import StrEnum


class LifecycleStatus(StrEnum):
    PLANNED = "planned"
    ACTIVE = "active"
    MAINTENANCE = "maintenance"
    FAULTY = "faulty"
    RETIRED = "retired"


#: Retired is final: a retired asset is kept for history and audit, never brought back.
ALLOWED_TRANSITIONS: dict[LifecycleStatus, frozenset[LifecycleStatus]] = {
    LifecycleStatus.PLANNED: frozenset({LifecycleStatus.ACTIVE, LifecycleStatus.RETIRED}),
    LifecycleStatus.ACTIVE: frozenset(
        {LifecycleStatus.MAINTENANCE, LifecycleStatus.FAULTY, LifecycleStatus.RETIRED}
    ),
    LifecycleStatus.MAINTENANCE: frozenset(
        {LifecycleStatus.ACTIVE, LifecycleStatus.FAULTY, LifecycleStatus.RETIRED}
    ),
    LifecycleStatus.FAULTY: frozenset(
        {LifecycleStatus.ACTIVE, LifecycleStatus.MAINTENANCE, LifecycleStatus.RETIRED}
    ),
    LifecycleStatus.RETIRED: frozenset(),
}


def can_move(current: LifecycleStatus, target: LifecycleStatus) -> bool:
    return current == target or target in ALLOWED_TRANSITIONS[current]
