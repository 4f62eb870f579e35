"""How a metric is described: key, unit, kind, range and expected reporting interval.

Each domain package declares its metrics with these descriptions (frozen dataclasses, in the
spirit of Home Assistant's entity descriptions); the pipeline validates readings against them
and the alarm rules use the expected interval to tell silence from health.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class MetricKind(StrEnum):
    BOOL = "bool"  # stored as 0/1
    NUMBER = "number"  # a measurement at an instant (power_w, temperature_c)
    COUNTER = "counter"  # monotonic total (energy_wh, odometer_km); rollups integrate it
    ENUM = "enum"  # one of `options`, stored as text
    TEXT = "text"  # free text (next stop name), stored as text


@dataclass(frozen=True)
class MetricDescription:
    key: str
    kind: MetricKind
    unit: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    options: tuple[str, ...] = ()
    max_length: int = 120
    #: How often a healthy device reports this metric, seconds.
    expected_interval_s: float = 900.0
    description: str = ""

    @property
    def is_numeric(self) -> bool:
        return self.kind in (MetricKind.BOOL, MetricKind.NUMBER, MetricKind.COUNTER)


def bool_metric(key: str, interval_s: float, description: str = "") -> MetricDescription:
    return MetricDescription(
        key, MetricKind.BOOL, expected_interval_s=interval_s, description=description
    )


def number(
    key: str,
    unit: str | None,
    minimum: float,
    maximum: float,
    interval_s: float,
    description: str = "",
) -> MetricDescription:
    return MetricDescription(
        key,
        MetricKind.NUMBER,
        unit,
        minimum,
        maximum,
        expected_interval_s=interval_s,
        description=description,
    )


def counter(
    key: str, unit: str, maximum: float, interval_s: float, description: str = ""
) -> MetricDescription:
    return MetricDescription(
        key,
        MetricKind.COUNTER,
        unit,
        0.0,
        maximum,
        expected_interval_s=interval_s,
        description=description,
    )


def enum(
    key: str, options: tuple[str, ...], interval_s: float, description: str = ""
) -> MetricDescription:
    return MetricDescription(
        key,
        MetricKind.ENUM,
        options=options,
        expected_interval_s=interval_s,
        description=description,
    )


def text(
    key: str, interval_s: float, max_length: int = 120, description: str = ""
) -> MetricDescription:
    return MetricDescription(
        key,
        MetricKind.TEXT,
        max_length=max_length,
        expected_interval_s=interval_s,
        description=description,
    )


def by_key(*descriptions: MetricDescription) -> dict[str, MetricDescription]:
    keys = [d.key for d in descriptions]
    if len(set(keys)) != len(keys):
        raise ValueError(f"metric keys repeat: {keys}")
    return {d.key: d for d in descriptions}
