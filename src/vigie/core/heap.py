"""Keeping a long-running process's garbage collector off the objects it holds for good."""

from __future__ import annotations

import gc


def freeze_long_lived_objects() -> None:
    """Move what is loaded at start (the twin, the reporter index, the alarm engine's
    topology: hundreds of thousands of objects for Dijon) out of the cyclic garbage
    collector's reach, so that its full passes do not walk them again and again while the
    ingest runs (p99 latency 145 ms -> 38 ms at 1,100 msg/s, bench/ingest.py; see
    docs/benchmarks.md for the server's CPU per reading)."""
    gc.collect()
    gc.freeze()
