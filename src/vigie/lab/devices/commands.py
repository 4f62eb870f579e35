"""Commands as devices receive them on `vigie/<municipality>/<type>/<id>/cmd`, and the
acknowledgement they publish on `.../cmd/ack` (docs/simulator.md; the wire format is the
protocol's, `vigie.protocol.commands`):

    {"id": "c-17", "action": "set_level", "level_pct": 100, "until": "2026-01-05T23:00:00+01:00"}
    {"id": "c-17", "status": "acknowledged", "ts": "2026-01-05T21:12:03.120000+00:00"}
"""

from __future__ import annotations

from datetime import datetime

import msgspec

from vigie.lab.devices.base import Command, Outcome
from vigie.protocol.commands import encode_ack

_decoder = msgspec.json.Decoder(Command)


def decode_command(payload: bytes) -> Command | str:
    """The command, or why it cannot be read."""
    try:
        return _decoder.decode(payload)
    except (msgspec.DecodeError, msgspec.ValidationError) as error:
        return f"unreadable command: {error}"


def until_of(command: Command, t_s: float) -> float | str | None:
    """The command's `until` as epoch seconds (None if absent), or why it is refused."""
    if command.until is None:
        return None
    if not isinstance(command.until, str):
        return "until must be an RFC 3339 time with a UTC offset"
    try:
        until = datetime.fromisoformat(command.until)
    except ValueError:
        return "until must be an RFC 3339 time with a UTC offset"
    if until.tzinfo is None:
        return "until must be an RFC 3339 time with a UTC offset"
    if until.timestamp() <= t_s:
        return "until is already past"
    return until.timestamp()


def ack_payload(command_id: str | None, outcome: Outcome, ts: str) -> bytes:
    return encode_ack(command_id, outcome.status, ts, outcome.reason)
