"""daily rollups keyed by their day first: (bucket_start, asset_id, metric)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03

Each day's rollup replaces the day's rows of every series at once (34,000 lights' energy, and
the rest of the city): with the series first in the key, that deleted and inserted one row on
34,000 pages spread over the whole table, under the store's write lock, and more pages as the
table grew. Led by the day, they fill the few pages of their own day. The index on
bucket_start alone is then the key's prefix, and goes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import vigie.store.types

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_UTC = vigie.store.types.UtcDateTime(timezone=True)
_SERIES_FIRST = ("asset_id", "metric", "bucket_start")
_DAY_FIRST = ("bucket_start", "asset_id", "metric")
_COLUMNS = (
    "asset_id, metric, bucket_start, reading_count, min_value, max_value, sum_value, "
    "first_ts, first_value, last_ts, last_value, increase"
)


def _sqlite_daily(name: str, key: tuple[str, ...]) -> None:
    op.create_table(
        name,
        sa.Column("asset_id", sa.String(length=200), nullable=False),
        sa.Column("metric", sa.String(length=48), nullable=False),
        sa.Column("bucket_start", _UTC, nullable=False, comment="start of the UTC day"),
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
        sa.PrimaryKeyConstraint(*key, name="pk_readings_daily"),
    )


def _sqlite_rebuild(key: tuple[str, ...]) -> None:
    _sqlite_daily("readings_daily_0010", key)
    op.execute(
        f"INSERT INTO readings_daily_0010 ({_COLUMNS}) "
        f"SELECT {_COLUMNS} FROM readings_daily ORDER BY {', '.join(key)}"
    )
    op.execute("DROP TABLE readings_daily")
    op.execute("ALTER TABLE readings_daily_0010 RENAME TO readings_daily")


def _postgres_key(key: tuple[str, ...]) -> None:
    op.execute("ALTER TABLE readings_daily DROP CONSTRAINT pk_readings_daily")
    columns = ", ".join(key)
    op.execute(
        f"ALTER TABLE readings_daily ADD CONSTRAINT pk_readings_daily PRIMARY KEY ({columns})"
    )


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_rebuild(_DAY_FIRST)
    else:
        op.drop_index("ix_readings_daily_bucket_start", table_name="readings_daily")
        _postgres_key(_DAY_FIRST)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_rebuild(_SERIES_FIRST)
    else:
        _postgres_key(_SERIES_FIRST)
    op.create_index("ix_readings_daily_bucket_start", "readings_daily", ["bucket_start"])
