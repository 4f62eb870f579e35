"""What the test devices send: readings of the small network of tests.builders, each unique
(its own timestamp) unless a test repeats it on purpose."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import msgspec

from vigie.protocol.topics import topic_for

LIGHTS = [f"urn:ngsi-ld:Streetlight:21231:{n}" for n in range(1, 11)] + [
    f"urn:ngsi-ld:Streetlight:21617:{n}" for n in range(1, 6)
]
CABINET = "urn:ngsi-ld:StreetlightControlCabinet:21231:1"
#: Metrics in each light reading below.
LIGHT_METRICS = 4

# Readings are an hour old at most: inside the pipeline's accepted window whatever the order.
_BASE = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
_sequence = itertools.count()


def unique_ts() -> datetime:
    """A timestamp no other reading of this test process uses (one microsecond apart)."""
    return _BASE + timedelta(microseconds=next(_sequence))


def light_reading(n: int, ts: datetime | None = None) -> dict[str, object]:
    """Light `n % 15`'s on/dim/power/energy; `n` also sets the values, so each differs."""
    return {
        "ts": (ts or unique_ts()).isoformat(),
        "metrics": {
            "on": True,
            "dim_pct": n % 101,
            "power_w": 10.0 + n % 50,
            "energy_wh": 1_000.0 + n,
        },
    }


def light_message(n: int, ts: datetime | None = None) -> tuple[str, bytes]:
    """One light's reading on its own topic."""
    return topic_for(LIGHTS[n % len(LIGHTS)]), msgspec.json.encode(light_reading(n, ts))


#: The lights the cabinet feeds (Dijon's): the ones its gateway may report for.
FED_LIGHTS = LIGHTS[:10]


def gateway_message(first: int, count: int) -> tuple[str, bytes]:
    """A gateway batch of `count` light readings, published on the cabinet's topic (the
    lights it feeds: a gateway speaks only for the assets it serves)."""
    readings = []
    for n in range(first, first + count):
        reading = light_reading(n)
        reading["asset"] = FED_LIGHTS[n % len(FED_LIGHTS)]
        readings.append(reading)
    return topic_for(CABINET), msgspec.json.encode({"readings": readings})
