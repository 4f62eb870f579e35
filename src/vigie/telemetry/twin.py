"""The digital twin's live state: each asset's last value per metric and when it last spoke.

Kept in memory for speed and in `twin_state` for restarts and for other processes; the store
only ever moves forward in time (`ts` never goes back), so ingest workers sharing the load and
late or repeated readings cannot roll a value back.

Memory holds plain tuples `(value, text, ts, changed_at)`: the ingest makes one per reading,
and plain tuples of numbers, strings and datetimes drop out of the cyclic garbage collector's
passes, which a NamedTuple's instances never do (about a third of the ingest's CPU went to those
passes over the Dijon twin).

In the store, a value that changes is written in the batch's own transaction; a value that is
only reported again (same value, later `ts`) has its new `ts` written at most every
`reported_flush_s` (and when the pipeline closes): under a steady stream most values repeat
(a lit lamp's power, a closed door), and writing each repeat cost about a fifth of the ingest.
So the store's report time of an unchanged value lags memory by at most that long; its value
and `changed_at` never lag.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine

from vigie.store.schema import twin_state
from vigie.telemetry.fast_writes import ReportedRow, TwinRow, update_reported, upsert_twin

_Held = tuple[float | None, str | None, datetime, datetime]
#: A batch's latest reading of one metric: (asset, metric, value, text, ts, ts in µs, tag).
Latest = tuple[str, str, float | None, str | None, datetime, int, int]
#: Default longest lag of a repeated value's report time in the store, seconds.
REPORTED_FLUSH_S = 2.0


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
    """What a batch's latest readings do to the twin: every row that moves it forward
    `(asset, metric, value, text, ts, changed_at)` (for memory, once committed); among them
    the value changes (`changes`, and `changed` for the store) and the repeated values
    (`reported`, whose time the store takes later)."""

    rows: list[tuple[str, str, float | None, str | None, datetime, datetime]]
    changes: list[TwinChange]
    changed: list[TwinRow]
    reported: list[ReportedRow]


class Twin:
    def __init__(self, engine: Engine, *, reported_flush_s: float = REPORTED_FLUSH_S) -> None:
        """`reported_flush_s`: how long a repeated value's new report time may wait before
        the store takes it (0: in the same transaction as the batch)."""
        self._values: dict[str, dict[str, _Held]] = {}
        self.last_seen: dict[str, datetime] = {}
        self.reported_flush_s = reported_flush_s
        #: Report times of repeated values not yet in the store, and since when (monotonic).
        self._unsaved: dict[tuple[str, str], ReportedRow] = {}
        self._unsaved_since: float | None = None
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
        rows: list[tuple[str, str, float | None, str | None, datetime, datetime]] = []
        changes: list[TwinChange] = []
        changed: list[TwinRow] = []
        reported: list[ReportedRow] = []
        for asset_id, metric, value, text, ts, ts_us, tag in latest:
            metrics = values.get(asset_id)
            previous = metrics.get(metric) if metrics is not None else None
            if previous is None:
                changes.append(TwinChange(asset_id, metric, value, text, None, None, ts, tag))
            elif ts < previous[2]:
                continue
            elif previous[0] == value and previous[1] == text:
                rows.append((asset_id, metric, value, text, ts, previous[3]))
                reported.append((asset_id, metric, ts, ts_us))
                continue
            else:
                changes.append(
                    TwinChange(asset_id, metric, value, text, previous[0], previous[1], ts, tag)
                )
            rows.append((asset_id, metric, value, text, ts, ts))
            changed.append((asset_id, metric, value, text, ts, ts_us))
        return TwinAdvance(rows, changes, changed, reported)

    def persist(self, conn: Connection, advance: TwinAdvance) -> bool:
        """Write the advance's changes and, when their time has come, the report times held
        back; whether those were written (tell `apply`)."""
        upsert_twin(conn, advance.changed)
        if not advance.reported and not self._unsaved:
            return False
        since = self._unsaved_since
        if since is not None and time.monotonic() - since < self.reported_flush_s:
            return False
        if since is None and self.reported_flush_s > 0:
            return False  # the first repeats since the last write: hold them
        due = dict(self._unsaved)
        for row in advance.reported:
            due[(row[0], row[1])] = row
        for changed in advance.changed:
            due.pop((changed[0], changed[1]), None)
        update_reported(conn, list(due.values()))
        return True

    def flush_due(self) -> bool:
        """Whether report times have been held back `reported_flush_s` or longer."""
        since = self._unsaved_since
        return since is not None and time.monotonic() - since >= self.reported_flush_s

    def flush(self, engine: Engine) -> None:
        """Write the report times held back (a pipeline that stops calls this)."""
        if self._unsaved:
            with engine.begin() as conn:
                update_reported(conn, list(self._unsaved.values()))
        self._unsaved.clear()
        self._unsaved_since = None

    def apply(self, advance: TwinAdvance, reported_written: bool) -> None:
        """Take a committed advance into memory; `reported_written` is what `persist` said."""
        values, last_seen = self._values, self.last_seen
        for asset_id, metric, value, text, ts, changed_at in advance.rows:
            metrics = values.get(asset_id)
            if metrics is None:
                metrics = values[asset_id] = {}
            metrics[metric] = (value, text, ts, changed_at)
            seen = last_seen.get(asset_id)
            if seen is None or ts > seen:
                last_seen[asset_id] = ts
        unsaved = self._unsaved
        if reported_written:
            unsaved.clear()
            self._unsaved_since = None
            return
        for changed in advance.changed:
            unsaved.pop((changed[0], changed[1]), None)
        for reported in advance.reported:
            unsaved[(reported[0], reported[1])] = reported
        if unsaved and self._unsaved_since is None:
            self._unsaved_since = time.monotonic()
