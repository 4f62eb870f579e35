"""A batch's acknowledgements: one buffer of PUBACKs, or `Client.ack` one by one."""

from __future__ import annotations

from typing import Any

from vigie.adapters.mqtt.worker import _send_pubacks


class _PahoLike:
    def __init__(self) -> None:
        self.queued: list[tuple[int, bytes, int, int]] = []

    def _packet_queue(self, command: int, packet: bytes, mid: int, qos: int) -> None:
        self.queued.append((command, packet, mid, qos))


class _WithoutQueue:
    def __init__(self) -> None:
        self.acked: list[tuple[int, int]] = []

    def ack(self, mid: int, qos: int) -> None:
        self.acked.append((mid, qos))


def test_the_acks_of_a_batch_leave_as_one_buffer_of_pubacks() -> None:
    client: Any = _PahoLike()
    _send_pubacks(client, [1, 258, 65_535])
    [(command, packet, _, _)] = client.queued
    assert command == 0x40
    assert packet == bytes([0x40, 2, 0, 1, 0x40, 2, 1, 2, 0x40, 2, 0xFF, 0xFF])


def test_nothing_is_queued_for_an_empty_batch() -> None:
    client: Any = _PahoLike()
    _send_pubacks(client, [])
    assert client.queued == []


def test_without_the_internal_queue_each_message_is_acked() -> None:
    client: Any = _WithoutQueue()
    _send_pubacks(client, [7, 8])
    assert client.acked == [(7, 1), (8, 1)]
