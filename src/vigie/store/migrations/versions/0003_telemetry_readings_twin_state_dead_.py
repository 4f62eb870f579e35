"""telemetry: readings, twin state, dead letters

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import vigie.store.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dead_letters",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("received_at", vigie.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False, comment="mqtt or http"),
        sa.Column("topic", sa.String(length=300), nullable=True),
        sa.Column("asset_id", sa.String(length=200), nullable=True),
        sa.Column("metric", sa.String(length=48), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False, comment="the raw payload (cut at 64 KiB)"),
        sa.Column(
            "payload_bytes", sa.Integer(), nullable=False, comment="size of the whole raw payload"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dead_letters")),
    )
    with op.batch_alter_table("dead_letters", schema=None) as batch_op:
        batch_op.create_index("ix_dead_letters_received_at", ["received_at"], unique=False)

    op.create_table(
        "readings",
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
        sa.PrimaryKeyConstraint("asset_id", "metric", "ts", name=op.f("pk_readings")),
    )
    with op.batch_alter_table("readings", schema=None) as batch_op:
        batch_op.create_index("ix_readings_ts", ["ts"], unique=False)

    op.create_table(
        "twin_state",
        sa.Column("asset_id", sa.String(length=200), nullable=False),
        sa.Column("metric", sa.String(length=48), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("value_text", sa.String(length=200), nullable=True),
        sa.Column(
            "ts",
            vigie.store.types.UtcDateTime(timezone=True),
            nullable=False,
            comment="time of the reading that set it",
        ),
        sa.Column(
            "changed_at",
            vigie.store.types.UtcDateTime(timezone=True),
            nullable=False,
            comment="when the value last changed",
        ),
        sa.PrimaryKeyConstraint("asset_id", "metric", name=op.f("pk_twin_state")),
    )


def downgrade() -> None:
    op.drop_table("twin_state")
    with op.batch_alter_table("readings", schema=None) as batch_op:
        batch_op.drop_index("ix_readings_ts")

    op.drop_table("readings")
    with op.batch_alter_table("dead_letters", schema=None) as batch_op:
        batch_op.drop_index("ix_dead_letters_received_at")

    op.drop_table("dead_letters")
