"""The proof on a small city over a few winter days: programmes acknowledged by every node,
energy from the stored rollups matching what the simulated nodes metered, savings and the
split adding up; the KPI API over the same store, within the caller's scope."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from vigie.auth.roles import Role
from vigie.auth.users import add_user
from vigie.core.clock import ManualClock
from vigie.core.settings import Settings
from vigie.domains.lighting.cli import app
from vigie.lab.proofs.lighting_year import ProofConfig, run_proof
from vigie.server.app import create_app
from vigie.store.engine import make_engine

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def proof(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    store = tmp_path_factory.mktemp("proof") / "proof.db"
    config = ProofConfig(store=store, scale=0.02, days=4, interval_s=21_600.0, faults=0.0)
    return run_proof(config), store


def test_every_node_runs_an_acknowledged_programme(proof: tuple[dict[str, Any], Path]) -> None:
    result, _ = proof
    assert result["luminaires"] > 100
    assert result["class_compliance_pct"] == 100.0
    assert result["rejected"] == 0


def test_stored_energy_is_what_the_nodes_metered(proof: tuple[dict[str, Any], Path]) -> None:
    result, _ = proof
    total = result["report"]["total"]
    assert total["measured_kwh"] == pytest.approx(result["nodes_simulated_kwh"], rel=1e-3)
    option_c = result["report"]["option_c"]
    # Cabinet meters: the nodes' energy + 2% cable losses + the cabinets' own 8 W.
    assert 1.02 <= option_c["cabinets_over_nodes"] < 1.2


def test_savings_and_their_split(proof: tuple[dict[str, Any], Path]) -> None:
    result, _ = proof
    parts = result["led_retrofit_pct"] + result["dimming_pct"] + result["adaptive_pct"]
    assert parts == pytest.approx(result["savings_pct"], abs=0.01)
    assert 50.0 < result["led_retrofit_pct"] < result["savings_pct"] < 95.0
    assert result["adaptive_pct"] >= 0.0


def test_the_kpi_api_over_the_proof_store(
    proof: tuple[dict[str, Any], Path], tmp_path: Path
) -> None:
    result, store = proof
    engine = make_engine(f"sqlite:///{store}")
    clock = ManualClock(datetime(2025, 2, 1, tzinfo=UTC))
    with engine.begin() as conn:
        for name, role, scope in (
            ("vic", Role.VIEWER, ()),
            ("tala", Role.MUNICIPAL_AGENT, ("21617",)),
        ):
            add_user(
                conn,
                username=name,
                password=PASSWORD,
                role=role,
                municipality_codes=scope,
                actor="test",
                now=clock.now(),
            )
    app = create_app(
        Settings(database_url=str(engine.url), var_dir=tmp_path), engine=engine, clock=clock
    )
    with TestClient(app, raise_server_exceptions=False) as client:

        def get(user: str, query: str) -> Any:
            token = client.post(
                "/api/v1/auth/token", json={"username": user, "password": PASSWORD}
            ).json()
            headers = {"Authorization": f"Bearer {token['access_token']}"}
            return client.get(f"/api/v1/kpi/lighting-energy?{query}", headers=headers)

        everything = get("vic", "from=2025-01-01&to=2025-01-05")
        assert everything.status_code == 200
        body = everything.json()
        assert "IPMVP Option B" in body["method"]
        assert body["total"]["measured_kwh"] == pytest.approx(
            result["report"]["total"]["measured_kwh"], rel=1e-6
        )
        talant = get("tala", "from=2025-01-01&to=2025-01-05").json()
        assert set(talant["by_municipality"]) <= {"21617"}
        bad = get("vic", "from=2025-01-05&to=2025-01-01")
        assert bad.status_code == 400
        assert bad.headers["content-type"].startswith("application/problem+json")


def test_the_savings_command_over_the_proof_store(
    proof: tuple[dict[str, Any], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    result, store = proof
    monkeypatch.setenv("VIGIE_DATABASE_URL", f"sqlite:///{store}")
    runner = CliRunner()
    found = runner.invoke(app, ["savings", "--from", "2025-01-01", "--to", "2025-01-05", "--json"])
    assert found.exit_code == 0, found.output
    body = json.loads(found.output.strip().splitlines()[-1])
    assert body["total"]["savings_pct"] == pytest.approx(result["savings_pct"], abs=1e-3)
    backwards = runner.invoke(app, ["savings", "--from", "2025-01-05", "--to", "2025-01-01"])
    assert backwards.exit_code != 0
