"""The decoding of telemetry (its wire shapes are the protocol's: `vigie.protocol.telemetry`).

Decoding never raises: whatever cannot be read becomes a `Rejected` with the reason, so
one bad message (or one bad element of a batch) never costs the good ones around it. That
covers what msgspec raises besides its own errors (invalid UTF-8 inside a string raises
UnicodeDecodeError, JSON nested thousands deep RecursionError) and whatever else a decoder
may raise one day: a message that cannot be read is a dead letter, never a stuck intake.
"""

from __future__ import annotations

from typing import Any

import msgspec

from vigie.protocol.telemetry import MAX_MESSAGE_BYTES, MqttPayload, ReadingIn


class Rejected(msgspec.Struct, frozen=True, gc=False):
    reason: str
    asset_id: str | None = None
    metric: str | None = None
    payload: bytes = b""


_reading_decoder = msgspec.json.Decoder(ReadingIn)
_readings_decoder = msgspec.json.Decoder(list[ReadingIn])
_raw_list_decoder = msgspec.json.Decoder(list[msgspec.Raw])
_mqtt_decoder = msgspec.json.Decoder(MqttPayload)


def _why(error: Exception) -> str:
    # ValidationError is a kind of DecodeError: test it first.
    if isinstance(error, msgspec.ValidationError):
        return f"invalid: {error}"
    if isinstance(error, msgspec.DecodeError):
        return f"malformed: {error}"
    if isinstance(error, UnicodeError):
        return f"malformed: not UTF-8 ({error.__class__.__name__}: {error})"
    if isinstance(error, RecursionError):
        return "malformed: JSON nested too deep"
    return f"malformed: {error.__class__.__name__}: {error}"


def decode_mqtt(topic_asset: str | None, payload: bytes) -> tuple[list[ReadingIn], list[Rejected]]:
    """Readings of one MQTT message; `topic_asset` is the asset its topic names."""
    if len(payload) > MAX_MESSAGE_BYTES:
        return [], [
            Rejected(
                f"oversized: {len(payload)} bytes > {MAX_MESSAGE_BYTES}", topic_asset, None, payload
            )
        ]
    try:
        message = _mqtt_decoder.decode(payload)
    except Exception as error:  # any reason at all: see the module's docstring
        return [], [Rejected(_why(error), topic_asset, None, payload)]
    if message.readings is not None:
        if message.ts is not None or message.metrics is not None:
            return [], [
                Rejected(
                    "invalid: give either readings or ts+metrics, not both",
                    topic_asset,
                    None,
                    payload,
                )
            ]
        return message.readings, []
    if message.ts is None or message.metrics is None:
        return [], [Rejected("invalid: a reading needs ts and metrics", topic_asset, None, payload)]
    return [ReadingIn(message.ts, message.metrics, topic_asset)], []


def decode_json_array(body: bytes) -> tuple[list[ReadingIn], list[Rejected]]:
    """Readings of an HTTP JSON array; bad elements are rejected one by one."""
    try:
        return _readings_decoder.decode(body), []
    except msgspec.ValidationError:
        pass  # some element is wrong: sort them out one by one below
    except Exception as error:  # any reason at all: see the module's docstring
        return [], [Rejected(_why(error), None, None, body)]
    try:
        elements = _raw_list_decoder.decode(body)
    except Exception as error:
        return [], [Rejected(_why(error), None, None, body)]
    return _decode_each(bytes(element) for element in elements)


def decode_ndjson(body: bytes) -> tuple[list[ReadingIn], list[Rejected]]:
    """Readings of an HTTP NDJSON body, one reading per non-empty line."""
    return _decode_each(line for line in body.split(b"\n") if line.strip())


def _decode_each(elements: Any) -> tuple[list[ReadingIn], list[Rejected]]:
    readings: list[ReadingIn] = []
    rejected: list[Rejected] = []
    for element in elements:
        try:
            readings.append(_reading_decoder.decode(element))
        except Exception as error:  # any reason at all: see the module's docstring
            rejected.append(Rejected(_why(error), None, None, element))
    return readings, rejected
