"""Telemetry on the wire (docs/protocol.md): the shapes a device or a gateway sends, and
their schemas as Vigie decodes them (`vigie.telemetry.payloads` decodes with these; the
lab's simulated devices encode with them).

- MQTT, a device's own reading on its topic: ``{"ts": …, "metrics": {…}}``;
- MQTT, a gateway's batch on the gateway's topic: ``{"readings": [{"asset", "ts", "metrics"}]}``;
- HTTP, ``POST /api/v1/telemetry``: a JSON array of ``{"asset", "ts", "metrics"}``.

Timestamps are RFC 3339 with the UTC offset.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Annotated, Any

import msgspec

#: Where devices and gateways post their readings over HTTP.
TELEMETRY_PATH = "/api/v1/telemetry"
#: Largest message accepted; a gateway batch of a few thousand readings fits easily.
MAX_MESSAGE_BYTES = 1_048_576


# -- as Vigie reads them -----------------------------------------------------------------

#: An asset's URN as a reading names it: printable ASCII, no space, no control character (a
#: NUL would reach the store's queries: PostgreSQL refuses it in text).
AssetRef = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=r"^[!-~]+$")]


class ReadingIn(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """One asset's metrics at one instant. `asset` is a URN (or, on a device's own topic,
    absent: the topic names the asset). Out of the cyclic garbage collector's reach, like the
    other wire shapes here: a batch decodes hundreds of thousands, and decoded JSON cannot
    refer back to them."""

    ts: datetime
    metrics: dict[str, Any]
    asset: AssetRef | None = None


class MqttPayload(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """Either one reading of the topic's asset (`ts` + `metrics`) or a gateway batch
    (`readings`, each naming its asset)."""

    ts: datetime | None = None
    metrics: dict[str, Any] | None = None
    readings: list[ReadingIn] | None = None


# -- as devices write them ---------------------------------------------------------------


class WireReading(msgspec.Struct):
    """A reading naming its asset: an element of an HTTP array or of a gateway batch."""

    asset: str
    ts: str
    metrics: dict[str, Any]


class WireSingle(msgspec.Struct):
    """A device's own reading, on its own topic."""

    ts: str
    metrics: dict[str, Any]


class WireBatch(msgspec.Struct):
    """A gateway's readings, on the gateway's topic."""

    readings: list[WireReading]


@functools.lru_cache(maxsize=1 << 12)
def rfc3339(t_s: float) -> str:
    """A device's timestamp on the wire, to the microsecond (two readings of one device never
    share a timestamp by rounding). Cached: a gateway forwards the counters of all its nodes
    read at the same instant."""
    return datetime.fromtimestamp(t_s, UTC).isoformat(timespec="microseconds")
