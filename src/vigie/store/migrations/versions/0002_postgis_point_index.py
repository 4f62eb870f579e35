"""PostGIS, where the server has it: a point geometry column on assets with a GiST index

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _postgis_available() -> bool:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return False
    found = bind.exec_driver_sql(
        "SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'"
    ).scalar()
    return found is not None


def upgrade() -> None:
    # SQLite, and PostgreSQL servers without PostGIS, keep answering spatial filters from the
    # (lon, lat) B-tree index; with PostGIS the same filters use this GiST index.
    if not _postgis_available():
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.execute(
        "ALTER TABLE assets ADD COLUMN geom geometry(Point, 4326) "
        "GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(lon, lat), 4326)) STORED"
    )
    op.execute("CREATE INDEX ix_assets_geom ON assets USING gist (geom)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_assets_geom")
    op.execute("ALTER TABLE assets DROP COLUMN IF EXISTS geom")
