"""Commands on the wire (docs/protocol.md, "Commands"): what a device receives on
`vigie/<municipality>/<type>/<id>/cmd` and what it answers on `.../cmd/ack`.

    → {"id": "cmd-3f…", "action": "set_level", "level_pct": 100,
       "until": "2026-01-05T23:00:00+00:00", "expires": "2026-01-05T21:17:00+00:00"}
    ← {"id": "cmd-3f…", "status": "acknowledged", "ts": "2026-01-05T21:12:03.120000+00:00"}
    ← {"id": "cmd-3f…", "status": "failed", "ts": "…", "reason": "driver fault"}

`expires` tells the device not to act on a copy that reaches it later (a broker's queue
after an outage): the control room has already given up on it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from vigie.commands.model import DeviceStatus
from vigie.commands.store import Answer, Delivery
from vigie.telemetry.topics import ROOT, topic_for

ACK_FILTER = f"{ROOT}/+/+/+/cmd/ack"
_encoder = msgspec.json.Encoder()
ANSWER_STATUSES = (DeviceStatus.ACKNOWLEDGED.value, DeviceStatus.FAILED.value)


class AckIn(msgspec.Struct):
    id: str
    status: str
    ts: datetime
    reason: str | None = None


_ack_decoder = msgspec.json.Decoder(AckIn)


def command_topic(asset_id: str) -> str:
    return topic_for(asset_id, "cmd")


def device_payload(delivery: Delivery) -> bytes:
    body: dict[str, Any] = {"id": delivery.command_id, "action": delivery.action}
    body.update(delivery.params)
    body["expires"] = delivery.expires_at.isoformat()
    return _encoder.encode(body)


def read_ack(asset_id: str, payload: bytes) -> Answer | str:
    """The answer, or why the acknowledgement cannot be used."""
    try:
        ack = _ack_decoder.decode(payload)
    except (msgspec.DecodeError, msgspec.ValidationError) as error:
        return f"unreadable acknowledgement: {error}"
    if ack.status not in ANSWER_STATUSES:
        return f"unknown acknowledgement status: {ack.status}"
    if ack.ts.tzinfo is None:
        return "acknowledgement ts has no UTC offset"
    reason = ack.reason[:1_000] if ack.reason else None
    return Answer(ack.id, asset_id, ack.status, ack.ts, reason)
