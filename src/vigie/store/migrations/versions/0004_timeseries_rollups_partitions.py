"""time series: hourly and daily rollups, pending marks, watermarks; readings partitioned by
month on PostgreSQL

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import vigie.store.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_UTC = vigie.store.types.UtcDateTime(timezone=True)

# The statement-level trigger that marks the hours each INSERT into `readings` touches, for the
# rollups (see vigie.timeseries.pending). Marks are only inserted, never updated: concurrent
# ingest workers take no lock on them. Ordered so the marks are written in a stable order.
_MARK_FUNCTION = """
CREATE FUNCTION vigie_mark_rollup_pending() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO rollup_pending (resolution, bucket_start)
    SELECT DISTINCT 'hour', date_trunc('hour', ts, 'UTC') FROM new_readings ORDER BY 2;
    RETURN NULL;
END
$$
"""
_MARK_TRIGGER = (
    "CREATE TRIGGER readings_mark_rollup_pending AFTER INSERT ON readings "
    "REFERENCING NEW TABLE AS new_readings "
    "FOR EACH STATEMENT EXECUTE FUNCTION vigie_mark_rollup_pending()"
)

_READINGS_COLUMNS = """
    asset_id VARCHAR(200) NOT NULL,
    metric VARCHAR(48) NOT NULL,
    ts TIMESTAMP WITH TIME ZONE NOT NULL,
    value FLOAT,
    value_text VARCHAR(200),
    CONSTRAINT pk_readings PRIMARY KEY (asset_id, metric, ts)
"""
_READINGS_COMMENTS = (
    "COMMENT ON COLUMN readings.asset_id IS 'asset or part (meter) id'",
    "COMMENT ON COLUMN readings.ts IS 'when the device measured it'",
    "COMMENT ON COLUMN readings.value IS 'numbers, counters and booleans (0/1)'",
    "COMMENT ON COLUMN readings.value_text IS 'enums and text'",
)


def _rollup_table(name: str, size: str) -> None:
    op.create_table(
        name,
        sa.Column("asset_id", sa.String(length=200), nullable=False),
        sa.Column("metric", sa.String(length=48), nullable=False),
        sa.Column("bucket_start", _UTC, nullable=False, comment=f"start of the UTC {size}"),
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
        sa.PrimaryKeyConstraint("asset_id", "metric", "bucket_start", name=op.f(f"pk_{name}")),
    )
    op.create_index(f"ix_{name}_bucket_start", name, ["bucket_start"], unique=False)


def upgrade() -> None:
    _rollup_table("readings_hourly", "hour")
    _rollup_table("readings_daily", "day")
    op.create_table(
        "rollup_pending",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("resolution", sa.String(length=8), nullable=False, comment="hour or day"),
        sa.Column("bucket_start", _UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rollup_pending")),
    )
    op.create_index(
        "ix_rollup_pending_resolution_bucket",
        "rollup_pending",
        ["resolution", "bucket_start"],
        unique=False,
    )
    op.create_table(
        "timeseries_watermarks",
        sa.Column("name", sa.String(length=48), nullable=False),
        sa.Column(
            "position", sa.BigInteger(), nullable=True, comment="a row position (SQLite rowid)"
        ),
        sa.Column("at", _UTC, nullable=True, comment="a point in time"),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_timeseries_watermarks")),
    )
    if op.get_bind().dialect.name == "postgresql":
        _partition_readings()
    # SQLite keeps `readings` as it is; the first harvest (rowid watermark 0) marks whatever
    # it already holds.


def _partition_readings() -> None:
    """Rebuild `readings` as a table partitioned by range of `ts`, keeping its rows: they land
    in the DEFAULT partition, from which `ensure_partitions` moves each month when it creates
    that month's partition; the trigger marks their hours for the first rollup."""
    op.execute("ALTER TABLE readings RENAME TO readings_before_0004")
    op.execute("ALTER INDEX pk_readings RENAME TO pk_readings_before_0004")
    op.execute("ALTER INDEX ix_readings_ts RENAME TO ix_readings_ts_before_0004")
    op.execute(f"CREATE TABLE readings ({_READINGS_COLUMNS}) PARTITION BY RANGE (ts)")
    for comment in _READINGS_COMMENTS:
        op.execute(comment)
    op.execute("CREATE INDEX ix_readings_ts ON readings (ts)")
    op.execute("CREATE TABLE readings_default PARTITION OF readings DEFAULT")
    op.execute(_MARK_FUNCTION)
    op.execute(_MARK_TRIGGER)
    op.execute(
        "INSERT INTO readings (asset_id, metric, ts, value, value_text) "
        "SELECT asset_id, metric, ts, value, value_text FROM readings_before_0004"
    )
    op.execute("DROP TABLE readings_before_0004")


def _unpartition_readings() -> None:
    op.execute("ALTER TABLE readings RENAME TO readings_partitioned")
    op.execute("ALTER INDEX pk_readings RENAME TO pk_readings_partitioned")
    op.execute("ALTER INDEX ix_readings_ts RENAME TO ix_readings_ts_partitioned")
    op.execute(f"CREATE TABLE readings ({_READINGS_COLUMNS})")
    for comment in _READINGS_COMMENTS:
        op.execute(comment)
    op.execute("CREATE INDEX ix_readings_ts ON readings (ts)")
    op.execute(
        "INSERT INTO readings (asset_id, metric, ts, value, value_text) "
        "SELECT asset_id, metric, ts, value, value_text FROM readings_partitioned"
    )
    op.execute("DROP TABLE readings_partitioned CASCADE")
    op.execute("DROP FUNCTION vigie_mark_rollup_pending()")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _unpartition_readings()
    op.drop_table("timeseries_watermarks")
    op.drop_index("ix_rollup_pending_resolution_bucket", table_name="rollup_pending")
    op.drop_table("rollup_pending")
    for name in ("readings_daily", "readings_hourly"):
        op.drop_index(f"ix_{name}_bucket_start", table_name=name)
        op.drop_table(name)
