"""Commands and their per-device status in the store. Creation writes the command, its
devices and its audit entry in the caller's transaction (all or nothing); the dispatcher's
updates are batched (a command to every light of the metropolis is ~34,000 rows)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, select, tuple_, update
from sqlalchemy.engine import Connection, Row
from sqlalchemy.sql.elements import ColumnElement

from vigie.audit.log import AuditEntry, record
from vigie.commands.model import (
    OPEN_STATUSES,
    Command,
    CommandRequest,
    CommandStatus,
    DeviceState,
    DeviceStatus,
)
from vigie.protocol.commands import ack_topic
from vigie.store.schema import command_devices, command_municipalities, commands, dead_letters

ROWS_PER_STATEMENT = 5_000


def new_command_id() -> str:
    return f"cmd-{secrets.token_hex(8)}"


def create_command(conn: Connection, request: CommandRequest, actor: str, now: datetime) -> Command:
    """Store a checked request (see validation.check_request) with its audit entry."""
    command_id = new_command_id()
    codes = tuple(sorted({t.municipality_code for t in request.targets}))
    policy = request.policy
    row: dict[str, Any] = {
        "id": command_id,
        "domain": request.domain,
        "action": request.action,
        "params": request.params,
        "target": request.target_description,
        "status": CommandStatus.ACTIVE.value,
        "created_by": actor,
        "created_at": now,
        "expires_at": now + policy.expires_in,
        "max_attempts": policy.max_attempts,
        "retry_after_s": policy.retry_after.total_seconds(),
        "device_count": len(request.targets),
        "updated_at": now,
    }
    conn.execute(commands.insert(), row)
    conn.execute(
        command_municipalities.insert(),
        [{"command_id": command_id, "municipality_code": code} for code in codes],
    )
    devices = [
        {
            "command_id": command_id,
            "asset_id": t.asset_id,
            "asset_type": t.asset_type,
            "municipality_code": t.municipality_code,
            "status": DeviceStatus.PENDING.value,
            "attempts": 0,
            "next_attempt_at": now,
            "sent_at": None,
            "answered_at": None,
            "reason": None,
            "updated_at": now,
        }
        for t in request.targets
    ]
    for start in range(0, len(devices), ROWS_PER_STATEMENT):
        conn.execute(command_devices.insert(), devices[start : start + ROWS_PER_STATEMENT])
    after = {k: row[k] for k in ("domain", "action", "params", "target", "device_count")}
    after["municipalities"] = list(codes)
    after["expires_at"] = row["expires_at"].isoformat()
    record(
        conn,
        [
            AuditEntry(
                at=now,
                actor=actor,
                action="command.create",
                entity_type="command",
                entity_id=command_id,
                after=after,
            )
        ],
    )
    return Command(
        **row,
        municipalities=codes,
        counts={DeviceStatus.PENDING.value: len(devices)},
    )


def _command(row: Row[Any], codes: tuple[str, ...], counts: dict[str, int]) -> Command:
    return Command(**row._mapping, municipalities=codes, counts=counts)


def get_command(conn: Connection, command_id: str) -> Command | None:
    row = conn.execute(select(commands).where(commands.c.id == command_id)).first()
    if row is None:
        return None
    codes = tuple(
        conn.execute(
            select(command_municipalities.c.municipality_code)
            .where(command_municipalities.c.command_id == command_id)
            .order_by(command_municipalities.c.municipality_code)
        ).scalars()
    )
    counts = {
        status: int(n)
        for status, n in conn.execute(
            select(command_devices.c.status, func.count())
            .where(command_devices.c.command_id == command_id)
            .group_by(command_devices.c.status)
        )
    }
    return _command(row, codes, counts)


def list_commands(
    conn: Connection,
    *,
    municipalities: tuple[str, ...] | None,
    domain: str | None = None,
    status: str | None = None,
    before: tuple[datetime, str] | None = None,
    limit: int = 100,
) -> list[Command]:
    """Newest first. A scoped caller sees the commands that touch one of its municipalities."""
    query = select(commands).order_by(commands.c.created_at.desc(), commands.c.id.desc())
    if municipalities is not None:
        query = query.where(
            commands.c.id.in_(
                select(command_municipalities.c.command_id).where(
                    command_municipalities.c.municipality_code.in_(municipalities)
                )
            )
        )
    if domain is not None:
        query = query.where(commands.c.domain == domain)
    if status is not None:
        query = query.where(commands.c.status == status)
    if before is not None:
        at, command_id = before
        query = query.where(
            or_(
                commands.c.created_at < at,
                and_(commands.c.created_at == at, commands.c.id < command_id),
            )
        )
    rows = list(conn.execute(query.limit(limit)))
    found = []
    for row in rows:
        full = get_command(conn, row.id)
        assert full is not None
        found.append(full)
    return found


def device_states(
    conn: Connection,
    command_id: str,
    *,
    status: str | None = None,
    municipalities: tuple[str, ...] | None = None,
    after: str | None = None,
    limit: int = 1_000,
) -> list[DeviceState]:
    query = (
        select(
            command_devices.c.asset_id,
            command_devices.c.asset_type,
            command_devices.c.municipality_code,
            command_devices.c.status,
            command_devices.c.attempts,
            command_devices.c.sent_at,
            command_devices.c.answered_at,
            command_devices.c.reason,
        )
        .where(command_devices.c.command_id == command_id)
        .order_by(command_devices.c.asset_id)
        .limit(limit)
    )
    if status is not None:
        query = query.where(command_devices.c.status == status)
    if municipalities is not None:
        query = query.where(command_devices.c.municipality_code.in_(municipalities))
    if after is not None:
        query = query.where(command_devices.c.asset_id > after)
    return [DeviceState(*row) for row in conn.execute(query)]


@dataclass(frozen=True)
class Delivery:
    """One device's copy of a command, due to be (re)sent."""

    command_id: str
    asset_id: str
    action: str
    params: dict[str, Any]
    expires_at: datetime
    attempts: int
    retry_after_s: float


def due_deliveries(conn: Connection, now: datetime, limit: int = 50_000) -> list[Delivery]:
    """Devices to send to now: pending, or sent without an answer and due for a retry, of
    commands not expired and with attempts left."""
    query = (
        select(
            command_devices.c.command_id,
            command_devices.c.asset_id,
            command_devices.c.attempts,
        )
        .join(commands, commands.c.id == command_devices.c.command_id)
        .where(
            command_devices.c.status.in_(OPEN_STATUSES),
            command_devices.c.next_attempt_at <= now,
            command_devices.c.attempts < commands.c.max_attempts,
            commands.c.expires_at > now,
        )
        .order_by(command_devices.c.next_attempt_at)
        .limit(limit)
    )
    rows = list(conn.execute(query))
    if not rows:
        return []
    # The command's own fields once per command, not once per device (34,000 JSON decodes).
    ids = sorted({row[0] for row in rows})
    found = {
        c.id: c
        for c in conn.execute(
            select(
                commands.c.id,
                commands.c.action,
                commands.c.params,
                commands.c.expires_at,
                commands.c.retry_after_s,
            ).where(commands.c.id.in_(ids))
        )
    }
    return [
        Delivery(
            command_id,
            asset_id,
            found[command_id].action,
            found[command_id].params,
            found[command_id].expires_at,
            attempts,
            found[command_id].retry_after_s,
        )
        for command_id, asset_id, attempts in rows
    ]


def _is_open() -> ColumnElement[bool]:
    # Spelt out: an IN list cannot be used in an executemany statement.
    status = command_devices.c.status
    return or_(status == DeviceStatus.PENDING.value, status == DeviceStatus.SENT.value)


def _still_open() -> ColumnElement[bool]:
    """Whether a device looked up by its key is still open. Wrapped in a function so that no
    index on the status can serve it: SQLite, which keeps no statistics, took the status index
    for a few hundred devices named by key and walked every open device of the store for each
    statement (34,000 per statement for a command to the whole city: 50 ms each)."""
    return func.coalesce(command_devices.c.status, "").in_(OPEN_STATUSES)


#: Devices per set-based UPDATE (an IN list well under the drivers' parameter limits).
IN_CHUNK = 900


def mark_sent(conn: Connection, sent: Sequence[Delivery], now: datetime) -> None:
    """One more attempt for each of these devices, the next one due after the retry wait.
    Set-based per command, a few hundred devices per statement: far faster than one UPDATE
    per device."""
    by_command: dict[str, list[str]] = {}
    wait_s: dict[str, float] = {}
    for d in sent:
        by_command.setdefault(d.command_id, []).append(d.asset_id)
        wait_s[d.command_id] = d.retry_after_s
    for command_id, asset_ids in by_command.items():
        for start in range(0, len(asset_ids), IN_CHUNK):
            conn.execute(
                update(command_devices)
                .where(
                    command_devices.c.command_id == command_id,
                    command_devices.c.asset_id.in_(asset_ids[start : start + IN_CHUNK]),
                    _still_open(),
                )
                .values(
                    status=DeviceStatus.SENT.value,
                    attempts=command_devices.c.attempts + 1,
                    sent_at=now,
                    next_attempt_at=now + timedelta(seconds=wait_s[command_id]),
                    updated_at=now,
                )
            )


@dataclass(frozen=True)
class Answer:
    """A device's acknowledgement as read off `.../cmd/ack`."""

    command_id: str
    asset_id: str
    status: str  # acknowledged or failed
    answered_at: datetime
    reason: str | None = None


def record_answers(
    conn: Connection, answers: Sequence[Answer], now: datetime
) -> tuple[int, list[Answer]]:
    """Apply acknowledgements: how many applied, and those refused.

    An answer counts only for a command that was sent to that very device (its topic names
    it) and that it has not answered yet; one that came back after the command expired is
    recorded too, since the device did act. A repeat of an answer already recorded changes
    nothing. Any other — a command never sent to that device, not sent yet, or unknown — is
    refused: it can only be a forgery or a device's confusion, never an answer."""
    if not answers:
        return 0, []
    known: dict[tuple[str, str], tuple[str, int]] = {}
    pairs = sorted({(a.command_id, a.asset_id) for a in answers})
    for start in range(0, len(pairs), ROWS_PER_STATEMENT):
        chunk = pairs[start : start + ROWS_PER_STATEMENT]
        rows = conn.execute(  # by the table's key: only the answered devices' rows
            select(
                command_devices.c.command_id,
                command_devices.c.asset_id,
                command_devices.c.status,
                command_devices.c.attempts,
            ).where(tuple_(command_devices.c.command_id, command_devices.c.asset_id).in_(chunk))
        )
        known.update(((c, a), (status, attempts)) for c, a, status, attempts in rows)
    answerable = {DeviceStatus.SENT.value, DeviceStatus.EXPIRED.value}
    to_apply: list[Answer] = []
    refused: list[Answer] = []
    for answer in answers:
        found = known.get((answer.command_id, answer.asset_id))
        if found is None or found[1] == 0:
            refused.append(answer)  # never sent to this device
        elif found[0] in answerable:
            to_apply.append(answer)
        # else: already answered, a repeat
    statement = (
        update(command_devices)
        .where(
            command_devices.c.command_id == bindparam("c"),
            command_devices.c.asset_id == bindparam("a"),
            or_(
                command_devices.c.status == DeviceStatus.SENT.value,
                command_devices.c.status == DeviceStatus.EXPIRED.value,
            ),
        )
        .values(
            status=bindparam("s"),
            answered_at=bindparam("t"),
            reason=bindparam("r"),
            next_attempt_at=None,
            updated_at=now,
        )
    )
    rows_to_apply = [
        {"c": a.command_id, "a": a.asset_id, "s": a.status, "t": a.answered_at, "r": a.reason}
        for a in to_apply
    ]
    applied = 0
    for start in range(0, len(rows_to_apply), ROWS_PER_STATEMENT):
        result = conn.execute(statement, rows_to_apply[start : start + ROWS_PER_STATEMENT])
        applied += max(0, result.rowcount)
    return applied, refused


def dead_letter_acks(conn: Connection, refused: Sequence[Answer], now: datetime) -> None:
    """Keep the refused acknowledgements with the other refused device messages."""
    conn.execute(
        dead_letters.insert(),
        [
            {
                "received_at": now,
                "source": "mqtt",
                "topic": ack_topic(a.asset_id)[:300],
                "asset_id": a.asset_id[:200],
                "metric": None,
                "reason": f"acknowledgement refused: command {a.command_id[:80]!r} was not sent "
                "to this device (or is unknown)",
                "payload": f'{{"id": {a.command_id[:200]!r}, "status": {a.status!r}}}',
                "payload_bytes": 0,
                "refusals": 1,
            }
            for a in refused
        ],
    )


def expire_overdue(conn: Connection, now: datetime) -> int:
    """Devices that will never be sent again become expired: their command's expiry passed,
    or every attempt was made and the last one's wait is over. How many."""
    expired_commands = select(commands.c.id).where(commands.c.expires_at <= now)
    first = conn.execute(
        update(command_devices)
        .where(
            command_devices.c.status.in_(OPEN_STATUSES),
            command_devices.c.command_id.in_(expired_commands),
        )
        .values(
            status=DeviceStatus.EXPIRED.value,
            reason="the command expired before the device acknowledged it",
            next_attempt_at=None,
            updated_at=now,
        )
    ).rowcount
    exhausted = select(commands.c.id).where(
        commands.c.max_attempts <= command_devices.c.attempts,
        commands.c.id == command_devices.c.command_id,
    )
    second = conn.execute(
        update(command_devices)
        .where(
            command_devices.c.status == DeviceStatus.SENT.value,
            command_devices.c.next_attempt_at <= now,
            exhausted.exists(),
        )
        .values(
            status=DeviceStatus.EXPIRED.value,
            reason="no acknowledgement after every attempt",
            next_attempt_at=None,
            updated_at=now,
        )
    ).rowcount
    return max(0, first) + max(0, second)


def close_finished(conn: Connection, now: datetime) -> list[str]:
    """Active commands with no device left pending or sent become completed (every device
    answered) or expired (some did not). Their ids."""
    active = list(
        conn.execute(
            select(commands.c.id).where(commands.c.status == CommandStatus.ACTIVE.value)
        ).scalars()
    )
    closed = []
    for command_id in active:
        counts: dict[str, int] = {
            r[0]: int(r[1])
            for r in conn.execute(
                select(command_devices.c.status, func.count())
                .where(command_devices.c.command_id == command_id)
                .group_by(command_devices.c.status)
            )
        }
        if any(counts.get(s, 0) for s in OPEN_STATUSES):
            continue
        status = (
            CommandStatus.EXPIRED
            if counts.get(DeviceStatus.EXPIRED.value)
            else CommandStatus.COMPLETED
        )
        conn.execute(
            update(commands)
            .where(commands.c.id == command_id)
            .values(status=status.value, updated_at=now)
        )
        closed.append(command_id)
    return closed
