"""Per-device MQTT credentials, from which the broker's password and ACL files are written

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import vigie.store.types

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_UTC = vigie.store.types.UtcDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "device_credentials",
        sa.Column(
            "asset_id", sa.String(length=200), nullable=False, comment="the device or gateway"
        ),
        sa.Column("username", sa.String(length=200), nullable=False, comment="its MQTT username"),
        sa.Column(
            "broker_hash",
            sa.String(length=200),
            nullable=False,
            comment="the password as Mosquitto's password file keeps it (PBKDF2-SHA512)",
        ),
        sa.Column("issued_at", _UTC, nullable=False),
        sa.Column("issued_by", sa.String(length=120), nullable=False),
        sa.Column("revoked_at", _UTC, nullable=True),
        sa.PrimaryKeyConstraint("asset_id", name=op.f("pk_device_credentials")),
        sa.UniqueConstraint("username", name=op.f("uq_device_credentials_username")),
    )


def downgrade() -> None:
    op.drop_table("device_credentials")
