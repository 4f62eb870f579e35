"""alarms: alarms and their comments

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import vigie.store.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_UTC = vigie.store.types.UtcDateTime(timezone=True)
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "alarms",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column(
            "asset_id", sa.String(length=200), nullable=False, comment="asset or part (meter) id"
        ),
        sa.Column(
            "asset_type", sa.String(length=48), nullable=False, comment="asset type, or Meter"
        ),
        sa.Column("municipality_code", sa.String(length=5), nullable=False),
        sa.Column("rule_id", sa.String(length=80), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column(
            "state",
            sa.String(length=16),
            nullable=False,
            comment="raised acknowledged shelved cleared closed",
        ),
        sa.Column(
            "severity", sa.String(length=16), nullable=False, comment="minor, major or critical"
        ),
        sa.Column(
            "rule_severity", sa.String(length=16), nullable=False, comment="before escalation"
        ),
        sa.Column(
            "is_root", sa.Boolean(), nullable=False, comment="a root cause for dependent assets"
        ),
        sa.Column(
            "caused_by",
            _ID,
            nullable=True,
            comment="the root alarm this one is a consequence of",
        ),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("condition_since", _UTC, nullable=False),
        sa.Column("first_raised_at", _UTC, nullable=False),
        sa.Column("raised_at", _UTC, nullable=False, comment="of the latest occurrence"),
        sa.Column("updated_at", _UTC, nullable=False),
        sa.Column("occurrences", sa.Integer(), nullable=False),
        sa.Column("acknowledged_at", _UTC, nullable=True),
        sa.Column("acknowledged_by", sa.String(length=120), nullable=True),
        sa.Column("shelved_until", _UTC, nullable=True),
        sa.Column("shelved_by", sa.String(length=120), nullable=True),
        sa.Column("cleared_at", _UTC, nullable=True),
        sa.Column("closed_at", _UTC, nullable=True),
        sa.Column("closed_by", sa.String(length=120), nullable=True),
        sa.Column("escalations", sa.Integer(), nullable=False),
        sa.Column("escalation_due_at", _UTC, nullable=True),
        sa.Column("flapping", sa.Boolean(), nullable=False),
        sa.Column("flap_count", sa.Integer(), nullable=False),
        sa.Column("last_flap_at", _UTC, nullable=True),
        sa.Column(
            "promote_at",
            _UTC,
            nullable=True,
            comment="child of a cleared root: when it stands alone",
        ),
        sa.ForeignKeyConstraint(
            ["caused_by"], ["alarms.id"], name=op.f("fk_alarms_caused_by_alarms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alarms")),
    )
    with op.batch_alter_table("alarms", schema=None) as batch_op:
        batch_op.create_index("ix_alarms_asset_id", ["asset_id", "id"], unique=False)
        batch_op.create_index(
            "ix_alarms_municipality_code", ["municipality_code", "id"], unique=False
        )
        batch_op.create_index("ix_alarms_state", ["state", "id"], unique=False)
        batch_op.create_index("ix_alarms_caused_by", ["caused_by"], unique=False)
        batch_op.create_index("ix_alarms_escalation_due_at", ["escalation_due_at"], unique=False)
        batch_op.create_index("ix_alarms_shelved_until", ["shelved_until"], unique=False)
        batch_op.create_index("ix_alarms_promote_at", ["promote_at"], unique=False)
        batch_op.create_index("ix_alarms_last_flap_at", ["last_flap_at"], unique=False)
        batch_op.create_index("ix_alarms_updated_at", ["updated_at"], unique=False)
        batch_op.create_index(
            "uq_alarms_open_asset_rule",
            ["asset_id", "rule_id"],
            unique=True,
            sqlite_where=sa.text("state != 'closed'"),
            postgresql_where=sa.text("state != 'closed'"),
        )

    op.create_table(
        "alarm_comments",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("alarm_id", _ID, nullable=False),
        sa.Column("at", _UTC, nullable=False),
        sa.Column("author", sa.String(length=120), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["alarm_id"],
            ["alarms.id"],
            name=op.f("fk_alarm_comments_alarm_id_alarms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alarm_comments")),
    )
    with op.batch_alter_table("alarm_comments", schema=None) as batch_op:
        batch_op.create_index("ix_alarm_comments_alarm_id", ["alarm_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("alarm_comments", schema=None) as batch_op:
        batch_op.drop_index("ix_alarm_comments_alarm_id")
    op.drop_table("alarm_comments")
    with op.batch_alter_table("alarms", schema=None) as batch_op:
        for name in (
            "uq_alarms_open_asset_rule",
            "ix_alarms_updated_at",
            "ix_alarms_last_flap_at",
            "ix_alarms_promote_at",
            "ix_alarms_shelved_until",
            "ix_alarms_escalation_due_at",
            "ix_alarms_caused_by",
            "ix_alarms_state",
            "ix_alarms_municipality_code",
            "ix_alarms_asset_id",
        ):
            batch_op.drop_index(name)
    op.drop_table("alarms")
