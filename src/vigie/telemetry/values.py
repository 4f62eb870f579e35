"""Checking one metric value against its description, and how it is stored."""

from __future__ import annotations

import math
from typing import Any

from vigie.telemetry.metrics import MetricDescription, MetricKind

#: (numeric value, text value) as the store keeps a reading.
Stored = tuple[float | None, str | None]


def check_value(description: MetricDescription, value: Any) -> Stored | str:
    """The stored form of `value`, or the reason it is refused."""
    kind = description.kind
    if type(value) is float and (kind is MetricKind.NUMBER or kind is MetricKind.COUNTER):
        # The usual case first: a finite float within the range.
        low, high = description.minimum, description.maximum
        if (
            math.isfinite(value)
            and (low is None or value >= low)
            and (high is None or value <= high)
        ):
            return value, None
    if kind is MetricKind.BOOL:
        if isinstance(value, bool):
            return (1.0 if value else 0.0), None
        return f"wrong type: {description.key} is a boolean, got {_shown(value)}"
    if kind in (MetricKind.NUMBER, MetricKind.COUNTER):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"wrong type: {description.key} is a number, got {_shown(value)}"
        number = float(value) if not isinstance(value, int) or abs(value) < 2**63 else math.inf
        if not math.isfinite(number):
            return f"out of range: {description.key} must be finite, got {_shown(value)}"
        low, high = description.minimum, description.maximum
        if (low is not None and number < low) or (high is not None and number > high):
            unit = f" {description.unit}" if description.unit else ""
            return f"out of range: {description.key} = {number:g}{unit} outside [{low:g}, {high:g}]"
        return number, None
    if not isinstance(value, str):
        return f"wrong type: {description.key} is text, got {_shown(value)}"
    if kind is MetricKind.ENUM and value not in description.options:
        options = ", ".join(description.options)
        return f"out of range: {description.key} = {value[:40]!r} is not one of {options}"
    if len(value) > description.max_length or "\x00" in value:
        limit = description.max_length
        return f"out of range: {description.key} is longer than {limit} characters or holds NUL"
    return None, value


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
