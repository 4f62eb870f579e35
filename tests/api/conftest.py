"""An API client on a real store (SQLite and PostgreSQL), with users of every kind."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from tests.builders import seed_small_network
from vigie.auth.roles import Role
from vigie.auth.users import add_user
from vigie.core.clock import ManualClock
from vigie.core.settings import Settings
from vigie.server.app import create_app

PASSWORD = "correct horse battery"
TALANT = "21617"
DIJON = "21231"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))


@pytest.fixture
def client(engine: Engine, clock: ManualClock, tmp_path: Path) -> Iterator[TestClient]:
    with engine.begin() as conn:
        for username, role, scope in (
            ("ada", Role.ADMIN, ()),
            ("sam", Role.SUPERVISOR, ()),
            ("olga", Role.OPERATOR, ()),
            ("theo", Role.TECHNICIAN, ()),
            ("tala", Role.MUNICIPAL_AGENT, (TALANT,)),
            ("vic", Role.VIEWER, ()),
        ):
            add_user(
                conn,
                username=username,
                password=PASSWORD,
                role=role,
                municipality_codes=scope,
                actor="test",
                now=clock.now(),
            )
        seed_small_network(conn, clock.now())
    settings = Settings(database_url=str(engine.url), var_dir=tmp_path)
    with TestClient(
        create_app(settings, engine=engine, clock=clock), raise_server_exceptions=False
    ) as test_client:
        yield test_client


def token_for(client: TestClient, username: str) -> str:
    response = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def auth(client: TestClient, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(client, username)}"}
