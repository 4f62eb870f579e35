"""hourly rollups keyed by their hour first; each counter's latest hourly rows

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03

As `readings_daily` in 0010: each hour's rollup replaces the hour's rows of every series at
once, and with the series first in the key that rewrote one page per series (the 34,000
lights' daily counters land in one hour), under the store's write lock, and more pages as
the table grew (the lighting proof ran ~10 s slower each simulated month). The series-first
key served one lookup: a counter's value before a silence longer than an hour, the series'
last hourly row before it. `counter_latest_hours` now holds each counter series' latest two
hourly rows (and where it starts) for that (see vigie.timeseries.rollups); it is filled here
from the rows stored.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import vigie.store.types

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_UTC = vigie.store.types.UtcDateTime(timezone=True)
_SERIES_FIRST = ("asset_id", "metric", "bucket_start")
_HOUR_FIRST = ("bucket_start", "asset_id", "metric")
_COLUMNS = (
    "asset_id, metric, bucket_start, reading_count, min_value, max_value, sum_value, "
    "first_ts, first_value, last_ts, last_value, increase"
)
#: The counter metrics when this migration was written (vigie.timeseries.counters).
_COUNTERS = ("energy_wh", "odometer_km", "operating_hours_h", "volume_m3")
_INDEX = "ix_readings_hourly_bucket_start"


def _sqlite_hourly(name: str, key: tuple[str, ...]) -> None:
    op.create_table(
        name,
        sa.Column("asset_id", sa.String(length=200), nullable=False),
        sa.Column("metric", sa.String(length=48), nullable=False),
        sa.Column("bucket_start", _UTC, nullable=False, comment="start of the UTC hour"),
        sa.Column("reading_count", sa.Integer(), nullable=False),
        sa.Column("min_value", sa.Float(), nullable=False),
        sa.Column("max_value", sa.Float(), nullable=False),
        sa.Column(
            "sum_value", sa.Float(), nullable=False, comment="mean = sum_value / reading_count"
        ),
        sa.Column("first_ts", _UTC, nullable=False),
        sa.Column("first_value", sa.Float(), nullable=False),
        sa.Column("last_ts", _UTC, nullable=False),
        sa.Column("last_value", sa.Float(), nullable=False),
        sa.Column("increase", sa.Float(), nullable=True, comment="counters only, never negative"),
        sa.PrimaryKeyConstraint(*key, name="pk_readings_hourly"),
    )


def _sqlite_rebuild(key: tuple[str, ...]) -> None:
    _sqlite_hourly("readings_hourly_0011", key)
    op.execute(
        f"INSERT INTO readings_hourly_0011 ({_COLUMNS}) "
        f"SELECT {_COLUMNS} FROM readings_hourly ORDER BY {', '.join(key)}"
    )
    op.execute("DROP TABLE readings_hourly")
    op.execute("ALTER TABLE readings_hourly_0011 RENAME TO readings_hourly")


def _postgres_key(key: tuple[str, ...]) -> None:
    op.execute("ALTER TABLE readings_hourly DROP CONSTRAINT pk_readings_hourly")
    columns = ", ".join(key)
    op.execute(
        f"ALTER TABLE readings_hourly ADD CONSTRAINT pk_readings_hourly PRIMARY KEY ({columns})"
    )


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_rebuild(_HOUR_FIRST)
    else:
        op.drop_index(_INDEX, table_name="readings_hourly")
        _postgres_key(_HOUR_FIRST)
    op.create_table(
        "counter_latest_hours",
        sa.Column("asset_id", sa.String(length=200), nullable=False),
        sa.Column(
            "metric",
            sa.String(length=48),
            nullable=False,
            comment="a counter (timeseries.counters)",
        ),
        sa.Column("first_start", _UTC, nullable=False, comment="the series' first hourly row"),
        sa.Column("latest_start", _UTC, nullable=False, comment="the series' latest hourly row"),
        sa.Column("latest_value", sa.Float(), nullable=False, comment="that row's last_value"),
        sa.Column("previous_start", _UTC, nullable=True, comment="the series' hourly row before"),
        sa.Column("previous_value", sa.Float(), nullable=True, comment="that row's last_value"),
        sa.PrimaryKeyConstraint("asset_id", "metric", name="pk_counter_latest_hours"),
        comment="where a counter's increase after a silence starts from (timeseries.rollups)",
    )
    counters = ", ".join(f"'{metric}'" for metric in _COUNTERS)
    op.execute(
        "INSERT INTO counter_latest_hours (asset_id, metric, first_start, latest_start, "
        "latest_value, previous_start, previous_value) "
        "SELECT asset_id, metric, first_start, bucket_start, last_value, previous_start, "
        "previous_value FROM (SELECT asset_id, metric, bucket_start, last_value, "
        "MIN(bucket_start) OVER (PARTITION BY asset_id, metric) AS first_start, "
        "LEAD(bucket_start) OVER newest_first AS previous_start, "
        "LEAD(last_value) OVER newest_first AS previous_value, "
        "ROW_NUMBER() OVER newest_first AS n "
        f"FROM readings_hourly WHERE metric IN ({counters}) "
        "WINDOW newest_first AS (PARTITION BY asset_id, metric ORDER BY bucket_start DESC)) "
        "AS ranked WHERE n = 1"
    )


def downgrade() -> None:
    op.drop_table("counter_latest_hours")
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_rebuild(_SERIES_FIRST)
    else:
        _postgres_key(_SERIES_FIRST)
    op.create_index(_INDEX, "readings_hourly", ["bucket_start"])
