"""commands to field devices with per-device status; street lighting programs, groups and
calendar exceptions

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import vigie.store.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "commands",
        sa.Column(
            "id", sa.String(length=40), nullable=False, comment="cmd-<hex>, also on the wire"
        ),
        sa.Column("domain", sa.String(length=32), nullable=False, comment="lighting, traffic, ..."),
        sa.Column("action", sa.String(length=48), nullable=False),
        sa.Column(
            "params",
            vigie.store.types.JsonDocument,
            nullable=False,
            comment="the action's fields, as sent",
        ),
        sa.Column(
            "target",
            vigie.store.types.JsonDocument,
            nullable=False,
            comment="how the targets were chosen",
        ),
        sa.Column(
            "status", sa.String(length=16), nullable=False, comment="active, completed or expired"
        ),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", vigie.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column(
            "expires_at",
            vigie.store.types.UtcDateTime(timezone=True),
            nullable=False,
            comment="no device is sent it after",
        ),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column(
            "retry_after_s", sa.Float(), nullable=False, comment="wait for an ack before resending"
        ),
        sa.Column("device_count", sa.Integer(), nullable=False),
        sa.Column("updated_at", vigie.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commands")),
    )
    with op.batch_alter_table("commands", schema=None) as batch_op:
        batch_op.create_index("ix_commands_created_at", ["created_at"], unique=False)
        batch_op.create_index("ix_commands_status", ["status", "expires_at"], unique=False)

    op.create_table(
        "lighting_programs",
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "steps",
            vigie.store.types.JsonDocument,
            nullable=False,
            comment="dimming steps, see domains.lighting",
        ),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", vigie.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", vigie.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lighting_programs")),
    )
    op.create_table(
        "command_devices",
        sa.Column("command_id", sa.String(length=40), nullable=False),
        sa.Column("asset_id", sa.String(length=200), nullable=False),
        sa.Column("asset_type", sa.String(length=48), nullable=False),
        sa.Column("municipality_code", sa.String(length=5), nullable=False),
        sa.Column(
            "status",
            sa.String(length=16),
            nullable=False,
            comment="pending, sent, acknowledged, failed or expired",
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column(
            "next_attempt_at",
            vigie.store.types.UtcDateTime(timezone=True),
            nullable=True,
            comment="when to (re)send",
        ),
        sa.Column(
            "sent_at",
            vigie.store.types.UtcDateTime(timezone=True),
            nullable=True,
            comment="of the latest attempt",
        ),
        sa.Column(
            "answered_at",
            vigie.store.types.UtcDateTime(timezone=True),
            nullable=True,
            comment="ack time, device's clock",
        ),
        sa.Column("reason", sa.Text(), nullable=True, comment="why it failed or expired"),
        sa.Column("updated_at", vigie.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["command_id"],
            ["commands.id"],
            name=op.f("fk_command_devices_command_id_commands"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("command_id", "asset_id", name=op.f("pk_command_devices")),
    )
    with op.batch_alter_table("command_devices", schema=None) as batch_op:
        batch_op.create_index(
            "ix_command_devices_asset_id", ["asset_id", "command_id"], unique=False
        )
        batch_op.create_index("ix_command_devices_due", ["status", "next_attempt_at"], unique=False)

    op.create_table(
        "command_municipalities",
        sa.Column("command_id", sa.String(length=40), nullable=False),
        sa.Column("municipality_code", sa.String(length=5), nullable=False),
        sa.ForeignKeyConstraint(
            ["command_id"],
            ["commands.id"],
            name=op.f("fk_command_municipalities_command_id_commands"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "command_id", "municipality_code", name=op.f("pk_command_municipalities")
        ),
    )
    with op.batch_alter_table("command_municipalities", schema=None) as batch_op:
        batch_op.create_index(
            "ix_command_municipalities_code", ["municipality_code", "command_id"], unique=False
        )

    op.create_table(
        "lighting_groups",
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.String(length=16),
            nullable=False,
            comment="municipality, cabinet, road_class, custom or polygon",
        ),
        sa.Column(
            "selector",
            vigie.store.types.JsonDocument,
            nullable=False,
            comment="what the kind selects",
        ),
        sa.Column(
            "municipality_code",
            sa.String(length=5),
            nullable=True,
            comment="owning municipality; NULL for metropolitan groups",
        ),
        sa.Column("program_id", sa.String(length=80), nullable=True),
        sa.Column(
            "holiday_program_id",
            sa.String(length=80),
            nullable=True,
            comment="run on French public holidays",
        ),
        sa.Column(
            "priority", sa.Integer(), nullable=False, comment="higher wins where groups overlap"
        ),
        sa.Column("created_at", vigie.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", vigie.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["holiday_program_id"],
            ["lighting_programs.id"],
            name=op.f("fk_lighting_groups_holiday_program_id_lighting_programs"),
        ),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["lighting_programs.id"],
            name=op.f("fk_lighting_groups_program_id_lighting_programs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lighting_groups")),
    )
    op.create_table(
        "lighting_calendar_exceptions",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("night", sa.Date(), nullable=False, comment="local date of the evening"),
        sa.Column("group_id", sa.String(length=80), nullable=True, comment="NULL: every group"),
        sa.Column("program_id", sa.String(length=80), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", vigie.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["lighting_groups.id"],
            name=op.f("fk_lighting_calendar_exceptions_group_id_lighting_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["lighting_programs.id"],
            name=op.f("fk_lighting_calendar_exceptions_program_id_lighting_programs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lighting_calendar_exceptions")),
    )
    with op.batch_alter_table("lighting_calendar_exceptions", schema=None) as batch_op:
        batch_op.create_index("ix_lighting_calendar_exceptions_night", ["night"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("lighting_calendar_exceptions", schema=None) as batch_op:
        batch_op.drop_index("ix_lighting_calendar_exceptions_night")

    op.drop_table("lighting_calendar_exceptions")
    op.drop_table("lighting_groups")
    with op.batch_alter_table("command_municipalities", schema=None) as batch_op:
        batch_op.drop_index("ix_command_municipalities_code")

    op.drop_table("command_municipalities")
    with op.batch_alter_table("command_devices", schema=None) as batch_op:
        batch_op.drop_index("ix_command_devices_due")
        batch_op.drop_index("ix_command_devices_asset_id")

    op.drop_table("command_devices")
    op.drop_table("lighting_programs")
    with op.batch_alter_table("commands", schema=None) as batch_op:
        batch_op.drop_index("ix_commands_status")
        batch_op.drop_index("ix_commands_created_at")

    op.drop_table("commands")
