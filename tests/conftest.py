"""Shared fixtures: a fresh, migrated store on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

from vigie.domains.installed import install_all
from vigie.registry.municipalities import seed_reference_municipalities
from vigie.store.engine import make_engine
from vigie.store.migrate import upgrade_to_head
from vigie.store.schema import metadata

POSTGRES_URL_VARIABLE = "VIGIE_TEST_POSTGRES_URL"

install_all()  # the facilities, as the `vigie` command installs them


def _postgres_base_url() -> str:
    url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not url:
        pytest.fail(
            f"{POSTGRES_URL_VARIABLE} is not set: `make test` starts PostgreSQL and sets it "
            "(or deselect with -m 'not postgres')"
        )
    return url


@pytest.fixture(scope="session")
def postgres_engine(worker_id: str) -> Iterator[Engine]:
    """One migrated PostgreSQL database per test process, created afresh and dropped after."""
    base = make_url(_postgres_base_url())
    # The pid keeps two test runs on one server (two engineers, or CI and a session) apart.
    name = f"vigie_test_{worker_id}_{os.getpid()}"
    admin = make_engine(base.render_as_string(hide_password=False))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(base.set(database=name).render_as_string(hide_password=False))
    upgrade_to_head(engine)
    yield engine
    engine.dispose()
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def worker_id(request: pytest.FixtureRequest) -> str:
    """pytest-xdist's worker name, or 'main' without xdist."""
    return str(getattr(request.config, "workerinput", {}).get("workerid", "main"))


def _empty_postgres(engine: Engine) -> None:
    names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty store holding the communes of Dijon Métropole: on both databases."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'vigie.db'}")
        upgrade_to_head(engine)
    else:
        engine = request.getfixturevalue("postgres_engine")
        _empty_postgres(engine)
    with engine.begin() as conn:
        seed_reference_municipalities(conn)
    yield engine
    if request.param == "sqlite":
        engine.dispose()


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    """A migrated SQLite store with the communes, for tests about SQLite itself or heavy data."""
    engine = make_engine(f"sqlite:///{tmp_path / 'vigie.db'}")
    upgrade_to_head(engine)
    with engine.begin() as conn:
        seed_reference_municipalities(conn)
    yield engine
    engine.dispose()
