"""Where the MQTT network thread drops deliveries and the ingest thread takes them in batches.

The network thread must never wait on the store (it also answers pings and reads acks), so
it only appends; the ingest thread takes up to `size` deliveries, waiting at most `linger_s`
after the oldest one arrived for the batch to fill. The broker's in-flight window (MQTT 5
Receive Maximum) bounds how many deliveries can wait here unacknowledged.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Generic, TypeVar

T = TypeVar("T")

#: How often a waiting `take` looks at the stop flag when nothing arrives.
_IDLE_POLL_S = 0.1


class Inbox(Generic[T]):
    def __init__(self, batch_size: int) -> None:
        self._items: deque[tuple[float, T]] = deque()
        self._ready = threading.Condition(threading.Lock())
        self._batch_size = batch_size

    def put(self, item: T) -> None:
        with self._ready:
            self._items.append((time.monotonic(), item))
            # Wake the taker only when it can act: a first item starts its linger timer,
            # a full batch ends it. Waking it on every message costs throughput.
            if len(self._items) == 1 or len(self._items) >= self._batch_size:
                self._ready.notify()

    def take(self, linger_s: float, stop: threading.Event) -> list[T]:
        """Up to `batch_size` items, oldest first: as soon as a batch is full, or `linger_s`
        after the oldest waiting item arrived; at once (possibly empty) once `stop` is set."""
        with self._ready:
            while not self._items and not stop.is_set():
                self._ready.wait(_IDLE_POLL_S)
            while self._items and len(self._items) < self._batch_size and not stop.is_set():
                remaining = self._items[0][0] + linger_s - time.monotonic()
                if remaining <= 0:
                    break
                self._ready.wait(min(remaining, _IDLE_POLL_S))
            count = min(len(self._items), self._batch_size)
            return [self._items.popleft()[1] for _ in range(count)]

    def wake(self) -> None:
        """Let a waiting `take` see the stop flag now."""
        with self._ready:
            self._ready.notify_all()

    def __len__(self) -> int:
        return len(self._items)
