"""`vigie users add/list/token`, end to end on a SQLite store, checked through the API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from vigie.cli.main import app
from vigie.core.settings import Settings
from vigie.server.app import create_app


@pytest.fixture
def store_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    url = f"sqlite:///{tmp_path / 'vigie.db'}"
    monkeypatch.setenv("VIGIE_DATABASE_URL", url)
    monkeypatch.setenv("VIGIE_VAR_DIR", str(tmp_path))
    yield Settings.from_env()


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_an_added_user_can_log_in_with_their_role_and_scope(store_env: Settings) -> None:
    code, output = _run(
        "users",
        "add",
        "claire",
        "--role",
        "municipal_agent",
        "-m",
        "21166",
        "--password",
        "Chenove-2026",
    )
    assert code == 0, output
    assert "claire" in output and "21166" in output
    with TestClient(create_app(store_env)) as client:
        login = client.post(
            "/api/v1/auth/token", json={"username": "claire", "password": "Chenove-2026"}
        )
        assert login.status_code == 200
        assert login.json()["municipalities"] == ["21166"]


def test_refusals_say_why_and_create_nobody(store_env: Settings) -> None:
    cases = [
        ("users", "add", "bob", "--role", "municipal_agent", "--password", "long enough"),
        ("users", "add", "bob", "--role", "operator", "--password", "short"),
        ("users", "add", "bob", "--role", "operator", "-m", "99999", "--password", "long enough"),
    ]
    reasons = []
    for args in cases:
        code, output = _run(*args)
        assert code == 2
        reasons.append(output)
    assert "at least one municipality" in reasons[0]
    assert "at least 8 characters" in reasons[1]
    assert "unknown municipality code(s): 99999" in reasons[2]
    code, output = _run("users", "list")
    assert code == 0 and "bob" not in output


def test_a_machine_token_works_on_the_api_and_is_audited(store_env: Settings) -> None:
    _run("users", "add", "gateway", "--role", "viewer", "--password", "gateway-secret")
    code, output = _run("users", "token", "gateway", "--name", "cabinet gateway 12")
    assert code == 0
    token = output.strip().splitlines()[-1]
    assert token.startswith("vigie_")
    _run("users", "add", "root", "--role", "admin", "--password", "root-secret")
    with TestClient(create_app(store_env)) as client:
        me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
        assert me["username"] == "gateway" and me["token_kind"] == "machine"
        admin = client.post(
            "/api/v1/auth/token", json={"username": "root", "password": "root-secret"}
        )
        headers = {"Authorization": f"Bearer {admin.json()['access_token']}"}
        trail = client.get("/api/v1/audit?entity_id=gateway", headers=headers).json()["items"]
    assert [e["action"] for e in trail] == ["token.issue", "user.create"]
    assert trail[0]["actor"].startswith("cli:")
