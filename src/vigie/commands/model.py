"""What a command is: its targets, action, parameters, expiry and retry policy, and the
status of each target device."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any


class DeviceStatus(StrEnum):
    PENDING = "pending"  # not sent yet
    SENT = "sent"  # published, no answer yet
    ACKNOWLEDGED = "acknowledged"  # the device applied it
    FAILED = "failed"  # the device refused it (reason given)
    EXPIRED = "expired"  # no answer before the expiry, or after every attempt


OPEN_STATUSES = (DeviceStatus.PENDING.value, DeviceStatus.SENT.value)


class CommandStatus(StrEnum):
    ACTIVE = "active"  # some devices still pending or sent
    COMPLETED = "completed"  # every device answered
    EXPIRED = "expired"  # done, some devices expired


@dataclass(frozen=True)
class Target:
    """One device a command goes to."""

    asset_id: str
    asset_type: str
    municipality_code: str
    attributes: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Policy:
    """How long a command may be delivered, how many times, how far apart."""

    expires_in: timedelta = timedelta(minutes=5)
    max_attempts: int = 3
    retry_after: timedelta = timedelta(seconds=20)

    MAX_EXPIRY = timedelta(days=7)
    MAX_ATTEMPTS = 10


@dataclass(frozen=True)
class CommandRequest:
    domain: str
    action: str
    params: dict[str, Any]
    targets: tuple[Target, ...]
    #: How the targets were chosen (kept with the command, shown by the API).
    target_description: dict[str, Any]
    policy: Policy = Policy()


@dataclass(frozen=True)
class Command:
    id: str
    domain: str
    action: str
    params: dict[str, Any]
    target: dict[str, Any]
    status: str
    created_by: str
    created_at: datetime
    expires_at: datetime
    max_attempts: int
    retry_after_s: float
    device_count: int
    updated_at: datetime
    municipalities: tuple[str, ...] = ()
    counts: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "domain": self.domain,
            "action": self.action,
            "params": self.params,
            "target": self.target,
            "status": self.status,
            "created_by": self.created_by,
            "created_at": self.created_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
            "max_attempts": self.max_attempts,
            "retry_after_s": self.retry_after_s,
            "device_count": self.device_count,
            "municipalities": list(self.municipalities),
            "devices": {status.value: self.counts.get(status.value, 0) for status in DeviceStatus},
            "updated_at": self.updated_at.isoformat(),
        }


@dataclass(frozen=True)
class DeviceState:
    asset_id: str
    asset_type: str
    municipality_code: str
    status: str
    attempts: int
    sent_at: datetime | None
    answered_at: datetime | None
    reason: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "asset_id": self.asset_id,
            "asset_type": self.asset_type,
            "municipality_code": self.municipality_code,
            "status": self.status,
            "attempts": self.attempts,
            "sent_at": self.sent_at.isoformat() if self.sent_at else None,
            "answered_at": self.answered_at.isoformat() if self.answered_at else None,
            "reason": self.reason,
        }


class CommandRefused(ValueError):
    """A command refused as a whole before anything is sent; `reasons` says why."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons
