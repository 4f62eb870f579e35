"""The digital twin's live state: each asset's last value per metric and when it last spoke.

Kept in memory for speed and in `twin_state` for restarts and for other processes; the store
only ever moves forward in time (`ts` never goes back), so ingest workers sharing the load and
late or repeated readings cannot roll a value back.

Memory holds plain tuples `(value, text, ts, changed_at)`: the ingest makes one per reading,
and plain tuples of numbers, strings and datetimes drop out of the cyclic garbage collector's
passes, which a NamedTuple's instances never do (about a third of the ingest's CPU went to those
passes over the Dijon twin).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine

from vigie.store.schema import twin_state
from vigie.store.types import micros
from vigie.telemetry.fast_writes import TwinRow, upsert_twin

_Held = tuple[float | None, str | None, datetime, datetime]
#: A batch's latest reading of one metric: (asset, metric, value, text, ts, ts in µs, tag).
Latest = tuple[str, str, float | None, str | None, datetime, int, int]


class TwinValue(NamedTuple):
    value: float | None
    text: str | None
    ts: datetime
    changed_at: datetime


class TwinChange(NamedTuple):
    """A metric that takes a new value; `tag` is the caller's (which batch it came from)."""

    asset_id: str
    metric: str
    value: float | None
    text: str | None
    previous_value: float | None
    previous_text: str | None
    ts: datetime
    tag: int


class TwinAdvance(NamedTuple):
    """What a batch's latest readings do to the twin: every row that moves it forward (for
    the store and, once committed, for memory), and among them the value changes."""

    rows: list[TwinRow]
    changes: list[TwinChange]


class Twin:
    def __init__(self, engine: Engine) -> None:
        self._values: dict[str, dict[str, _Held]] = {}
        self.last_seen: dict[str, datetime] = {}
        with engine.connect() as conn:
            for row in conn.execute(select(twin_state)):
                self._values.setdefault(row.asset_id, {})[row.metric] = (
                    row.value,
                    row.value_text,
                    row.ts,
                    row.changed_at,
                )
            for asset_id, ts in conn.execute(
                select(twin_state.c.asset_id, func.max(twin_state.c.ts)).group_by(
                    twin_state.c.asset_id
                )
            ):
                self.last_seen[asset_id] = ts

    def get(self, asset_id: str, metric: str) -> TwinValue | None:
        held = self._values.get(asset_id, {}).get(metric)
        return TwinValue(*held) if held is not None else None

    def state_of(self, asset_id: str) -> dict[str, TwinValue]:
        return {m: TwinValue(*held) for m, held in list(self._values.get(asset_id, {}).items())}

    def advance(self, latest: Iterable[Latest]) -> TwinAdvance:
        """Which of these latest readings move the twin forward (not older than what it
        holds), and which of those change a value (a repeated value is only reported: it
        keeps the time it last changed). Nothing moves until `apply`."""
        values = self._values
        rows: list[TwinRow] = []
        changes: list[TwinChange] = []
        for asset_id, metric, value, text, ts, ts_us, tag in latest:
            metrics = values.get(asset_id)
            previous = metrics.get(metric) if metrics is not None else None
            if previous is None:
                changes.append(TwinChange(asset_id, metric, value, text, None, None, ts, tag))
            elif ts < previous[2]:
                continue
            elif previous[0] == value and previous[1] == text:
                changed_at = previous[3]
                rows.append(
                    (asset_id, metric, value, text, ts, ts_us, changed_at, micros(changed_at))
                )
                continue
            else:
                changes.append(
                    TwinChange(asset_id, metric, value, text, previous[0], previous[1], ts, tag)
                )
            rows.append((asset_id, metric, value, text, ts, ts_us, ts, ts_us))
        return TwinAdvance(rows, changes)

    def persist(self, conn: Connection, advance: TwinAdvance) -> None:
        upsert_twin(conn, advance.rows)

    def apply(self, advance: TwinAdvance) -> None:
        """Take a committed advance into memory."""
        values, last_seen = self._values, self.last_seen
        for asset_id, metric, value, text, ts, _, changed_at, _ in advance.rows:
            metrics = values.get(asset_id)
            if metrics is None:
                metrics = values[asset_id] = {}
            metrics[metric] = (value, text, ts, changed_at)
            seen = last_seen.get(asset_id)
            if seen is None or ts > seen:
                last_seen[asset_id] = ts
