"""How the simulator's devices put their readings on the wire, in the device protocol's
shapes (`vigie.protocol.telemetry`, the shapes `vigie.telemetry.payloads` decodes):

- MQTT, a device's own reading on `topic_for(asset)`: ``{"ts": …, "metrics": {…}}``;
- MQTT, a gateway's batch on the gateway's topic: ``{"readings": [{"asset", "ts", "metrics"}]}``;
- HTTP, ``POST /api/v1/telemetry``: a JSON array of ``{"asset", "ts", "metrics"}``.

Timestamps are RFC 3339 with the UTC offset, to the microsecond (two readings of one device
never share a timestamp by rounding).
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterator, Sequence

import msgspec

from vigie.lab.devices.base import Reading
from vigie.protocol.telemetry import WireBatch, WireReading, WireSingle, rfc3339
from vigie.protocol.topics import topic_for

#: Readings per HTTP request (gateway-sized) and per MQTT gateway message.
HTTP_BATCH_READINGS = 1_000
GATEWAY_BATCH_READINGS = 500
#: Requests stay well under the server's 1 MiB limit.
MAX_BODY_BYTES = 900_000


_encoder = msgspec.json.Encoder()
#: Topics are derived from URNs by a regular expression: once per device is enough.
_topic = functools.lru_cache(maxsize=1 << 16)(topic_for)


def wire(reading: Reading) -> WireReading:
    return WireReading(reading.asset_id, rfc3339(reading.ts_s), reading.metrics)


def http_bodies(readings: Sequence[Reading]) -> Iterator[tuple[bytes, int]]:
    """JSON array bodies of at most HTTP_BATCH_READINGS readings and MAX_BODY_BYTES, with
    the number of readings in each."""
    for start in range(0, len(readings), HTTP_BATCH_READINGS):
        chunk = [wire(r) for r in readings[start : start + HTTP_BATCH_READINGS]]
        body = _encoder.encode(chunk)
        if len(body) <= MAX_BODY_BYTES or len(chunk) == 1:
            yield body, len(chunk)
            continue
        half = len(chunk) // 2
        for part in (chunk[:half], chunk[half:]):
            yield _encoder.encode(part), len(part)


def mqtt_messages(readings: Sequence[Reading]) -> Iterator[tuple[str, bytes, int]]:
    """(topic, payload, readings in it): a gateway's readings in batches on its topic, the
    others one per message on their own topic."""
    by_gateway: dict[str, list[Reading]] = defaultdict(list)
    for reading in readings:
        if reading.gateway is None:
            payload = _encoder.encode(WireSingle(rfc3339(reading.ts_s), reading.metrics))
            yield _topic(reading.asset_id), payload, 1
        else:
            by_gateway[reading.gateway].append(reading)
    for gateway, batch in by_gateway.items():
        topic = _topic(gateway)
        for start in range(0, len(batch), GATEWAY_BATCH_READINGS):
            part = [wire(r) for r in batch[start : start + GATEWAY_BATCH_READINGS]]
            yield topic, _encoder.encode(WireBatch(part)), len(part)
