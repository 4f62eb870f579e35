"""Prometheus counters of the ingest, served at /metrics."""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Sequence
from typing import Any

from prometheus_client import Counter, Histogram

MESSAGES = Counter("vigie_telemetry_messages_total", "Telemetry messages received", ["source"])
READINGS = Counter(
    "vigie_telemetry_readings_total", "Readings by outcome", ["outcome"]
)  # stored, duplicate, rejected
BATCH_SECONDS = Histogram(
    "vigie_telemetry_batch_seconds",
    "Time to validate, store and publish one ingest batch",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)


def record_batch(messages: Sequence[Any], result: Any, elapsed_s: float) -> None:
    for source, count in Tally(m.source for m in messages).items():
        MESSAGES.labels(source=source).inc(count)
    READINGS.labels(outcome="stored").inc(result.stored)
    READINGS.labels(outcome="duplicate").inc(result.duplicates)
    READINGS.labels(outcome="rejected").inc(result.rejected)
    BATCH_SECONDS.observe(elapsed_s)
