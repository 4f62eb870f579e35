"""What an alarm is: its states, its severity and the record kept of it.

States (one active alarm per asset and rule at a time, "active" meaning not closed):

    raised ──ack──▶ acknowledged ──(condition ends)──▶ cleared ──close──▶ closed
      │  ▲                                               │
      │  └──────────── (condition returns) ◀─────────────┘
      └─shelve─▶ shelved (until a time, then back to raised/acknowledged, or cleared)

Any state but closed may be closed by an operator. Closed is final: the next occurrence of
the condition raises a new alarm.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import msgspec


class AlarmState(StrEnum):
    RAISED = "raised"
    ACKNOWLEDGED = "acknowledged"
    SHELVED = "shelved"
    CLEARED = "cleared"
    CLOSED = "closed"


#: States in which the alarm's condition is present (or held present while it flaps).
CONDITION_STATES = frozenset({AlarmState.RAISED, AlarmState.ACKNOWLEDGED, AlarmState.SHELVED})


class Severity(StrEnum):
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    def raised_one_step(self) -> Severity:
        """The next severity up; critical stays critical (escalation then only notifies)."""
        return _ORDER[min(self.rank + 1, len(_ORDER) - 1)]


_ORDER = (Severity.MINOR, Severity.MAJOR, Severity.CRITICAL)
_RANKS = {severity: rank for rank, severity in enumerate(_ORDER)}


class Alarm(msgspec.Struct, kw_only=True):
    """One alarm as stored and as the API, the live stream and webhooks show it."""

    id: int
    asset_id: str  # the asset, or the meter (a building's part) that reported
    asset_type: str  # the reporter type: an asset type, or "Meter"
    municipality_code: str
    rule_id: str
    title: str
    state: AlarmState
    severity: Severity
    rule_severity: Severity  # as declared by the rule, before any escalation
    is_root: bool  # the rule names a root cause for the assets that depend on this one
    caused_by: int | None  # the root alarm this one is a consequence of
    detail: str
    condition_since: datetime  # when the condition began (time of the reading that showed it)
    first_raised_at: datetime
    raised_at: datetime  # of the latest occurrence
    updated_at: datetime
    occurrences: int = 1
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    shelved_until: datetime | None = None
    shelved_by: str | None = None
    cleared_at: datetime | None = None
    closed_at: datetime | None = None
    closed_by: str | None = None
    escalations: int = 0
    escalation_due_at: datetime | None = None
    flapping: bool = False
    flap_count: int = 0
    last_flap_at: datetime | None = None
    #: A child of a cleared root that is still active becomes top-level at this time.
    promote_at: datetime | None = None
    #: `detail` in French (the UI's default language); None for alarms raised before it was
    #: kept, shown in English.
    detail_fr: str | None = None

    @property
    def top_level(self) -> bool:
        return self.caused_by is None


class Comment(msgspec.Struct, kw_only=True):
    id: int
    alarm_id: int
    at: datetime
    author: str
    text: str
