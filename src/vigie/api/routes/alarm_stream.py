"""`GET /api/v1/alarms/stream`: every alarm change as a Server-Sent Event, as it happens.

    event: alarm
    data: {"change": "raised", "alarm": {…}, "at": "…", "actor": null}

Browsers' EventSource cannot set headers: the token may come as `?token=` as well as in the
Authorization header. Each client has its own bounded queue fed from the bus; a client too
slow to keep up loses the oldest events and is sent `event: resync` (re-read the list).
A comment line every `HEARTBEAT_S` keeps proxies from closing an idle stream. Each alarm
has its `title` in the language asked for (`?lang=`, else `Accept-Language`, else French) and
its `titles` in every language (vigie.api.alarm_titles).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Annotated

import msgspec
from fastapi import APIRouter, Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool
from starlette.responses import StreamingResponse

from vigie.alarms.events import AlarmChanged
from vigie.api.alarm_titles import localized, titles_of
from vigie.api.dependencies import CurrentClock, StoreEngine, stream_principal
from vigie.api.language import Language
from vigie.auth.principal import Principal
from vigie.auth.roles import Permission
from vigie.core.bus import EventBus

router = APIRouter()
_bearer = HTTPBearer(auto_error=False)

QUEUE_SIZE = 1_000
HEARTBEAT_S = 15.0


class ClientFeed:
    """One client's queue. `offer` is called in the publishing thread; the queue lives in the
    event loop serving the client."""

    def __init__(self, loop: asyncio.AbstractEventLoop, principal: Principal, size: int) -> None:
        self.loop = loop
        self.principal = principal
        self.queue: asyncio.Queue[AlarmChanged] = asyncio.Queue(maxsize=size)
        self.lost = 0  # events dropped since the last resync

    def offer(self, event: AlarmChanged) -> None:
        if not self.principal.may_touch(event.alarm.municipality_code):
            return
        # A closed loop means the client is gone; its generator unsubscribes.
        with contextlib.suppress(RuntimeError):
            self.loop.call_soon_threadsafe(self._put, event)

    def _put(self, event: AlarmChanged) -> None:
        if self.queue.full():
            self.queue.get_nowait()
            self.lost += 1
        self.queue.put_nowait(event)


@router.get(
    "/stream",
    summary="Live alarm changes (text/event-stream)",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def stream(
    request: Request,
    engine: StoreEngine,
    clock: CurrentClock,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    language: Language,
    token: Annotated[str | None, Query(description="The bearer token, for EventSource")] = None,
) -> StreamingResponse:
    header = credentials.credentials if credentials is not None else None
    # The token's lookup is a store query: off the event loop.
    principal = await run_in_threadpool(
        stream_principal, engine, clock, header, token, Permission.ALARMS_READ
    )
    bus: EventBus = request.app.state.bus
    feed = ClientFeed(asyncio.get_running_loop(), principal, QUEUE_SIZE)
    unsubscribe = bus.subscribe(AlarmChanged, feed.offer)

    async def events() -> AsyncIterator[bytes]:
        try:
            # Subscribed already: a client that sees this line will not miss a change.
            yield b": connected\nretry: 3000\n\n"
            sequence = 0
            while True:
                try:
                    event = await asyncio.wait_for(feed.queue.get(), HEARTBEAT_S)
                except TimeoutError:
                    if await request.is_disconnected():
                        return
                    yield b": keep-alive\n\n"
                    continue
                if feed.lost:
                    lost, feed.lost = feed.lost, 0
                    yield b"event: resync\ndata: " + msgspec.json.encode({"lost": lost}) + b"\n\n"
                sequence += 1
                body = msgspec.to_builtins(event)
                body["alarm"] = localized(event.alarm, titles_of(request), language)
                yield (
                    f"id: {sequence}\nevent: alarm\ndata: ".encode()
                    + msgspec.json.encode(body)
                    + b"\n\n"
                )
        finally:
            unsubscribe()

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
