"""The store itself: migrations, SQLite's WAL mode, UTC timestamps, PostGIS where present."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import select, text
from sqlalchemy.engine import Engine

from tests.builders import seed_small_network
from vigie.registry.assets import AssetFilter, query_assets
from vigie.registry.municipalities import seed_reference_municipalities
from vigie.registry.spatial import Bbox
from vigie.store.migrate import alembic_config, upgrade_to_head
from vigie.store.schema import audit_log


def test_migrating_twice_changes_nothing(engine: Engine) -> None:
    upgrade_to_head(engine)
    with engine.connect() as conn:
        revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    assert revision == head


def test_sqlite_runs_in_wal_mode(sqlite_engine: Engine) -> None:
    with sqlite_engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_timestamps_come_back_timezone_aware_in_utc(engine: Engine) -> None:
    paris_noon = datetime.fromisoformat("2026-06-21T12:00:00+02:00")
    with engine.begin() as conn:
        conn.execute(
            audit_log.insert().values(at=paris_noon, actor="t", action="x", entity_type="y")
        )
        stored = conn.execute(select(audit_log.c.at)).scalar_one()
    assert stored == paris_noon and stored.tzinfo is not None
    assert stored.astimezone(UTC).hour == 10


def test_naive_timestamps_are_refused(engine: Engine) -> None:
    with pytest.raises(Exception, match="naive datetime"), engine.begin() as conn:
        conn.execute(
            audit_log.insert().values(
                at=datetime(2026, 1, 1), actor="t", action="x", entity_type="y"
            )
        )


@pytest.mark.postgres
def test_postgis_indexes_asset_points_on_postgresql(postgres_engine: Engine) -> None:
    with postgres_engine.begin() as conn:
        conn.execute(text("TRUNCATE assets CASCADE"))
        seed_reference_municipalities(conn)
        seed_small_network(conn, datetime(2026, 1, 1, tzinfo=UTC))
        found = query_assets(conn, AssetFilter(bbox=Bbox(5.0349, 47.3221, 5.0359, 47.3223)))
        assert [a.name for a in found] == ["Light 1", "Light 2", "Light 3"]
        conn.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(
            conn.execute(
                text(
                    "EXPLAIN SELECT id FROM assets "
                    "WHERE geom && ST_MakeEnvelope(5, 47, 5.1, 47.4, 4326)"
                )
            ).scalars()
        )
    assert "ix_assets_geom" in plan
