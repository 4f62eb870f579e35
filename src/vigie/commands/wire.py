"""Commands on the wire, for the dispatcher: a delivery as the payload a device receives, a
device's acknowledgement as an `Answer`. The wire format itself (topics, shapes, statuses)
is the device protocol's: `vigie.protocol.commands`.
"""

from __future__ import annotations

from vigie.commands.model import DeviceStatus
from vigie.commands.store import Answer, Delivery
from vigie.protocol.commands import (
    ACK_FILTER,
    ACKNOWLEDGED,
    FAILED,
    command_topic,
    decode_ack,
    encode_command,
)

__all__ = ["ACK_FILTER", "command_topic", "device_payload", "read_ack"]

# The protocol's answers are the dispatcher's device statuses.
assert (DeviceStatus.ACKNOWLEDGED.value, DeviceStatus.FAILED.value) == (ACKNOWLEDGED, FAILED)


def device_payload(delivery: Delivery) -> bytes:
    return encode_command(
        delivery.command_id, delivery.action, delivery.params, delivery.expires_at
    )


def read_ack(asset_id: str, payload: bytes) -> Answer | str:
    """The answer, or why the acknowledgement cannot be used."""
    ack = decode_ack(payload)
    if isinstance(ack, str):
        return ack
    return Answer(ack.id, asset_id, ack.status, ack.ts, ack.reason)
