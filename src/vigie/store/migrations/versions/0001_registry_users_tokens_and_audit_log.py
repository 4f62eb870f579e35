"""registry, users, tokens and audit log

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import vigie.store.types

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("at", vigie.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("action", sa.String(length=48), nullable=False),
        sa.Column("entity_type", sa.String(length=48), nullable=False),
        sa.Column("entity_id", sa.String(length=200), nullable=True),
        sa.Column(
            "before",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "after",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index("ix_audit_log_at", ["at"], unique=False)
        batch_op.create_index("ix_audit_log_entity", ["entity_id", "at"], unique=False)

    op.create_table(
        "municipalities",
        sa.Column("code", sa.String(length=5), nullable=False, comment="INSEE code"),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("area_km2", sa.Float(), nullable=False),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.Column(
            "boundary",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=True,
            comment="GeoJSON polygon, WGS84",
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_municipalities")),
        sa.UniqueConstraint("name", name=op.f("uq_municipalities_name")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", vigie.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False, comment="session or machine"),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("created_at", vigie.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", vigie.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", vigie.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_api_tokens_token_sha256")),
    )
    op.create_table(
        "assets",
        sa.Column("id", sa.String(length=160), nullable=False, comment="NGSI-LD URN"),
        sa.Column("type", sa.String(length=48), nullable=False),
        sa.Column("municipality_code", sa.String(length=5), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "lon",
            sa.Float(),
            nullable=False,
            comment="WGS84 longitude of the asset (or line start)",
        ),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column(
            "geometry",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=True,
            comment="GeoJSON geometry for non-points",
        ),
        sa.Column(
            "attributes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", vigie.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", vigie.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_code"],
            ["municipalities.code"],
            name=op.f("fk_assets_municipality_code_municipalities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assets")),
    )
    with op.batch_alter_table("assets", schema=None) as batch_op:
        batch_op.create_index("ix_assets_lon_lat", ["lon", "lat"], unique=False)
        batch_op.create_index("ix_assets_municipality_code", ["municipality_code"], unique=False)
        batch_op.create_index("ix_assets_status", ["status"], unique=False)
        batch_op.create_index(
            "ix_assets_type_municipality", ["type", "municipality_code"], unique=False
        )

    op.create_table(
        "user_municipalities",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("municipality_code", sa.String(length=5), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_code"],
            ["municipalities.code"],
            name=op.f("fk_user_municipalities_municipality_code_municipalities"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_municipalities_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "user_id", "municipality_code", name=op.f("pk_user_municipalities")
        ),
    )
    op.create_table(
        "asset_links",
        sa.Column("asset_id", sa.String(length=160), nullable=False),
        sa.Column("relation", sa.String(length=32), nullable=False),
        sa.Column(
            "target_id", sa.String(length=200), nullable=False, comment="an asset or asset part id"
        ),
        sa.ForeignKeyConstraint(
            ["asset_id"],
            ["assets.id"],
            name=op.f("fk_asset_links_asset_id_assets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("asset_id", "relation", "target_id", name=op.f("pk_asset_links")),
    )
    with op.batch_alter_table("asset_links", schema=None) as batch_op:
        batch_op.create_index("ix_asset_links_target", ["target_id", "relation"], unique=False)

    op.create_table(
        "asset_parts",
        sa.Column("id", sa.String(length=200), nullable=False, comment="NGSI-LD URN of the part"),
        sa.Column("asset_id", sa.String(length=160), nullable=False),
        sa.Column(
            "kind",
            sa.String(length=32),
            nullable=False,
            comment="feeder, signal_group, detector, meter",
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "attributes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["asset_id"],
            ["assets.id"],
            name=op.f("fk_asset_parts_asset_id_assets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asset_parts")),
    )
    with op.batch_alter_table("asset_parts", schema=None) as batch_op:
        batch_op.create_index("ix_asset_parts_asset_id", ["asset_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("asset_parts", schema=None) as batch_op:
        batch_op.drop_index("ix_asset_parts_asset_id")

    op.drop_table("asset_parts")
    with op.batch_alter_table("asset_links", schema=None) as batch_op:
        batch_op.drop_index("ix_asset_links_target")

    op.drop_table("asset_links")
    op.drop_table("user_municipalities")
    with op.batch_alter_table("assets", schema=None) as batch_op:
        batch_op.drop_index("ix_assets_type_municipality")
        batch_op.drop_index("ix_assets_status")
        batch_op.drop_index("ix_assets_municipality_code")
        batch_op.drop_index("ix_assets_lon_lat")

    op.drop_table("assets")
    op.drop_table("api_tokens")
    op.drop_table("users")
    op.drop_table("municipalities")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_entity")
        batch_op.drop_index("ix_audit_log_at")

    op.drop_table("audit_log")
