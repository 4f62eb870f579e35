"""`vigie municipalities add`, `vigie assets import` and `vigie assets export` end to end, on
a SQLite store named by VIGIE_DATABASE_URL, as a user types them."""

from __future__ import annotations

import getpass
import json
from pathlib import Path

import pytest
import typer
from sqlalchemy import select
from typer.testing import CliRunner, Result

from tests.data.montpellier_files import CSV, MAPPING, ROWS, completed_csv
from vigie.cli import assets, municipalities
from vigie.store.engine import make_engine
from vigie.store.schema import audit_log

# The two groups as `vigie` registers them.
vigie = typer.Typer()
vigie.add_typer(assets.app, name="assets")
vigie.add_typer(municipalities.app, name="municipalities")

SIGNALS = ["--type", "TrafficSignalController"]
MONTPELLIER = ["--code", "34172", "--name", "Montpellier", "--lon", "3.8767", "--lat", "43.6108"]


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("VIGIE_DATABASE_URL", url)
    return url


def run(*args: str) -> Result:
    return CliRunner().invoke(vigie, list(args))


def exported_names() -> list[str]:
    result = run("assets", "export", *SIGNALS)
    assert result.exit_code == 0, result.output
    return [f["properties"]["name"] for f in json.loads(result.stdout)["features"]]


def test_register_montpellier_import_its_signals_and_export_them(
    store: str, tmp_path: Path
) -> None:
    registered = run("municipalities", "add", *MONTPELLIER, "--population", "302454")
    assert registered.exit_code == 0 and registered.output == "Registered Montpellier (34172).\n"
    assert "Montpellier" in run("municipalities", "list").output

    source = completed_csv(tmp_path)
    imported = run(
        "assets",
        "import",
        str(source),
        *SIGNALS,
        "--crs",
        "EPSG:2154",
        "--mapping",
        str(MAPPING),
        "--actor",
        "alice",
    )
    assert imported.exit_code == 0, imported.output
    assert imported.output == (
        f"Imported {ROWS} TrafficSignalController from {source.name} "
        "(ISO-8859-1, semicolon-separated, CRS EPSG:2154 (given with --crs)).\n"
        f"Montpellier (34172): {ROWS}\n"
    )
    engine = make_engine(store)
    with engine.connect() as conn:
        audited = {(a, b) for a, b in conn.execute(select(audit_log.c.action, audit_log.c.actor))}
    engine.dispose()
    assert audited == {
        ("municipality.create", f"cli:{getpass.getuser()}"),
        ("asset.import", "cli:alice"),
    }

    names = exported_names()
    assert len(names) == ROWS and names[0] == "Passage Piéton / Pont De Lavérune"
    output = tmp_path / "signals.csv"
    written = run(
        "assets",
        "export",
        *SIGNALS,
        "--format",
        "csv",
        "--municipality",
        "34172",
        "--output",
        str(output),
    )
    assert (
        written.exit_code == 0
        and written.output == f"Exported {ROWS} TrafficSignalController to {output}.\n"
    )
    assert len(output.read_text(encoding="utf-8").splitlines()) == 1 + ROWS


def test_refused_rows_are_listed_and_the_exit_code_says_so(store: str, tmp_path: Path) -> None:
    run("municipalities", "add", *MONTPELLIER)
    # The published CSV has 4 intersections at 0;0.
    refused = run(
        "assets", "import", str(CSV), *SIGNALS, "--crs", "EPSG:2154", "--mapping", str(MAPPING)
    )
    assert refused.exit_code == 1
    assert refused.output.splitlines() == [
        "line 301: POINT_X/POINT_Y: (0, 0) stands for a missing position",
        "line 368: POINT_X/POINT_Y: (0, 0) stands for a missing position",
        "line 371: POINT_X/POINT_Y: (0, 0) stands for a missing position",
        "line 372: POINT_X/POINT_Y: (0, 0) stands for a missing position",
        "4 of 373 lines refused; nothing was imported (4 problems).",
    ]
    assert exported_names() == []


def test_a_dry_run_reports_and_writes_nothing(store: str, tmp_path: Path) -> None:
    run("municipalities", "add", *MONTPELLIER)
    source = completed_csv(tmp_path)
    dry = run(
        "assets",
        "import",
        str(source),
        *SIGNALS,
        "--crs",
        "EPSG:2154",
        "--mapping",
        str(MAPPING),
        "--dry-run",
    )
    assert dry.exit_code == 0, dry.output
    assert dry.output.startswith(
        f"Dry run: would import {ROWS} TrafficSignalController from {source.name} "
    )
    assert dry.output.endswith("Nothing was written.\n")
    assert exported_names() == []


def test_a_file_without_crs_gets_a_hint(store: str, tmp_path: Path) -> None:
    run("municipalities", "add", *MONTPELLIER)
    result = run(
        "assets", "import", str(completed_csv(tmp_path)), *SIGNALS, "--mapping", str(MAPPING)
    )
    assert result.exit_code == 2
    assert result.output == (
        "Cannot import VilleMTP_MTP_Signalisation_completed.csv: the file names no CRS and its "
        "coordinates are not longitude/latitude (767686.3955, 6279032.6454 at line 2): give the "
        "CRS with --crs (they look like Lambert-93: --crs EPSG:2154)\n"
    )


def test_an_unknown_type_is_a_usage_error(store: str) -> None:
    result = run("assets", "import", str(CSV), "--type", "TrafficLight")
    assert result.exit_code == 2
    assert (
        "'TrafficLight' is not one of" in result.output
        and "'TrafficSignalController'" in result.output
    )
    assert run("assets", "export", "--type", "TrafficLight").exit_code == 2


def test_export_refuses_an_unknown_municipality(store: str) -> None:
    result = run("assets", "export", *SIGNALS, "--municipality", "99999")
    assert result.exit_code == 2 and result.output == "Unknown municipality: 99999\n"


def test_a_municipality_is_registered_once_and_checked(store: str) -> None:
    assert run("municipalities", "add", *MONTPELLIER).exit_code == 0
    again = run("municipalities", "add", *MONTPELLIER)
    assert again.exit_code == 2
    assert again.output.splitlines() == [
        "Error: municipality 34172 is already registered",
        "Error: a municipality is already called 'Montpellier'",
    ]
    wrong = run(
        "municipalities",
        "add",
        "--code",
        "3417",
        "--name",
        "Nîmes",
        "--lon",
        "4.36",
        "--lat",
        "143.8",
    )
    assert wrong.exit_code == 2
    assert wrong.output.splitlines() == [
        "Error: --code '3417' is not an INSEE commune code (5 characters, e.g. 34172)",
        "Error: (4.36, 143.8) is not a WGS84 longitude/latitude",
    ]
