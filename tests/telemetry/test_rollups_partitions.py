"""PostgreSQL partitions of `readings`: monthly ones created by the ingest, a DEFAULT one for
whatever has no month yet, and rows moved out of it when their month is created. SQLite keeps
one table; the same readings land there."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine

from tests.telemetry.series_feed import LIGHT, Feed, hourly, message
from vigie.store.partitions import ensure_partitions, existing_months, partition_name
from vigie.store.schema import readings

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
PAST = datetime(1999, 6, 1, 12, 0, tzinfo=UTC)
FAR_FUTURE = [datetime(2090, month, 15, 12, 0, tzinfo=UTC) for month in (1, 2, 3, 4)]


def _in_default(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(text("SELECT count(*) FROM readings_default")) or 0)


def test_readings_far_in_the_past_and_future_are_stored(engine: Engine) -> None:
    feed = Feed(engine, NOW)
    feed.send(LIGHT, NOW, energy_wh=10.0)
    feed.send(LIGHT, PAST, energy_wh=1.0)
    # One batch over four future months: two get a partition, the other two the default one.
    feed.send_batch([message(LIGHT, ts, energy_wh=100.0 + i) for i, ts in enumerate(FAR_FUTURE)])
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(readings)) == 6
    feed.roll_up()
    assert set(hourly(engine, LIGHT, "energy_wh")) == {
        NOW.replace(minute=0),
        PAST.replace(minute=0),
        *(ts.replace(minute=0) for ts in FAR_FUTURE),
    }
    if engine.dialect.name != "postgresql":
        return
    with engine.connect() as conn:
        months = existing_months(conn)
    assert {datetime(2026, 3, 1, tzinfo=UTC), datetime(1999, 6, 1, tzinfo=UTC)} <= months
    assert {datetime(2090, 3, 1, tzinfo=UTC), datetime(2090, 4, 1, tzinfo=UTC)} <= months
    assert _in_default(engine) == 2

    # Creating the missing months moves their readings out of the default partition.
    with engine.begin() as conn:
        assert ensure_partitions(conn, FAR_FUTURE[0], FAR_FUTURE[-1]) == 2
    assert _in_default(engine) == 0
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(readings)) == 6
        january = partition_name(datetime(2090, 1, 1, tzinfo=UTC))
        assert conn.scalar(text(f"SELECT count(*) FROM {january}")) == 1


def test_readings_is_partitioned_with_a_default_partition_on_postgresql(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        return
    with engine.connect() as conn:
        kind = conn.scalar(text("SELECT relkind FROM pg_class WHERE relname = 'readings'"))
        default = conn.scalar(
            text(
                "SELECT pg_get_expr(c.relpartbound, c.oid) FROM pg_class c "
                "WHERE c.relname = 'readings_default'"
            )
        )
    assert (kind, default) == ("p", "DEFAULT")
