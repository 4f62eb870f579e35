"""Which programme a luminaire runs on a given night: calendar exceptions first (a date for
one group, e.g. a street on a festival night, then a date for every group), then its group's
public-holiday programme on French public holidays, then its group's programme. Where a
luminaire is in several groups, the group of highest priority decides (ties: the group id,
so the choice is stable)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from vigie.domains.lighting.holidays import is_public_holiday


@dataclass(frozen=True)
class Assignment:
    group_id: str
    priority: int
    program_id: str | None
    holiday_program_id: str | None = None


@dataclass(frozen=True)
class Exception_:
    night: date
    program_id: str
    group_id: str | None = None  # None: every group


def programme_for(
    night: date,
    groups: Iterable[Assignment],
    exceptions: Iterable[Exception_],
    fallback: str | None = None,
) -> str | None:
    """The programme of one luminaire (member of `groups`) on the night of `night`."""
    ranked = sorted(groups, key=lambda g: (-g.priority, g.group_id))
    tonight = [e for e in exceptions if e.night == night]
    for group in ranked:
        for exception in tonight:
            if exception.group_id == group.group_id:
                return exception.program_id
    for exception in tonight:
        if exception.group_id is None:
            return exception.program_id
    holiday = is_public_holiday(night)
    for group in ranked:
        if holiday and group.holiday_program_id is not None:
            return group.holiday_program_id
        if group.program_id is not None:
            return group.program_id
    return fallback


def programmes_for_all(
    night: date,
    membership: Mapping[str, list[Assignment]],
    exceptions: Iterable[Exception_],
    fallback: str | None = None,
) -> dict[str, str | None]:
    """Luminaire id → its programme on the night of `night`."""
    kept = list(exceptions)
    return {
        light: programme_for(night, groups, kept, fallback) for light, groups in membership.items()
    }
