"""One writer thread for the ingest, with group commit.

The store takes one writer at a time (SQLite has a single write lock; the pipeline keeps the
twin's order anyway). When many HTTP requests ingest at once, each in a thread of its own,
they queue on that lock and pay one commit each. Here they hand their batch to one thread
instead, which takes every batch waiting (up to a bound) and ingests them in one transaction;
each caller's future is resolved with its own counts once that transaction is committed, or
with the error that stopped it (nothing of it was kept: the caller may send it again). A
failed group is ingested again batch by batch, so an error is only ever the batch's own.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Generic, TypeVar

from vigie.core.service import Health

log = logging.getLogger(__name__)

M = TypeVar("M")
R = TypeVar("R")

#: Bounds of one transaction: batches, and their weight (payload bytes for the pipeline).
MAX_GROUPS = 16
MAX_WEIGHT = 8 * 1_048_576


class GroupCommitter(Generic[M, R]):
    def __init__(
        self,
        ingest_groups: Callable[[list[Sequence[M]]], list[R]],
        *,
        weight: Callable[[Sequence[M]], int] = len,
        max_groups: int = MAX_GROUPS,
        max_weight: int = MAX_WEIGHT,
        name: str = "vigie-ingest-writer",
    ) -> None:
        self._ingest_groups = ingest_groups
        self._weight = weight
        self._max_groups = max_groups
        self._max_weight = max_weight
        self._waiting: deque[tuple[Sequence[M], Future[R]]] = deque()
        self._ready = threading.Condition(threading.Lock())
        self._stopping = False
        self.transactions = 0
        self.name = name
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        """Start the writer thread (a `Service`; the pipeline starts it with its first batch)."""
        if not self._thread.is_alive() and not self._stopping:
            self._thread.start()

    def health(self) -> Health:
        alive = self._thread.is_alive()
        return Health(
            self.name,
            alive or self._stopping,
            "" if alive else "stopped",
            {"transactions": self.transactions, "waiting": len(self._waiting)},
        )

    def submit(self, messages: Sequence[M]) -> Future[R]:
        """Queue a batch; the future gives its result after the commit."""
        future: Future[R] = Future()
        with self._ready:
            if self._stopping:
                raise RuntimeError("the ingest writer is stopped")
            self._waiting.append((messages, future))
            self._ready.notify()
        return future

    def stop(self, timeout_s: float = 60.0) -> None:
        """Ingest what is queued, then end the thread."""
        with self._ready:
            self._stopping = True
            self._ready.notify()
        if self._thread.is_alive():
            self._thread.join(timeout_s)

    def _take(self) -> list[tuple[Sequence[M], Future[R]]]:
        with self._ready:
            while not self._waiting and not self._stopping:
                self._ready.wait()
            taken: list[tuple[Sequence[M], Future[R]]] = []
            weight = 0
            while self._waiting and len(taken) < self._max_groups:
                item_weight = self._weight(self._waiting[0][0])
                if taken and weight + item_weight > self._max_weight:
                    break
                taken.append(self._waiting.popleft())
                weight += item_weight
            return taken

    def _run(self) -> None:
        while True:
            taken = self._take()
            if not taken:
                return  # stopping, and nothing left
            # A caller that gave up (cancelled) is left out; its batch is not ingested.
            live = [(m, f) for m, f in taken if f.set_running_or_notify_cancel()]
            if not live:
                continue
            self._commit(live)

    def _commit(self, live: list[tuple[Sequence[M], Future[R]]]) -> None:
        """Ingest the batches in one transaction. If it fails, one batch's content may be
        the cause: each is then ingested alone, so that one request's failure is its own and
        never its neighbours' (a store that is down fails each of them alike)."""
        try:
            results = self._ingest_groups([messages for messages, _ in live])
        except Exception as error:
            if len(live) == 1:
                live[0][1].set_exception(error)
                return
            log.warning("a group of %d batches failed (%s); ingesting each alone", len(live), error)
            for one in live:
                self._commit([one])
            return
        except BaseException as error:  # handed to every caller, then raised
            for _, future in live:
                future.set_exception(error)
            raise
        self.transactions += 1
        for (_, future), result in zip(live, results, strict=True):
            future.set_result(result)
