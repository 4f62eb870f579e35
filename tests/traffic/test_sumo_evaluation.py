"""A short SUMO run of the evaluation corridor (libsumo), through the CLI as a user runs it:
Vigie's priority cuts the buses' delay at signals and no safety limit is ever cut."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

from typer.testing import CliRunner

from vigie.cli.main import app
from vigie.lab.sumo.corridor import Corridor, bus_trips, write_demand


def test_evaluate_prints_its_summary_last(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "traffic",
            "evaluate",
            "--seeds",
            "1",
            "--intersections",
            "8",
            "--measured-min",
            "15",
            "--json",
            "--workdir",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert set(summary) == {
        "bus_signal_delay_change_pct",
        "bus_travel_time_change_pct",
        "general_delay_change_pct",
        "cross_street_delay_change_pct",
        "safety_violations",
        "seeds",
    }
    assert summary["seeds"] == 1
    assert summary["safety_violations"] == 0
    assert summary["bus_signal_delay_change_pct"] < 0
    assert "8 signalised junctions" in result.output
    checked = re.search(r"in (\d+) signal greens checked", result.output)
    assert checked is not None and int(checked.group(1)) > 500
    # SUMO's own outputs are kept for inspection.
    assert (tmp_path / "corridor.net.xml").exists()
    assert (tmp_path / "tripinfo.1.tsp.xml").exists()


def test_evaluate_refuses_a_bad_threshold() -> None:
    result = CliRunner().invoke(app, ["traffic", "evaluate", "--lateness-threshold", "soon"])
    assert result.exit_code == 2


def test_demand_is_the_same_for_one_seed(tmp_path: Path) -> None:
    corridor = Corridor(intersections=8, measured_s=1800)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = write_demand(corridor, tmp_path / "a", 7)
    second = write_demand(corridor, tmp_path / "b", 7)
    assert first.read_text() == second.read_text()
    assert first.read_text() != write_demand(corridor, tmp_path / "b", 8).read_text()
    trips = bus_trips(corridor)
    assert {t.direction for t in trips} == {"EB", "WB"}
    eastbound = sorted(t.depart_s for t in trips if t.direction == "EB")
    assert {b - a for a, b in itertools.pairwise(eastbound)} == {480.0}


def test_emergency_vehicles_get_their_green_wave_safely(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "traffic", "evaluate", "--seeds", "1", "--intersections", "8",
            "--measured-min", "15", "--emergency-every-min", "4", "--json",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "emergency_delay_s" in result.output
    assert json.loads(result.output.strip().splitlines()[-1])["safety_violations"] == 0
