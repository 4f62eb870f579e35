"""The ingest pipeline: decode and validate → dead letters → deduplicate → twin → time series
→ events. One call ingests one batch of raw messages in one transaction; it returns only
after the commit, so a caller (the MQTT adapter) may acknowledge the messages then."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, NamedTuple

import msgspec
from sqlalchemy.engine import Connection, Engine

from vigie.core.bus import EventBus
from vigie.core.clock import Clock
from vigie.core.service import Health
from vigie.protocol.telemetry import ReadingIn
from vigie.store.partitions import ensure_partitions_for
from vigie.store.schema import dead_letters
from vigie.store.types import micros
from vigie.telemetry import instrumentation
from vigie.telemetry.catalogue import METRICS
from vigie.telemetry.events import AssetSeen, BatchCommitted, StateChanged
from vigie.telemetry.fast_writes import append_readings
from vigie.telemetry.payloads import (
    Rejected,
    decode_json_array,
    decode_mqtt,
    decode_ndjson,
)
from vigie.telemetry.reporters import Reporter, ReporterIndex
from vigie.telemetry.twin import Latest, Twin
from vigie.telemetry.values import check_value
from vigie.telemetry.wal import WalCheckpointer
from vigie.telemetry.writer import GroupCommitter

Source = Literal["mqtt", "http"]
DEAD_LETTER_PAYLOAD_CHARS = 65_536


class RawMessage(msgspec.Struct, frozen=True, gc=False):
    """A message as it came off the wire. `body_format` says how to read it: an MQTT payload
    (`topic_asset` is the asset its topic names), or an HTTP JSON array or NDJSON body."""

    source: Source
    payload: bytes
    received_at: datetime
    body_format: Literal["mqtt", "json", "ndjson"] = "mqtt"
    topic: str | None = None
    topic_asset: str | None = None
    #: The municipalities the sender may report for (an HTTP token's scope); None: any.
    scope: frozenset[str] | None = None


@dataclass(frozen=True)
class Limits:
    """How far from the ingest clock a reading's timestamp may be."""

    future_tolerance: timedelta = timedelta(minutes=5)
    max_age: timedelta = timedelta(days=7)


@dataclass
class IngestResult:
    messages: int = 0
    stored: int = 0
    duplicates: int = 0
    rejected: int = 0
    changes: int = 0
    reasons: list[str] = field(default_factory=list)
    #: Nothing in the batch could even be read as a reading (not JSON, wrong shape).
    unreadable: bool = False


class _Window(NamedTuple):
    """The timestamps a batch accepts, from its ingest clock and `Limits`."""

    earliest: datetime
    latest: datetime


#: Reasons an ingest answers with (the dead letters keep every message's first one).
MAX_REASONS = 20


class _Batch:
    """What one ingest call accumulates before writing."""

    def __init__(self) -> None:
        #: (asset, metric, ts in µs) → (value, text, ts): one row per reading, repeats kept once.
        self.rows: dict[tuple[str, str, int], tuple[float | None, str | None, datetime]] = {}
        self.reporters: dict[str, Reporter] = {}
        #: One dead letter per refused payload — a message, or an element of a batch — however
        #: many of its metrics were refused, keyed by the payload object (kept alive here, so
        #: its id cannot be reused by another while the batch lasts).
        self.dead: dict[tuple[int, int], tuple[bytes, dict[str, Any]]] = {}
        self.refusals = 0  # readings and metrics refused, all messages together
        self.reasons: list[str] = []  # the first ones, for the answer to the sender
        self.accepted = 0  # readings that passed validation, repeats within the batch included
        self.decoded_any = False  # whether anything at all could be read as a reading

    def reject(self, message: RawMessage, rejected: Rejected) -> None:
        self.refusals += 1
        # A decoder's reason may quote the junk it refused, NUL characters included.
        reason = _text(rejected.reason[:2_000])
        if len(self.reasons) < MAX_REASONS:
            self.reasons.append(reason)
        payload = rejected.payload or message.payload
        key = (id(message), id(payload))
        found = self.dead.get(key)
        if found is not None:
            # Whatever a reading holds (100,000 unknown metrics), it costs one row: the first
            # refusal with its reason, and how many there were.
            found[1]["refusals"] += 1
            return
        self.dead[key] = (
            payload,
            {
                "received_at": message.received_at,
                "source": message.source,
                "topic": _text(message.topic[:300]) if message.topic else None,
                "asset_id": _text(rejected.asset_id[:200]) if rejected.asset_id else None,
                "metric": _text(rejected.metric[:48]) if rejected.metric else None,
                "reason": reason,
                "payload": payload[:DEAD_LETTER_PAYLOAD_CHARS]
                .decode("utf-8", errors="replace")
                .replace("\x00", "\ufffd"),
                "payload_bytes": len(payload),
                "refusals": 1,
            },
        )

    def dead_letters(self) -> list[dict[str, Any]]:
        return [row for _, row in self.dead.values()]


class Pipeline:
    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        bus: EventBus,
        *,
        limits: Limits | None = None,
        reporters: ReporterIndex | None = None,
        twin: Twin | None = None,
        background_checkpoints: bool = False,
    ) -> None:
        """`background_checkpoints`: on SQLite, copy the write-ahead log back into the store
        from a thread of its own rather than in the ingest's commits (see `wal`); for
        long-running processes (`close` stops it)."""
        self.engine = engine
        self.clock = clock
        self.bus = bus
        self.limits = limits or Limits()
        self.reporters = reporters or ReporterIndex(engine, clock)
        self.twin = twin or Twin(engine)
        # One batch at a time: the twin's "changed or reported" decision needs the previous
        # batch applied, and the store takes one writer at a time anyway.
        self._lock = threading.Lock()
        self._wal = WalCheckpointer(engine)
        if background_checkpoints:
            self._wal.start()
        self._committer: GroupCommitter[RawMessage, IngestResult] | None = None
        self._committer_lock = threading.Lock()

    def submit(self, messages: Sequence[RawMessage]) -> Future[IngestResult]:
        """Ingest from the pipeline's own writer thread, in one transaction with whatever other
        callers submitted meanwhile (see `GroupCommitter`); the future is done after the commit.
        Many concurrent callers (HTTP requests) then cost one commit, not one each, and never
        queue on the store's write lock."""
        with self._committer_lock:
            if self._committer is None:
                self._committer = GroupCommitter(self.ingest_groups, weight=_payload_bytes)
                self._committer.start()
            return self._committer.submit(messages)

    # -- as a Service: a runtime starts its background threads and stops them last --------

    name = "pipeline"

    def start(self) -> None:
        """Start the background WAL checkpoints (on SQLite); the group-commit writer starts
        with the first `submit`."""
        self._wal.start()

    def stop(self) -> None:
        self.close()

    def health(self) -> Health:
        with self._committer_lock:
            committer = self._committer
        parts = [self._wal.health()] + ([committer.health()] if committer is not None else [])
        failing = [p for p in parts if not p.ok]
        return Health(
            self.name,
            not failing,
            "; ".join(f"{p.name}: {p.detail}" for p in failing),
            {f"{p.name}.{k}": v for p in parts for k, v in p.figures.items()},
        )

    def close(self) -> None:
        """Stop the pipeline's threads (after what was submitted is ingested)."""
        with self._committer_lock:
            committer, self._committer = self._committer, None
        if committer is not None:
            committer.stop()
        self._wal.stop()

    def ingest(self, messages: Sequence[RawMessage]) -> IngestResult:
        """Validate, store and publish a batch; durable when this returns."""
        return self.ingest_groups([messages])[0]

    def ingest_groups(self, groups: Sequence[Sequence[RawMessage]]) -> list[IngestResult]:
        """Several callers' batches in one transaction (a group commit: one commit, one twin
        update and one `BatchCommitted` for all). Each group gets its own counts, as if it had
        been ingested right after the groups before it; all are durable when this returns."""
        with self._lock:
            return self._ingest(groups)

    def _ingest(self, groups: Sequence[Sequence[RawMessage]]) -> list[IngestResult]:
        started = time.perf_counter()
        now = self.clock.now()
        batches = [self._validate(messages, now) for messages in groups]

        # The latest reading of each (asset, metric) over all groups, tagged with its group.
        latest: dict[tuple[str, str], Latest] = {}
        for index, batch in enumerate(batches):
            for (asset_id, metric, ts_us), (value, text, ts) in batch.rows.items():
                kept = latest.get((asset_id, metric))
                if kept is None or ts_us > kept[5]:
                    latest[(asset_id, metric)] = (asset_id, metric, value, text, ts, ts_us, index)
        advance = self.twin.advance(latest.values())
        with self.engine.connect() as conn, conn.begin():
            ensure_partitions_for(conn, (ts for b in batches for _, _, ts in b.rows.values()))
            stored = [self._store_readings(conn, batch) for batch in batches]
            dead = [row for batch in batches for row in batch.dead_letters()]
            if dead:
                conn.execute(dead_letters.insert(), dead)
            self.twin.persist(conn, advance)
        committed_at = self.clock.now()
        self.twin.apply(advance)

        results = [
            IngestResult(
                messages=len(messages),
                stored=stored_rows,
                duplicates=batch.accepted - stored_rows,
                rejected=batch.refusals,
                reasons=batch.reasons,
                unreadable=bool(messages) and not batch.decoded_any,
            )
            for messages, batch, stored_rows in zip(groups, batches, stored, strict=True)
        ]
        reporters: dict[str, Reporter] = {}
        for batch in batches:
            reporters.update(batch.reporters)
        events: list[object] = []
        for change in advance.changes:
            reporter = reporters[change.asset_id]
            results[change.tag].changes += 1
            events.append(
                StateChanged(
                    change.asset_id,
                    reporter.type,
                    reporter.municipality_code,
                    change.metric,
                    change.value,
                    change.text,
                    change.previous_value,
                    change.previous_text,
                    change.ts,
                )
            )
        for asset_id, reporter in reporters.items():
            seen = self.twin.last_seen.get(asset_id)
            if seen is not None:
                events.append(AssetSeen(asset_id, reporter.type, seen))
        events.append(
            BatchCommitted(
                sum(r.messages for r in results),
                sum(r.stored for r in results),
                sum(r.duplicates for r in results),
                sum(r.rejected for r in results),
                now,
                committed_at,
            )
        )
        self.bus.publish_all(events)
        elapsed_s = time.perf_counter() - started
        for messages, result in zip(groups, results, strict=True):
            instrumentation.record_batch(messages, result, elapsed_s)
        return results

    def _validate(self, messages: Sequence[RawMessage], now: datetime) -> _Batch:
        batch = _Batch()
        window = _Window(now - self.limits.max_age, now + self.limits.future_tolerance)
        for message in messages:
            decoded, rejected = self._decode(message)
            batch.decoded_any = batch.decoded_any or bool(decoded)
            for reject in rejected:
                batch.reject(message, reject)
            for reading in decoded:
                self._check_reading(message, reading, window, batch)
        return batch

    def dead_letter(self, message: RawMessage, reason: str) -> None:
        """Keep a message refused before it could be decoded (too large for the transport)."""
        batch = _Batch()
        batch.reject(message, Rejected(reason))
        with self.engine.begin() as conn:
            conn.execute(dead_letters.insert(), batch.dead_letters())
        instrumentation.READINGS.labels(outcome="rejected").inc()

    def _decode(self, message: RawMessage) -> tuple[list[ReadingIn], list[Rejected]]:
        if message.body_format == "json":
            return decode_json_array(message.payload)
        if message.body_format == "ndjson":
            return decode_ndjson(message.payload)
        return decode_mqtt(message.topic_asset, message.payload)

    def _check_reading(
        self, message: RawMessage, reading: ReadingIn, window: _Window, batch: _Batch
    ) -> None:
        asset_id = reading.asset or message.topic_asset
        if asset_id is None:
            batch.reject(
                message,
                Rejected("invalid: the reading names no asset", None, None, _encoded(reading)),
            )
            return
        reporter = self.reporters.get(asset_id)
        if reporter is None:
            batch.reject(
                message,
                Rejected(f"unknown asset: {asset_id[:200]}", asset_id, None, _encoded(reading)),
            )
            return
        if message.scope is not None and reporter.municipality_code not in message.scope:
            allowed = ", ".join(sorted(message.scope))
            reason = (
                f"outside the sender's municipalities: {asset_id[:200]} is in "
                f"{reporter.municipality_code}, the token reports for {allowed}"
            )
            batch.reject(message, Rejected(reason, asset_id, None, _encoded(reading)))
            return
        publisher = message.topic_asset
        if publisher is not None and publisher != asset_id and not reporter.forwarded_by(publisher):
            # A device speaks only for itself, a gateway for the assets it serves: a batch on
            # a light's topic cannot move a camera in another commune.
            reason = (
                f"not served by the publisher: {asset_id[:200]} is not forwarded by "
                f"{publisher[:200]}"
            )
            batch.reject(message, Rejected(reason, asset_id, None, _encoded(reading)))
            return
        ts = reading.ts
        if ts.tzinfo is None:
            batch.reject(
                message,
                Rejected(
                    "invalid: timestamp without a UTC offset", asset_id, None, _encoded(reading)
                ),
            )
            return
        if ts > window.latest:
            batch.reject(
                message,
                Rejected(
                    f"timestamp in the future: {ts.isoformat()}", asset_id, None, _encoded(reading)
                ),
            )
            return
        if ts < window.earliest:
            batch.reject(
                message,
                Rejected(f"timestamp too old: {ts.isoformat()}", asset_id, None, _encoded(reading)),
            )
            return
        ts_us = micros(ts)
        descriptions = METRICS[reporter.type]
        rows = batch.rows
        accepted = 0
        encoded: bytes | None = None  # the reading, encoded once for all its refused metrics
        for metric, value in reading.metrics.items():
            description = descriptions.get(metric)
            checked = (
                f"unknown metric: {metric[:48]!r} for {reporter.type}"
                if description is None
                else check_value(description, value)
            )
            if isinstance(checked, str):
                encoded = encoded if encoded is not None else _encoded(reading)
                batch.reject(message, Rejected(checked, asset_id, metric, encoded))
                continue
            rows[(asset_id, metric, ts_us)] = (checked[0], checked[1], ts)
            accepted += 1
        if accepted:
            batch.accepted += accepted
            batch.reporters[asset_id] = reporter

    def _store_readings(self, conn: Connection, batch: _Batch) -> int:
        """Append the batch's readings, skipping any already stored; how many were new."""
        return append_readings(
            conn,
            [(a, m, ts, us, value, text) for (a, m, us), (value, text, ts) in batch.rows.items()],
        )


def _text(value: str) -> str:
    """Text a store keeps: PostgreSQL refuses NUL characters in text columns."""
    return value.replace("\x00", "\ufffd")


def _payload_bytes(messages: Sequence[RawMessage]) -> int:
    return sum(len(m.payload) for m in messages)


def _encoded(reading: ReadingIn) -> bytes:
    return msgspec.json.encode(reading)
