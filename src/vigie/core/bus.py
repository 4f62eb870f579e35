"""The in-process event bus: typed events, published after the change they announce is
committed, delivered to every subscriber of their type.

Handlers run in the publishing thread and must be quick; a slow consumer (a live stream to
a browser) hands events to its own queue. A failing handler is logged and does not stop the
others or the publisher. A consumer of many events (the alarm engine hears every change of an
ingest batch) may take them as lists instead: `subscribe_batch`.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from itertools import groupby
from typing import Any, TypeVar

log = logging.getLogger(__name__)

E = TypeVar("E")
Handler = Callable[[Any], None]
BatchHandler = Callable[[list[Any]], None]


class EventBus:
    def __init__(self) -> None:
        self._handlers: dict[type, list[Handler]] = defaultdict(list)
        self._batch_handlers: dict[type, list[BatchHandler]] = defaultdict(list)
        self._lock = threading.Lock()

    def subscribe(self, event_type: type[E], handler: Callable[[E], None]) -> Callable[[], None]:
        """Call `handler` with every event of `event_type`; returns a function that unsubscribes."""
        return self._add(self._handlers, event_type, handler)

    def subscribe_batch(
        self, event_type: type[E], handler: Callable[[list[E]], None]
    ) -> Callable[[], None]:
        """Call `handler` with each run of consecutive `event_type` events of a published
        batch, as one list, in order (one call for a batch's changes instead of one per
        change); returns a function that unsubscribes."""
        return self._add(self._batch_handlers, event_type, handler)

    def _add(
        self, table: dict[type, list[Any]], event_type: type, handler: Any
    ) -> Callable[[], None]:
        with self._lock:
            table[event_type].append(handler)

        def unsubscribe() -> None:
            with self._lock:
                if handler in table[event_type]:
                    table[event_type].remove(handler)

        return unsubscribe

    def publish(self, event: object) -> None:
        self.publish_all((event,))

    def publish_all(self, events: Iterable[object]) -> None:
        """Deliver in order; the subscribers are those of when the call began (a batch of
        hundreds of thousands of events takes the lock once, not once per event)."""
        with self._lock:
            handlers_of = {kind: list(handlers) for kind, handlers in self._handlers.items()}
            batch_handlers_of = {
                kind: list(handlers) for kind, handlers in self._batch_handlers.items() if handlers
            }
        no_handlers: list[Any] = []
        for kind, run in groupby(events, type):
            handlers = handlers_of.get(kind, no_handlers)
            batch_handlers = batch_handlers_of.get(kind, no_handlers)
            if not handlers and not batch_handlers:
                continue
            run_events = list(run)
            for event in run_events:
                for handler in handlers:
                    try:
                        handler(event)
                    except Exception:
                        log.exception("event handler %r failed on %r", handler, kind.__name__)
            for batch_handler in batch_handlers:
                try:
                    batch_handler(run_events)
                except Exception:
                    log.exception("event handler %r failed on %r", batch_handler, kind.__name__)
