"""Waiting for the asynchronous ingest, and counting what reached the store."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from sqlalchemy import Table, func, select
from sqlalchemy.engine import Engine

from vigie.store.schema import dead_letters, readings


def count(engine: Engine, table: Table = readings) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(table)) or 0)


def dead_letter_count(engine: Engine) -> int:
    return count(engine, dead_letters)


def wait_until(condition: Callable[[], bool], timeout_s: float = 20.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout_s} s waiting for {what or condition}")
        time.sleep(0.02)
