"""The in-process event bus: per-event and batch subscribers, order, isolation of failures."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from vigie.core.bus import EventBus


@dataclass(frozen=True)
class Changed:
    n: int


@dataclass(frozen=True)
class Seen:
    n: int


def test_batch_subscribers_get_each_run_of_their_type_as_one_list_in_order() -> None:
    bus = EventBus()
    heard: list[object] = []
    bus.subscribe_batch(Changed, lambda events: heard.append(("changes", [e.n for e in events])))
    bus.subscribe(Seen, lambda event: heard.append(("seen", event.n)))
    bus.publish_all([Changed(1), Changed(2), Seen(3), Seen(4), Changed(5)])
    assert heard == [("changes", [1, 2]), ("seen", 3), ("seen", 4), ("changes", [5])]


def test_one_failing_handler_costs_neither_the_others_nor_the_publisher(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bus = EventBus()
    singles: list[int] = []
    batches: list[list[int]] = []

    def broken(_events: list[Changed]) -> None:
        raise RuntimeError("bug in a subscriber")

    bus.subscribe_batch(Changed, broken)
    bus.subscribe(Changed, lambda event: singles.append(event.n))
    bus.subscribe_batch(Changed, lambda events: batches.append([e.n for e in events]))
    bus.publish_all([Changed(1), Changed(2)])
    assert singles == [1, 2] and batches == [[1, 2]]
    assert "bug in a subscriber" in caplog.text


def test_unsubscribed_handlers_hear_nothing_more() -> None:
    bus = EventBus()
    batches: list[int] = []
    unsubscribe = bus.subscribe_batch(Changed, lambda events: batches.append(len(events)))
    bus.publish(Changed(1))
    unsubscribe()
    bus.publish_all([Changed(2), Changed(3)])
    assert batches == [1]
