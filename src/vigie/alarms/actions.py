"""What operators do to alarms: acknowledge, shelve, comment, close. Each change is written
with its audit entry in the caller's transaction; the AlarmChanged events returned are for
the caller to publish once committed.

Acknowledging a root acknowledges its consequences with it (one incident, one click);
closing a root closes its cleared consequences and sets the others free (they become alarms
of their own at the engine's next tick).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import msgspec
from sqlalchemy.engine import Connection

from vigie.alarms import store
from vigie.alarms.events import AlarmChanged, Change
from vigie.alarms.model import CONDITION_STATES, Alarm, AlarmState, Comment
from vigie.audit.log import AuditEntry, record
from vigie.core.text import Text

replace = msgspec.structs.replace
MAX_SHELVE = timedelta(days=30)
MAX_COMMENT_CHARS = 4_000


class ActionRefused(Exception):
    """The action does not apply to the alarm as it is (HTTP 409 or 422)."""

    def __init__(self, status: int, detail: str, kind: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.kind = kind


def audit_id(alarm_id: int) -> str:
    """How an alarm is named in the audit log."""
    return f"alarm:{alarm_id}"


def _snapshot(alarm: Alarm) -> dict[str, Any]:
    snapshot: dict[str, Any] = msgspec.to_builtins(alarm)
    return snapshot


def _write(
    conn: Connection,
    before: Alarm,
    after: Alarm,
    change: Change,
    actor: str,
    now: datetime,
    detail: str | None = None,
) -> AlarmChanged:
    if not store.save_alarm(conn, after, before.state):
        raise ActionRefused(
            409,
            Text(
                f"alarm {before.id} changed meanwhile; try again",
                f"l'alarme {before.id} a changé entre-temps ; réessayez",
            ),
            "conflict",
        )
    record(
        conn,
        [
            AuditEntry(
                at=now,
                actor=actor,
                action=f"alarm.{change.value}",
                entity_type="Alarm",
                entity_id=audit_id(before.id),
                before=_snapshot(before),
                after=_snapshot(after),
                detail=detail,
            )
        ],
    )
    return AlarmChanged(change, after, now, actor)


_VERBS_FR = {
    "acknowledged": "acquittée",
    "shelved": "mise de côté",
    "closed again": "close à nouveau",
}


def _refuse_closed(alarm: Alarm, verb: str) -> None:
    if alarm.state == AlarmState.CLOSED:
        raise ActionRefused(
            409,
            Text(
                f"alarm {alarm.id} is closed: it cannot be {verb}",
                f"l'alarme {alarm.id} est close : elle ne peut plus être {_VERBS_FR[verb]}",
            ),
            "closed",
        )


def acknowledge(conn: Connection, alarm: Alarm, actor: str, now: datetime) -> list[AlarmChanged]:
    _refuse_closed(alarm, "acknowledged")
    if alarm.acknowledged_at is not None:
        return []  # already acknowledged: nothing changes, nothing to audit
    changes = [_acknowledge_one(conn, alarm, actor, now)]
    for child in store.children_of(conn, [alarm.id], open_only=True):
        if child.acknowledged_at is None:
            changes.append(_acknowledge_one(conn, child, actor, now))
    return changes


def _acknowledge_one(conn: Connection, alarm: Alarm, actor: str, now: datetime) -> AlarmChanged:
    state = AlarmState.ACKNOWLEDGED if alarm.state == AlarmState.RAISED else alarm.state
    after = replace(
        alarm,
        state=state,
        acknowledged_at=now,
        acknowledged_by=actor,
        escalation_due_at=None,
        updated_at=now,
    )
    return _write(conn, alarm, after, Change.ACKNOWLEDGED, actor, now)


def shelve(
    conn: Connection, alarm: Alarm, until: datetime, actor: str, now: datetime
) -> list[AlarmChanged]:
    _refuse_closed(alarm, "shelved")
    if alarm.state == AlarmState.CLEARED:
        raise ActionRefused(
            409,
            Text(
                f"alarm {alarm.id} has cleared: nothing to shelve",
                f"l'alarme {alarm.id} est retombée : rien à mettre de côté",
            ),
            "cleared",
        )
    if until.tzinfo is None:
        raise ActionRefused(
            422,
            Text("until needs a UTC offset", "until doit porter un décalage UTC"),
            "invalid-input",
        )
    if not now < until <= now + MAX_SHELVE:
        raise ActionRefused(
            422,
            Text(
                f"until must be in the future and within {MAX_SHELVE.days} days",
                f"until doit être dans le futur et dans les {MAX_SHELVE.days} jours",
            ),
            "invalid-input",
        )
    after = replace(
        alarm,
        state=AlarmState.SHELVED,
        shelved_until=until,
        shelved_by=actor,
        escalation_due_at=None,
        updated_at=now,
    )
    return [_write(conn, alarm, after, Change.SHELVED, actor, now, f"until {until.isoformat()}")]


def comment(
    conn: Connection, alarm: Alarm, text: str, actor: str, now: datetime
) -> tuple[Comment, list[AlarmChanged]]:
    text = text.strip()
    if not text or len(text) > MAX_COMMENT_CHARS:
        raise ActionRefused(
            422,
            Text(
                f"a comment is 1 to {MAX_COMMENT_CHARS} characters",
                f"un commentaire compte de 1 à {MAX_COMMENT_CHARS} caractères",
            ),
            "invalid-input",
        )
    added = store.add_comment(conn, alarm.id, now, actor, text)
    after = replace(alarm, updated_at=now)
    return added, [_write(conn, alarm, after, Change.COMMENTED, actor, now, text)]


def close(conn: Connection, alarm: Alarm, actor: str, now: datetime) -> list[AlarmChanged]:
    _refuse_closed(alarm, "closed again")
    changes = [_close_one(conn, alarm, actor, now)]
    for child in store.children_of(conn, [alarm.id], open_only=True):
        if child.state == AlarmState.CLEARED:
            changes.append(_close_one(conn, child, actor, now))
        elif child.state in CONDITION_STATES:
            freed = replace(child, promote_at=now)
            store.save_alarm(conn, freed, child.state)
    return changes


def _close_one(conn: Connection, alarm: Alarm, actor: str, now: datetime) -> AlarmChanged:
    after = replace(
        alarm,
        state=AlarmState.CLOSED,
        closed_at=now,
        closed_by=actor,
        escalation_due_at=None,
        promote_at=None,
        flapping=False,
        updated_at=now,
    )
    return _write(conn, alarm, after, Change.CLOSED, actor, now)
