"""`vigie demo --no-serve`: what `make demo` sets up before serving, and that a rerun keeps it."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from vigie.cli.main import app
from vigie.core.settings import Settings
from vigie.server.app import create_app


def test_demo_sets_up_the_twin_and_accounts_that_log_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIGIE_DATABASE_URL", f"sqlite:///{tmp_path / 'vigie.db'}")
    first = CliRunner().invoke(app, ["demo", "--no-serve"])
    assert first.exit_code == 0, first.output
    assert "http://127.0.0.1:8000/docs" in first.output
    again = CliRunner().invoke(app, ["demo", "--no-serve"])
    assert again.exit_code == 0, again.output
    assert "Generating" not in again.output

    with TestClient(create_app(Settings.from_env())) as client:
        login = client.post(
            "/api/v1/auth/token", json={"username": "talant", "password": "vigie-talant"}
        )
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        page = client.get("/api/v1/assets?type=Streetlight&limit=50000", headers=headers).json()
        admin = client.post(
            "/api/v1/auth/token", json={"username": "admin", "password": "vigie-admin"}
        )
        admin_headers = {"Authorization": f"Bearer {admin.json()['access_token']}"}
        everything = client.get(
            "/api/v1/assets?type=Streetlight&limit=50000", headers=admin_headers
        )
    assert page["items"] and {a["municipality_code"] for a in page["items"]} == {"21617"}
    assert len(everything.json()["items"]) == 34_000
