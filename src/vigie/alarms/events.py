"""The event published on the bus after each committed alarm change."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import msgspec

from vigie.alarms.model import Alarm


class Change(StrEnum):
    RAISED = "raised"  # a new alarm, or a cleared one whose condition came back
    FLAPPING = "flapping"  # the condition came back too often: counted, not raised again
    ESCALATED = "escalated"  # not acknowledged in time: severity up one step, notified again
    ACKNOWLEDGED = "acknowledged"
    SHELVED = "shelved"
    UNSHELVED = "unshelved"
    COMMENTED = "commented"
    CLEARED = "cleared"
    CLOSED = "closed"
    CORRELATED = "correlated"  # attached to a root alarm as one of its consequences
    PROMOTED = "promoted"  # a consequence whose root cleared without it: now an alarm of its own


#: Changes that tell someone something new is wrong (webhooks post these).
NOTIFYING_CHANGES = frozenset({Change.RAISED, Change.ESCALATED, Change.PROMOTED})


class AlarmChanged(msgspec.Struct, frozen=True):
    """`alarm` as it is after the change, committed; `actor` is None for the engine's own
    changes and the user's name for an operator's."""

    change: Change
    alarm: Alarm
    at: datetime
    actor: str | None = None
