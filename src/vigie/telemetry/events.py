"""Events the telemetry pipeline publishes on the bus, after the batch is committed.

They hold no containers, so they stay out of the cyclic garbage collector (`gc=False`): a
batch makes one per change, hundreds of thousands of them."""

from __future__ import annotations

from datetime import datetime

import msgspec


class StateChanged(msgspec.Struct, frozen=True, gc=False):
    """A metric of an asset took a new value (a merely repeated value is not a change)."""

    asset_id: str
    reporter_type: str
    municipality_code: str
    metric: str
    value: float | None
    value_text: str | None
    previous_value: float | None
    previous_text: str | None
    ts: datetime


class AssetSeen(msgspec.Struct, frozen=True, gc=False):
    """An asset reported (changed or not): what silence rules reset their timers on."""

    asset_id: str
    reporter_type: str
    ts: datetime


class BatchCommitted(msgspec.Struct, frozen=True, gc=False):
    """One ingest batch is durable: its counts, and when it was received and committed."""

    messages: int
    stored: int
    duplicates: int
    rejected: int
    received_at: datetime
    committed_at: datetime
