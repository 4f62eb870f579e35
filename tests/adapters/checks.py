"""Waiting for the asynchronous ingest, and counting what reached the store."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from sqlalchemy import Table, func, select, text
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


def refuse_inserts(store: Engine, table: str, when: str) -> None:
    """A store trigger refusing the rows of `table` that match `when` (a real store error
    caused by one message's content, as a corrupt index or a driver bug would raise)."""
    name = f"refuse_{table}"
    with store.begin() as conn:
        if store.dialect.name == "sqlite":
            conn.execute(
                text(
                    f"CREATE TRIGGER {name} BEFORE INSERT ON {table} WHEN {when} "
                    "BEGIN SELECT RAISE(ABORT, 'refused by the test trigger'); END"
                )
            )
        else:
            conn.execute(
                text(
                    f"CREATE FUNCTION {name}() RETURNS trigger AS $$ BEGIN "
                    f"IF {when} THEN RAISE EXCEPTION 'refused by the test trigger'; END IF; "
                    "RETURN NEW; END $$ LANGUAGE plpgsql"
                )
            )
            conn.execute(
                text(
                    f"CREATE TRIGGER {name} BEFORE INSERT ON {table} "
                    f"FOR EACH ROW EXECUTE FUNCTION {name}()"
                )
            )


def allow_inserts(store: Engine, table: str) -> None:
    name = f"refuse_{table}"
    with store.begin() as conn:
        conn.execute(
            text(
                f"DROP TRIGGER {name}" + ("" if store.dialect.name == "sqlite" else f" ON {table}")
            )
        )
        if store.dialect.name != "sqlite":
            conn.execute(text(f"DROP FUNCTION {name}()"))
