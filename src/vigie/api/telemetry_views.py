"""How telemetry looks on the wire (the state of an asset, series items, dead letters), and
which asset or meter an id names."""

from __future__ import annotations

from datetime import datetime

import msgspec
from sqlalchemy import select
from sqlalchemy.engine import Connection

from vigie.api.dependencies import ensure_in_scope
from vigie.api.problems import ProblemError
from vigie.auth.principal import Principal
from vigie.registry.asset_types import reporting_parts
from vigie.store.schema import asset_parts, assets
from vigie.telemetry.metrics import MetricDescription, MetricKind

Value = bool | float | str | None


class MetricState(msgspec.Struct):
    value: Value
    unit: str | None
    ts: datetime
    changed_at: datetime


class AssetState(msgspec.Struct):
    asset_id: str
    type: str
    municipality_code: str
    last_seen: datetime | None
    metrics: dict[str, MetricState]


class RawItem(msgspec.Struct):
    metric: str
    ts: datetime
    value: Value


class BucketItem(msgspec.Struct, omit_defaults=True):
    metric: str
    start: datetime
    count: int
    min: float
    max: float
    mean: float
    first: float
    first_ts: datetime
    last: float
    last_ts: datetime
    increase: float | None = None  # counters only
    day: str | None = None  # local days only


class ReadingsPage(msgspec.Struct):
    asset_id: str
    type: str
    resolution: str
    tz: str
    from_: datetime = msgspec.field(name="from")
    to: datetime
    units: dict[str, str | None]
    items: list[RawItem] | list[BucketItem]
    next_cursor: str | None


class Subject(msgspec.Struct, frozen=True):
    """What reports under an id: its type (an asset type, or Meter) and municipality."""

    id: str
    type: str
    municipality_code: str


def subject_of(conn: Connection, subject_id: str, principal: Principal) -> Subject:
    """The asset or meter `subject_id` names, if the caller may see it (404, 403 otherwise)."""
    found = conn.execute(
        select(assets.c.type, assets.c.municipality_code).where(assets.c.id == subject_id)
    ).first()
    subject: Subject | None = Subject(subject_id, found[0], found[1]) if found else None
    if subject is None:
        part_types = {p.kind: p.urn_type for p in reporting_parts()}
        part = conn.execute(
            select(asset_parts.c.kind, assets.c.municipality_code)
            .select_from(asset_parts.join(assets, assets.c.id == asset_parts.c.asset_id))
            .where(asset_parts.c.id == subject_id, asset_parts.c.kind.in_(part_types))
        ).first()
        if part is not None:
            subject = Subject(subject_id, part_types[part[0]], part[1])
    if subject is None:
        raise ProblemError(404, f"no asset or meter {subject_id}", kind="not-found")
    ensure_in_scope(principal, subject.municipality_code)
    return subject


def wire_value(
    description: MetricDescription | None, value: float | None, text: str | None
) -> Value:
    """A stored value as its metric's kind says: booleans true/false, enums and text as
    strings, numbers as numbers."""
    if description is None:
        return value if value is not None else text
    if description.kind is MetricKind.BOOL:
        return None if value is None else value != 0.0
    if description.kind in (MetricKind.ENUM, MetricKind.TEXT):
        return text
    return value


class RejectedItem(msgspec.Struct):
    id: int
    received_at: datetime
    source: str
    topic: str | None
    asset_id: str | None
    metric: str | None
    reason: str
    payload: str
    payload_bytes: int
    payload_truncated: bool
    #: How many of the payload's metrics were refused (the reason is the first's).
    refusals: int = 1
