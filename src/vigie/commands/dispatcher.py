"""The dispatcher: sends what is due, reads acknowledgements, expires what will not be
answered. One `tick` does it all; `start` runs ticks in a thread.

How a command travels: the API stores it with one row per device, all `pending`. At the
next tick the dispatcher marks each due device `sent` (attempt n, next try after
`retry_after`) in one transaction, then publishes one message per device on its `cmd`
topic at QoS 1. Acknowledgements come back on `cmd/ack` (any thread), wait in a queue, and
are applied at the next tick in one transaction. A device still `sent` when its wait is over
is sent again, until `max_attempts`; then, or when the command expires, it is `expired`.
Marking before publishing makes delivery at-least-once: a crash between the two is
repaired by the retry, and devices treat a repeated id as the same command.
"""

from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.engine import Engine

from vigie.commands import store
from vigie.commands.wire import command_topic, device_payload, read_ack
from vigie.core.clock import Clock
from vigie.core.service import Health

log = logging.getLogger(__name__)


class Publisher(Protocol):
    def publish(self, topic: str, payload: bytes) -> None:
        """Send at QoS 1 (may block while the transport's window is full)."""


@dataclass
class TickReport:
    sent: int = 0
    answers: int = 0
    unusable_acks: int = 0
    refused_acks: int = 0  # for a command never sent to that device: dead-lettered
    expired: int = 0
    closed: int = 0


class Dispatcher:
    def __init__(
        self, engine: Engine, clock: Clock, publisher: Publisher, *, batch: int = 50_000
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.publisher = publisher
        self.batch = batch
        self._acks: queue.SimpleQueue[tuple[str, bytes]] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.totals = TickReport()
        self.failed_ticks = 0

    def on_ack(self, asset_id: str, payload: bytes) -> None:
        """Hand over an acknowledgement read off `cmd/ack` (thread-safe)."""
        self._acks.put((asset_id, payload))

    def tick(self) -> TickReport:
        report = TickReport()
        now = self.clock.now()
        answers = []
        while True:
            try:
                asset_id, payload = self._acks.get_nowait()
            except queue.Empty:
                break
            answer = read_ack(asset_id, payload)
            if isinstance(answer, str):
                report.unusable_acks += 1
                log.warning("command ack from %s ignored: %s", asset_id, answer)
            else:
                answers.append(answer)
        with self.engine.begin() as conn:
            if answers:
                report.answers, refused = store.record_answers(conn, answers, now)
                report.refused_acks = len(refused)
                if refused:
                    store.dead_letter_acks(conn, refused, now)
            report.expired = store.expire_overdue(conn, now)
            due = store.due_deliveries(conn, now, self.batch)
            store.mark_sent(conn, due, now)
        payloads: dict[str, bytes] = {}  # the same message for every device of a command
        for delivery in due:
            if delivery.command_id not in payloads:
                payloads[delivery.command_id] = device_payload(delivery)
            payload = payloads[delivery.command_id]
            self.publisher.publish(command_topic(delivery.asset_id), payload)
        report.sent = len(due)
        if answers or report.expired:
            with self.engine.begin() as conn:
                report.closed = len(store.close_finished(conn, now))
        for name in ("sent", "answers", "unusable_acks", "refused_acks", "expired", "closed"):
            setattr(self.totals, name, getattr(self.totals, name) + getattr(report, name))
        return report

    def pending_acks(self) -> int:
        return self._acks.qsize()

    def start(self, every_s: float = 0.2) -> None:
        stop = self._stop = threading.Event()

        def loop() -> None:
            while not stop.wait(every_s):
                try:
                    self.tick()
                except Exception:  # the store may be busy: try again at the next tick
                    self.failed_ticks += 1
                    log.exception("command dispatch tick failed")

        self._thread = threading.Thread(target=loop, name="vigie-commands", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10.0)
        self._thread = None

    def health(self) -> Health:
        running = self._thread is not None and self._thread.is_alive()
        return Health(
            "dispatcher",
            running,
            "" if running else "not running",
            {"sent": self.totals.sent, "answers": self.totals.answers,
             "expired": self.totals.expired, "failed_ticks": self.failed_ticks},
        )  # fmt: skip
