"""The in-process event bus: typed events, published after the change they announce is
committed, delivered to every subscriber of their type.

Handlers run in the publishing thread and must be quick; a slow consumer (a live stream to
a browser) hands events to its own queue. A failing handler is logged and does not stop the
others or the publisher.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

log = logging.getLogger(__name__)

E = TypeVar("E")
Handler = Callable[[Any], None]


class EventBus:
    def __init__(self) -> None:
        self._handlers: dict[type, list[Handler]] = defaultdict(list)
        self._lock = threading.Lock()

    def subscribe(self, event_type: type[E], handler: Callable[[E], None]) -> Callable[[], None]:
        """Call `handler` with every event of `event_type`; returns a function that unsubscribes."""
        with self._lock:
            self._handlers[event_type].append(handler)

        def unsubscribe() -> None:
            with self._lock:
                if handler in self._handlers[event_type]:
                    self._handlers[event_type].remove(handler)

        return unsubscribe

    def publish(self, event: object) -> None:
        self.publish_all((event,))

    def publish_all(self, events: Iterable[object]) -> None:
        """Deliver in order; the subscribers are those of when the call began (a batch of
        hundreds of thousands of events takes the lock once, not once per event)."""
        with self._lock:
            handlers_of = {kind: list(handlers) for kind, handlers in self._handlers.items()}
        no_handlers: list[Handler] = []
        for event in events:
            for handler in handlers_of.get(type(event), no_handlers):
                try:
                    handler(event)
                except Exception:
                    log.exception("event handler %r failed on %r", handler, type(event).__name__)
