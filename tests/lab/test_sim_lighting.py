"""Street lighting in the simulator: switched by the sun in Dijon, dimmed by the profile,
power from the rating, energy counters integrated exactly, cabinets consistent with their
luminaires."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from astral import Observer
from astral.sun import dawn, dusk, sunrise, sunset

from tests.lab.test_sim_twin import START, quiet_simulation, small_twin
from vigie.lab.devices.base import Reading
from vigie.lab.devices.lighting import (
    CABINET_OWN_W,
    CABLE_LOSS,
    POWER_FACTOR,
    lights_by_cabinet,
)
from vigie.lab.devices.luminaires import DRIVER_LOSS, STANDBY_W, LuminaireBank
from vigie.lab.devices.sun import LightingSchedule, profile_level
from vigie.registry.assets import Asset
from vigie.registry.snapshot import RegistrySnapshot

__all__ = ["small_twin"]

DIJON = Observer(latitude=47.3220, longitude=5.0415)
DAY = date(2026, 1, 5)


def by_asset(readings: list[Reading]) -> dict[str, list[Reading]]:
    found: dict[str, list[Reading]] = {}
    for reading in readings:
        found.setdefault(reading.asset_id, []).append(reading)
    return found


def test_lights_are_on_after_dusk_and_off_after_dawn_in_dijon() -> None:
    schedule = LightingSchedule(5.0415, 47.3220)
    set_at = sunset(DIJON, DAY, tzinfo=UTC)
    civil_dusk = dusk(DIJON, DAY, tzinfo=UTC)
    next_day = DAY + timedelta(days=1)
    civil_dawn = dawn(DIJON, next_day, tzinfo=UTC)
    risen = sunrise(DIJON, next_day, tzinfo=UTC)
    assert not schedule.state((set_at - timedelta(minutes=1)).timestamp())[0]
    assert schedule.state((civil_dusk + timedelta(minutes=1)).timestamp())[0]
    assert schedule.state((civil_dawn - timedelta(minutes=1)).timestamp())[0]
    assert not schedule.state((risen + timedelta(minutes=1)).timestamp())[0]
    assert not schedule.state(datetime(2026, 1, 6, 12, 0, tzinfo=UTC).timestamp())[0]
    # Summer: short nights, the same rule.
    midsummer = LightingSchedule(5.0415, 47.3220)
    assert not midsummer.state(datetime(2026, 6, 21, 19, 0, tzinfo=UTC).timestamp())[0]
    assert midsummer.state(datetime(2026, 6, 21, 22, 0, tzinfo=UTC).timestamp())[0]


def test_the_dimming_profile() -> None:
    assert [profile_level(h) for h in (18.0, 21.99, 22.0, 0.49, 0.5, 5.49, 5.5, 7.0)] == [
        100, 100, 70, 70, 50, 50, 80, 80,
    ]  # fmt: skip
    schedule = LightingSchedule(5.0415, 47.3220)
    # 22:00 in Paris in January is 21:00 UTC.
    on, level, next_s = schedule.state(datetime(2026, 1, 5, 20, 30, tzinfo=UTC).timestamp())
    assert (on, level) == (True, 100)
    assert next_s == datetime(2026, 1, 5, 21, 0, tzinfo=UTC).timestamp()


def test_energy_is_integrated_exactly_between_state_changes() -> None:
    """40 W luminaire: 1 h at 100%, 2 h at 70%, then 1 h off: 42 + 58.8 + 0.3 Wh."""
    bank = LuminaireBank(
        np.array([40.0]), np.array([0], dtype=np.int64), np.array([1_000.0]), np.array([10.0])
    )
    one = np.array([0], dtype=np.int64)
    schedule_on, schedule_level = np.array([True]), np.array([100.0])
    bank.recompute(one, schedule_on, schedule_level)
    assert bank.power_w[0] == pytest.approx(40.0 * DRIVER_LOSS)
    for t_s, on, level in ((3_600.0, True, 70.0), (10_800.0, False, 0.0)):
        bank.accrue(one, t_s)
        bank.recompute(one, np.array([on]), np.array([level]))
    assert bank.energy_wh(0, 14_400.0) == pytest.approx(1_000.0 + 42.0 + 58.8 + STANDBY_W, abs=1e-9)
    assert bank.hours_h(0, 14_400.0) == pytest.approx(13.0, abs=1e-12)
    assert bank.reading(0, 14_400.0)["energy_wh"] == 1_101.1


@pytest.fixture(scope="module")
def night(small_twin: RegistrySnapshot) -> tuple[list[Reading], dict[str, object]]:
    """A simulated night, 15:00 to 09:00 UTC, no faults."""
    simulation = quiet_simulation(small_twin)
    simulation.run_until((START + timedelta(hours=18)).timestamp())
    simulation.finish()
    return simulation.drain(), simulation.summary()


def test_lights_switch_with_the_sun_and_dim_through_the_night(
    night: tuple[list[Reading], dict[str, object]], small_twin: RegistrySnapshot
) -> None:
    readings, _ = night
    lights = [r for r in readings if ":Streetlight:" in r.asset_id]
    rated = {a.id: float(a.attributes["rated_power_w"]) for a in small_twin.of_type("Streetlight")}

    def at(hour_utc: float) -> list[Reading]:
        t_s = START.timestamp() + (hour_utc - 15.0) * 3600
        return [r for r in lights if t_s - 900 <= r.ts_s < t_s]

    assert all(not r.metrics["on"] for r in at(16.0))  # before sunset (16:04 UTC)
    for hour, level in ((20.5, 100), (22.5, 70), (26.0, 50), (29.0, 80)):
        window = at(hour)
        assert len(window) > 100
        for reading in window:
            assert reading.metrics["on"] and reading.metrics["dim_pct"] == level
            expected = rated[reading.asset_id] * level / 100 * DRIVER_LOSS
            assert reading.metrics["power_w"] == pytest.approx(expected, abs=0.01)
    assert all(not r.metrics["on"] for r in at(33.0))  # after sunrise (07:27 UTC)
    assert all(r.metrics["power_w"] == STANDBY_W for r in at(33.0))


def test_each_counter_advances_by_exactly_power_times_time(
    night: tuple[list[Reading], dict[str, object]],
) -> None:
    """Every change is reported at once, so between two readings of a node its power was
    the one the first reported: the energy difference must be exactly that integral."""
    readings, _ = night
    checked = 0
    for series in by_asset([r for r in readings if ":Streetlight:" in r.asset_id]).values():
        for before, after in itertools.pairwise(series):
            hours = (after.ts_s - before.ts_s) / 3600
            gained = after.metrics["energy_wh"] - before.metrics["energy_wh"]
            # Rounding on the wire: energy to 1 mWh, power to 0.01 W.
            slack = 1.1e-3 + 0.005 * hours
            assert gained == pytest.approx(before.metrics["power_w"] * hours, abs=slack)
            checked += 1
    assert checked > 10_000


def test_cabinet_meters_agree_with_their_luminaires(
    night: tuple[list[Reading], dict[str, object]], small_twin: RegistrySnapshot
) -> None:
    readings, summary = night
    series = by_asset(readings)
    energy = summary["energy_wh"]
    assert isinstance(energy, dict)
    per_asset = energy["by_asset"]
    hours = 18.0
    for cabinet, lights in lights_by_cabinet(quiet_simulation(small_twin).lighting).items():
        lights_wh = sum(per_asset[light] for light in lights)
        assert per_asset[cabinet] == pytest.approx(
            CABLE_LOSS * lights_wh + CABINET_OWN_W * hours, abs=0.01
        )
        for reading in series[cabinet]:
            assert 215 <= reading.metrics["supply_v"] <= 245
        # Phase currents carry the lights' power (as last reported: changes are reported at
        # once) plus losses, at the cabinet's voltage.
        late = next(r for r in series[cabinet] if r.ts_s > START.timestamp() + 6 * 3600)
        lights_w = sum(
            [r for r in series[light] if r.ts_s <= late.ts_s][-1].metrics["power_w"]
            for light in lights
        )
        amps = sum(late.metrics[f"current_l{p}_a"] for p in (1, 2, 3))
        expected_w = CABLE_LOSS * lights_w / POWER_FACTOR + CABINET_OWN_W
        assert amps * late.metrics["supply_v"] == pytest.approx(expected_w, rel=1e-3, abs=1.0)
    assert energy["by_type"]["Streetlight"] == pytest.approx(
        energy["simulated_by_type"]["Streetlight"], rel=1e-6
    )


def test_lights_without_a_cabinet_switch_by_their_municipality_s_sun() -> None:
    """Imported inventories may not say which cabinet feeds a light: it still burns at
    night (by its municipality's sun times) and reports on its own, with no gateway."""
    attributes = {"rated_power_w": 40.0, "installed_year": 2019, "road_name": "Rue A"}
    lights = [
        Asset(
            id=f"urn:ngsi-ld:Streetlight:21231:{n}", type="Streetlight",
            municipality_code="21231", name=f"PL {n}", status="active", lon=5.04, lat=47.32,
            attributes=attributes, geometry=None, created_at=START, updated_at=START,
        )
        for n in (1, 2)
    ]  # fmt: skip
    simulation = quiet_simulation(RegistrySnapshot({"Streetlight": lights}, []))
    simulation.run_until((START + timedelta(hours=6)).timestamp())
    readings = simulation.drain()
    assert {r.gateway for r in readings} == {None}
    assert not readings[0].metrics["on"] and readings[-1].metrics["on"]
