"""Injected faults: recorded as ground truth (file and API) and visible in the telemetry;
every value the simulator sends within its metric's declared range, faults or not."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.lab.test_sim_twin import START, small_twin
from vigie.domains.buildings.assets import METER
from vigie.lab.devices.base import Reading
from vigie.lab.devices.luminaires import LAMP_FAULT_W
from vigie.lab.devices.simulation import Simulation
from vigie.lab.faults.config import fault_config_from_mapping, parse_faults
from vigie.lab.faults.ground_truth import FaultRecord, GroundTruthWriter, read_ground_truth
from vigie.lab.faults.kinds import SPECS, FaultKind
from vigie.registry.snapshot import RegistrySnapshot
from vigie.telemetry.catalogue import METRICS
from vigie.telemetry.values import check_value

__all__ = ["small_twin"]

HOURS = 14
#: Per device-day: enough that the small city sees every kind in 14 hours.
FREQUENT = fault_config_from_mapping(
    {
        "rates": {
            "lamp_failure": 0.02, "driver_failure": 0.02, "supply_loss": 0.3,
            "breaker_trip": 0.3, "door_open": 0.3, "camera_offline": 2.0,
            "controller_flashing": 5.0, "fibre_cut": 0.5, "bus_breakdown": 3.0,
            "heating_left_on": 3.0,
        }
    }
)  # fmt: skip


@pytest.fixture(scope="module")
def faulty_run(
    small_twin: RegistrySnapshot, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Simulation, list[Reading], Path]:
    """14 simulated hours from 15:00 UTC with every kind of fault frequent."""
    path = tmp_path_factory.mktemp("truth") / "ground_truth.jsonl"
    writer = GroundTruthWriter(path)
    simulation = Simulation(small_twin, seed=5, start=START, faults=FREQUENT, on_fault=writer.write)
    simulation.run_until((START + timedelta(hours=HOURS)).timestamp())
    simulation.finish()
    writer.close()
    return simulation, simulation.drain(), path


def series_of(readings: list[Reading], asset_id: str) -> list[Reading]:
    return [r for r in readings if r.asset_id == asset_id]


def test_every_value_is_within_its_declared_range(
    faulty_run: tuple[Simulation, list[Reading], Path],
) -> None:
    _, readings, _ = faulty_run
    refused = []
    for reading in readings:
        kind = reading.asset_id.split(":")[2]
        descriptions = METRICS[METER if kind == "Meter" else kind]
        for metric, value in reading.metrics.items():
            description = descriptions.get(metric)
            checked = check_value(description, value) if description else "unknown metric"
            if isinstance(checked, str):
                refused.append((reading.asset_id, metric, value, checked))
    assert refused == []
    assert len(readings) > 50_000


def test_every_kind_of_fault_is_injected_and_recorded(
    faulty_run: tuple[Simulation, list[Reading], Path],
) -> None:
    simulation, _, path = faulty_run
    kinds = {record.type for record in simulation.faults}
    # Heating left on needs a heating season: January has one.
    assert kinds == {kind.value for kind in FaultKind}
    assert read_ground_truth(path) == simulation.faults
    for record in simulation.faults:
        assert record.asset_type == SPECS[FaultKind(record.type)].asset_type
        assert START <= record.start < record.end
    first = json.loads(path.read_text().splitlines()[0])
    assert set(first) >= {"id", "type", "asset_id", "asset_type", "start", "end"}
    assert datetime.fromisoformat(first["start"]).tzinfo is not None


def _at(reading: Reading) -> datetime:
    """The reading's time as the wire and the ground truth give it (to the microsecond)."""
    return datetime.fromtimestamp(reading.ts_s, UTC)


def _within(reading: Reading, record: FaultRecord) -> bool:
    return record.start <= _at(reading) < record.end


def test_a_lamp_failure_shows_in_the_light_s_telemetry(
    faulty_run: tuple[Simulation, list[Reading], Path],
) -> None:
    simulation, readings, _ = faulty_run
    records = [r for r in simulation.faults if r.type == "lamp_failure"]
    assert records
    for record in records:
        series = series_of(readings, record.asset_id)
        during = [r for r in series if _within(r, record)]
        earlier = [o for o in records if o.asset_id == record.asset_id and o.end <= record.start]
        before = [
            r for r in series if _at(r) < record.start and not any(_within(r, o) for o in earlier)
        ]
        unpowered = any(
            record.asset_id in other.affected and other.active_at(record.start)
            for other in simulation.faults
        )
        assert during
        if not unpowered:
            assert _at(during[0]) == record.start  # reported at once
        assert all(r.metrics["lamp_fault"] for r in during)
        assert all(r.metrics["power_w"] <= LAMP_FAULT_W for r in during)
        assert not any(r.metrics["lamp_fault"] for r in before)


def test_a_cabinet_without_supply_reports_zero_volts_and_its_lights_fall_silent(
    faulty_run: tuple[Simulation, list[Reading], Path],
) -> None:
    simulation, readings, _ = faulty_run
    records = [r for r in simulation.faults if r.type == "supply_loss"]
    assert records
    for record in records:
        during = [r for r in series_of(readings, record.asset_id) if _within(r, record)]
        assert during and all(r.metrics["supply_v"] == 0.0 for r in during)
        assert all(r.metrics["current_l1_a"] == 0.0 for r in during)
        assert record.affected
        others = [
            r.asset_id
            for r in readings
            if r.asset_id in record.affected
            and _within(r, record)
            # Another fault may overlap: only look where this one alone holds.
            and r.ts_s > record.start.timestamp()
        ]
        assert others == []


def test_a_fibre_cut_silences_the_devices_behind_it(
    faulty_run: tuple[Simulation, list[Reading], Path],
) -> None:
    simulation, readings, _ = faulty_run
    records = [r for r in simulation.faults if r.type == "fibre_cut"]
    assert records
    cut_off = [r for r in records if r.affected]
    for record in records:
        link = [r for r in series_of(readings, record.asset_id) if _within(r, record)]
        assert link and not any(r.metrics["link_up"] for r in link)
    assert cut_off
    for record in cut_off:
        nodes = [a for a in record.affected if ":NetworkNode:" in a]
        devices = [a for a in record.affected if ":NetworkNode:" not in a]
        # Reported unreachable at once; until another repair opens a path round the cut
        # (a ring), the devices behind them say nothing.
        seen = [r for r in readings if r.asset_id in nodes and _within(r, record)]
        assert {r.asset_id for r in seen if _at(r) == record.start} == set(nodes)
        back = min((_at(r) for r in seen if r.metrics["reachable"]), default=record.end)
        heard = [r for r in readings if r.asset_id in devices and record.start <= _at(r) < back]
        assert heard == []


def test_controllers_flash_and_buses_stand_still(
    faulty_run: tuple[Simulation, list[Reading], Path],
) -> None:
    simulation, readings, _ = faulty_run
    for record in [r for r in simulation.faults if r.type == "controller_flashing"]:
        during = [r for r in series_of(readings, record.asset_id) if _within(r, record)]
        assert all(r.metrics["mode"] == "flashing" and r.metrics["plan"] == 0 for r in during)
    for record in [r for r in simulation.faults if r.type == "bus_breakdown"]:
        during = [r for r in series_of(readings, record.asset_id) if _within(r, record)]
        assert all(r.metrics["speed_kmh"] == 0 for r in during)
        assert len({r.metrics["odometer_km"] for r in during}) <= 1


def test_fault_rates_from_a_multiplier_or_a_file(tmp_path: Path) -> None:
    assert parse_faults("0").rates[FaultKind.FIBRE_CUT] == 0
    doubled = parse_faults("2")
    assert (
        doubled.rates[FaultKind.LAMP_FAILURE]
        == 2 * SPECS[FaultKind.LAMP_FAILURE].rate_per_device_day
    )
    rates = tmp_path / "faults.toml"
    rates.write_text(
        "multiplier = 10\n[rates]\nlamp_failure = 0.001\n[repair_median_h]\nsupply_loss = 2.5\n"
    )
    config = parse_faults(str(rates))
    assert config.rates[FaultKind.LAMP_FAILURE] == pytest.approx(0.01)
    assert config.rates[FaultKind.CAMERA_OFFLINE] == pytest.approx(0.3)
    assert config.repair_median_h[FaultKind.SUPPLY_LOSS] == 2.5
    as_json = tmp_path / "faults.json"
    as_json.write_text('{"rates": {"fibre_cut": 0}}')
    assert parse_faults(str(as_json)).rates[FaultKind.FIBRE_CUT] == 0
    as_json.write_text('{"rates": {"meteor_strike": 1}}')
    with pytest.raises(ValueError, match="meteor_strike"):
        parse_faults(str(as_json))
    for bad in ("-1", "nan", "no-such-file.toml"):
        with pytest.raises(ValueError):
            parse_faults(bad)
