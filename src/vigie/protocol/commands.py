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

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import msgspec

from vigie.protocol.topics import ROOT, topic_for

#: What devices subscribe to, and what the dispatcher subscribes to for their answers.
COMMAND_FILTER = f"{ROOT}/+/+/+/cmd"
ACK_FILTER = f"{ROOT}/+/+/+/cmd/ack"
ACKNOWLEDGED = "acknowledged"
FAILED = "failed"
ANSWER_STATUSES = (ACKNOWLEDGED, FAILED)
#: Longest failure reason kept from an acknowledgement.
MAX_REASON_CHARS = 1_000

_encoder = msgspec.json.Encoder()


class AckIn(msgspec.Struct):
    id: str
    status: str
    ts: datetime
    reason: str | None = None


_ack_decoder = msgspec.json.Decoder(AckIn)


def command_topic(asset_id: str) -> str:
    return topic_for(asset_id, "cmd")


def ack_topic(asset_id: str) -> str:
    return topic_for(asset_id, "cmd/ack")


def encode_command(
    command_id: str, action: str, params: Mapping[str, Any], expires: datetime
) -> bytes:
    """A command as a device receives it."""
    body: dict[str, Any] = {"id": command_id, "action": action}
    body.update(params)
    body["expires"] = expires.isoformat()
    return _encoder.encode(body)


def encode_ack(command_id: str | None, status: str, ts: str, reason: str | None = None) -> bytes:
    """A device's answer to a command (`ts`: RFC 3339 with the UTC offset)."""
    ack: dict[str, Any] = {"id": command_id, "status": status, "ts": ts}
    if reason:
        ack["reason"] = reason
    return _encoder.encode(ack)


def decode_ack(payload: bytes) -> AckIn | str:
    """The acknowledgement, or why it cannot be used."""
    try:
        ack = _ack_decoder.decode(payload)
    except (msgspec.DecodeError, msgspec.ValidationError) as error:
        return f"unreadable acknowledgement: {error}"
    if ack.status not in ANSWER_STATUSES:
        return f"unknown acknowledgement status: {ack.status}"
    if ack.ts.tzinfo is None:
        return "acknowledgement ts has no UTC offset"
    if ack.reason:
        ack.reason = ack.reason[:MAX_REASON_CHARS]
    return ack
