"""`GET /api/v1/stream/state`: the twin's live state as Server-Sent Events, for the map.

    event: snapshot
    data: {"now": "…", "columns": ["on", "dim_pct", …],
           "rows": [["urn:…", "2026-…", 1.0, 70.0, …], …]}

    event: changes
    data: {"changes": [{"asset_id": "urn:…", "metric": "on", "value": 0.0, "value_text": null,
                        "ts": "2026-…"}, …]}

The stream subscribes to `StateChanged` on the bus first, then sends a snapshot of the twin
(each visible asset: when it last reported and its value of each metric the map colours by),
then every change, batched: one `changes` event per `BATCH_S` at most, with only the latest
value of each (asset, metric) of that window. Changes outside the caller's municipalities are
never queued. A client's queue is bounded; when a window overflows, its changes are dropped and
the client is sent `event: resync` (reconnect for a new snapshot).

Query parameters: `token` (EventSource cannot send headers), `metrics` (comma-separated; the
map's default set when absent, `*` for every metric), `asset` (one asset only: the asset panel).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any

import msgspec
from fastapi import APIRouter, Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool
from starlette.responses import StreamingResponse

from vigie.api.dependencies import CurrentClock, StoreEngine, stream_principal
from vigie.api.problems import ProblemError
from vigie.auth.principal import Principal
from vigie.auth.roles import Permission
from vigie.core.bus import EventBus
from vigie.registry.ids import parse_urn
from vigie.telemetry.events import StateChanged
from vigie.telemetry.pipeline import Pipeline

router = APIRouter(prefix="/api/v1/stream", tags=["live"])
_bearer = HTTPBearer(auto_error=False)

#: How long changes are gathered into one event, seconds.
BATCH_S = 0.25
#: Distinct (asset, metric) pairs one client may have waiting; more is an overflow.
QUEUE_SIZE = 50_000
HEARTBEAT_S = 15.0

#: What the map colours assets by (state.js): on/off, dimming, faults, reachability,
#: the position of vehicles.
MAP_METRICS: tuple[str, ...] = (
    "on",
    "dim_pct",
    "lamp_fault",
    "driver_fault",
    "breaker_tripped",
    "door_open",
    "mode",
    "detector_fault",
    "signal_lamp_fault",
    "online",
    "video_ok",
    "position",
    "fault",
    "reachable",
    "link_up",
    "ignition_on",
    "power_w",
    "lon",
    "lat",
)


class Change(msgspec.Struct, frozen=True):
    asset_id: str
    metric: str
    value: float | None
    value_text: str | None
    ts: datetime


class StateFeed:
    """One client's pending changes, latest per (asset, metric). `offer` runs in the
    publishing thread; `take` in the event loop serving the client."""

    def __init__(
        self, principal: Principal, metrics: frozenset[str] | None, asset: str | None
    ) -> None:
        self.principal = principal
        self.metrics = metrics
        self.asset = asset
        self.size = QUEUE_SIZE
        self._pending: dict[tuple[str, str], Change] = {}
        self._lock = threading.Lock()
        self.lost = 0

    def wants(self, event: StateChanged) -> bool:
        if self.asset is not None and event.asset_id != self.asset:
            return False
        if self.metrics is not None and event.metric not in self.metrics:
            return False
        return self.principal.may_touch(event.municipality_code)

    def offer(self, event: StateChanged) -> None:
        if not self.wants(event):
            return
        key = (event.asset_id, event.metric)
        change = Change(event.asset_id, event.metric, event.value, event.value_text, event.ts)
        with self._lock:
            if key not in self._pending and len(self._pending) >= self.size:
                self.lost += len(self._pending) + 1
                self._pending.clear()
                return
            self._pending[key] = change

    def take(self) -> tuple[list[Change], int]:
        """The changes gathered since the last call, and how many were lost to an overflow."""
        with self._lock:
            changes = list(self._pending.values())
            self._pending.clear()
            lost, self.lost = self.lost, 0
        return changes, lost


def _municipality_of(asset_id: str) -> str | None:
    parsed = parse_urn(asset_id)
    return parsed[1] if parsed is not None else None


def snapshot(pipeline: Pipeline, feed: StateFeed, now: datetime) -> dict[str, Any]:
    """The twin as the feed's client may see it, one row per asset that has reported."""
    twin = pipeline.twin
    seen = list(twin.last_seen.items())  # one C-level copy: safe beside the ingest thread
    if feed.asset is not None:
        seen = [(a, ts) for a, ts in seen if a == feed.asset]
    states = [(asset_id, ts, twin.state_of(asset_id)) for asset_id, ts in seen]
    if feed.metrics is None:
        columns = sorted({metric for _, _, state in states for metric in state})
    else:
        columns = sorted(feed.metrics)
    rows: list[list[Any]] = []
    for asset_id, ts, state in states:
        code = _municipality_of(asset_id)
        if code is None or not feed.principal.may_touch(code):
            continue
        values: list[Any] = [asset_id, ts]
        for metric in columns:
            value = state.get(metric)
            values.append(
                None if value is None else value.text if value.text is not None else value.value
            )
        rows.append(values)
    return {"now": now, "columns": columns, "rows": rows}


def _event(name: str, body: object) -> bytes:
    return f"event: {name}\ndata: ".encode() + msgspec.json.encode(body) + b"\n\n"


def _metrics_param(metrics: str | None) -> frozenset[str] | None:
    if metrics is None:
        return frozenset(MAP_METRICS)
    if metrics.strip() == "*":
        return None
    chosen = frozenset(m.strip() for m in metrics.split(",") if m.strip())
    if not chosen or any(len(m) > 48 for m in chosen):
        raise ProblemError(
            400, "metrics must be '*' or metric keys", kind="bad-filter", parameter="metrics"
        )
    return chosen


async def _changes(request: Request, feed: StateFeed, first: bytes) -> AsyncIterator[bytes]:
    yield first
    idle_s = 0.0
    while True:
        await asyncio.sleep(BATCH_S)
        changes, lost = feed.take()
        if lost:
            yield _event("resync", {"lost": lost})
        if changes:
            idle_s = 0.0
            yield _event("changes", {"changes": changes})
            continue
        idle_s += BATCH_S
        if idle_s >= HEARTBEAT_S:
            idle_s = 0.0
            if await request.is_disconnected():
                return
            yield b": keep-alive\n\n"


@router.get(
    "/state",
    summary="Live twin state for the map (text/event-stream)",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def state_stream(
    request: Request,
    engine: StoreEngine,
    clock: CurrentClock,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    token: Annotated[str | None, Query(description="The bearer token, for EventSource")] = None,
    metrics: Annotated[
        str | None, Query(description="Comma-separated metric keys, or * (default: the map's)")
    ] = None,
    asset: Annotated[str | None, Query(description="Only this asset", max_length=200)] = None,
) -> StreamingResponse:
    header = credentials.credentials if credentials is not None else None
    principal = await run_in_threadpool(
        stream_principal, engine, clock, header, token, Permission.ASSETS_READ
    )
    if asset is not None:
        code = _municipality_of(asset)
        if code is None or not principal.may_touch(code):
            raise ProblemError(404, f"no asset {asset} in your scope", kind="not-found")
    feed = StateFeed(principal, _metrics_param(metrics), asset)
    bus: EventBus = request.app.state.bus
    unsubscribe = bus.subscribe(StateChanged, feed.offer)
    try:
        # Subscribed first: a change committed while the snapshot is taken is sent after it.
        body = await run_in_threadpool(snapshot, request.app.state.pipeline, feed, clock.now())
    except BaseException:
        unsubscribe()
        raise
    first = b"retry: 3000\n\n" + _event("snapshot", body)

    async def events() -> AsyncIterator[bytes]:
        try:
            async for chunk in _changes(request, feed, first):
                yield chunk
        finally:
            unsubscribe()

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
