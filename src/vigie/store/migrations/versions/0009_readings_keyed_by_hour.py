"""readings keyed by their hour first: (ts_hour, asset_id, metric, ts)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03

With the series first in the key, every round of reports lands on one index page per series
(34,000 pages for one daily counter of each light), each of them written again to the log at
every commit, and more of them as the table grows. Led by the hour, a round of reports fills
the few pages of its own hour. SQLite rebuilds the table (keeping each row's rowid, which the
rollups' watermark counts on); PostgreSQL adds the column and swaps the key on the partitioned
table (its partitions follow).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import vigie.store.types

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_HOUR_US = 3_600_000_000
_TS_HOUR_COMMENT = "hours since the Unix epoch to ts (UTC)"


def _sqlite_readings(name: str, *, with_hour: bool) -> None:
    hour = (
        [sa.Column("ts_hour", sa.Integer(), nullable=False, comment=_TS_HOUR_COMMENT)]
        if with_hour
        else []
    )
    key = ("ts_hour", "asset_id", "metric", "ts") if with_hour else ("asset_id", "metric", "ts")
    op.create_table(
        name,
        *hour,
        sa.Column(
            "asset_id", sa.String(length=200), nullable=False, comment="asset or part (meter) id"
        ),
        sa.Column("metric", sa.String(length=48), nullable=False),
        sa.Column(
            "ts",
            vigie.store.types.UtcDateTime(timezone=True),
            nullable=False,
            comment="when the device measured it",
        ),
        sa.Column(
            "value", sa.Float(), nullable=True, comment="numbers, counters and booleans (0/1)"
        ),
        sa.Column("value_text", sa.String(length=200), nullable=True, comment="enums and text"),
        sa.PrimaryKeyConstraint(*key, name="pk_readings"),
    )


def _sqlite_rebuild(*, with_hour: bool) -> None:
    _sqlite_readings("readings_0009", with_hour=with_hour)
    columns = "asset_id, metric, ts, value, value_text"
    if with_hour:
        op.execute(
            f"INSERT INTO readings_0009 (rowid, ts_hour, {columns}) "
            f"SELECT rowid, ts / {_HOUR_US}, {columns} FROM readings ORDER BY rowid"
        )
    else:
        op.execute(
            f"INSERT INTO readings_0009 (rowid, {columns}) "
            f"SELECT rowid, {columns} FROM readings ORDER BY rowid"
        )
    op.execute("DROP TABLE readings")
    op.execute("ALTER TABLE readings_0009 RENAME TO readings")
    op.create_index("ix_readings_ts", "readings", ["ts"])


def _postgres_key(columns: str) -> None:
    op.execute("ALTER TABLE readings DROP CONSTRAINT pk_readings")
    op.execute(f"ALTER TABLE readings ADD CONSTRAINT pk_readings PRIMARY KEY ({columns})")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_rebuild(with_hour=True)
        return
    op.execute("ALTER TABLE readings ADD COLUMN ts_hour integer")
    op.execute("UPDATE readings SET ts_hour = floor(extract(epoch FROM ts) / 3600)::integer")
    op.execute("ALTER TABLE readings ALTER COLUMN ts_hour SET NOT NULL")
    op.execute(f"COMMENT ON COLUMN readings.ts_hour IS '{_TS_HOUR_COMMENT}'")
    _postgres_key("ts_hour, asset_id, metric, ts")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_rebuild(with_hour=False)
        return
    _postgres_key("asset_id, metric, ts")
    op.execute("ALTER TABLE readings DROP COLUMN ts_hour")
