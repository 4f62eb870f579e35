"""Fleet geofences: circles and polygons whose entries and exits are reported

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import vigie.store.types

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_UTC = vigie.store.types.UtcDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "geofences",
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "municipality_code",
            sa.String(length=5),
            nullable=True,
            comment="owning municipality; NULL for metropolitan fences",
        ),
        sa.Column("kind", sa.String(length=16), nullable=False, comment="circle or polygon"),
        sa.Column(
            "lon",
            sa.Float(),
            nullable=False,
            comment="WGS84 centre of a circle, mean of a polygon's vertices (for maps)",
        ),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("radius_m", sa.Float(), nullable=True, comment="circles only"),
        sa.Column(
            "ring",
            vigie.store.types.JsonDocument,
            nullable=True,
            comment="polygons only: [[lon, lat], ...]",
        ),
        sa.Column("created_at", _UTC, nullable=False),
        sa.Column("updated_at", _UTC, nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_code"],
            ["municipalities.code"],
            name=op.f("fk_geofences_municipality_code_municipalities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_geofences")),
    )
    with op.batch_alter_table("geofences", schema=None) as batch_op:
        batch_op.create_index("ix_geofences_municipality_code", ["municipality_code"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("geofences", schema=None) as batch_op:
        batch_op.drop_index("ix_geofences_municipality_code")
    op.drop_table("geofences")
