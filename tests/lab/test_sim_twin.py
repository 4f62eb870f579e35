"""The simulator's view of the registry (a small generated twin, shared by the simulator's
tests through `small_city` and `small_twin`), and the bus lines it derives from it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from vigie.lab.city import generate_city, write_city
from vigie.lab.devices.simulation import Simulation
from vigie.lab.faults.config import FaultConfig
from vigie.registry.asset_types import ASSET_TYPES
from vigie.registry.municipalities import list_municipalities, seed_reference_municipalities
from vigie.registry.snapshot import RegistrySnapshot, load_snapshot
from vigie.store.engine import make_engine
from vigie.store.migrate import upgrade_to_head

CITY_SEED = 7
SCALE = 0.02
#: A Monday in winter: dusk at about 16:40 UTC, dawn at about 06:50 UTC in Dijon.
START = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)


def write_small_city(engine: Engine) -> None:
    """The generated twin at 2% of Dijon Métropole (about 800 assets) into `engine`."""
    with engine.begin() as conn:
        city = generate_city(CITY_SEED, SCALE, list_municipalities(conn))
        write_city(conn, city, START, "test")


def small_city(directory: Path) -> Engine:
    """A migrated SQLite store holding the small twin."""
    engine = make_engine(f"sqlite:///{directory / 'vigie.db'}")
    upgrade_to_head(engine)
    with engine.begin() as conn:
        seed_reference_municipalities(conn)
    write_small_city(engine)
    return engine


_twins: list[RegistrySnapshot] = []


@pytest.fixture(scope="session")
def small_twin(tmp_path_factory: pytest.TempPathFactory) -> RegistrySnapshot:
    """The small twin as the simulator reads it, made once for all the simulator's tests
    (simulations never change it)."""
    if not _twins:
        engine = small_city(tmp_path_factory.mktemp("twin"))
        _twins.append(load_snapshot(engine))
        engine.dispose()
    return _twins[0]


def quiet_simulation(twin: RegistrySnapshot, seed: int = 1, start: datetime = START) -> Simulation:
    """A simulation without faults."""
    return Simulation(twin, seed=seed, start=start, faults=FaultConfig.none())


def test_the_twin_holds_every_type_the_generator_made(small_twin: RegistrySnapshot) -> None:
    for asset_type in ASSET_TYPES:
        assert small_twin.of_type(asset_type), asset_type
    assert small_twin.main_municipality() is not None
    meters = [p for b in small_twin.of_type("Building") for p in b.parts if p.kind == "meter"]
    assert meters


def test_every_bus_line_has_a_route_and_named_stops(small_twin: RegistrySnapshot) -> None:
    simulation = quiet_simulation(small_twin)
    lines = simulation.transit.lines
    refs = {str(b.attributes["line_ref"]) for b in small_twin.of_type("Bus")}
    assert set(lines) == refs
    for line in lines.values():
        assert line.path.length_m >= 1_999.0
        assert len(line.stop_s) >= 3
        assert list(line.stop_s) == sorted(line.stop_s)
        assert line.stop_s[-1] == pytest.approx(line.path.length_m)
        assert all(name and len(name) <= 120 for name in line.stop_names)
        # Named after real streets of the twin (the streetlights' road names).
        roads = {str(a.attributes.get("road_name")) for a in small_twin.of_type("Streetlight")}
        assert any(name.split(" (")[0] in roads for name in line.stop_names)


def test_buses_move_along_their_line_and_stop_with_doors_open(small_twin: RegistrySnapshot) -> None:
    simulation = quiet_simulation(small_twin)
    simulation.run_until(START.timestamp() + 3600)
    readings = [r for r in simulation.drain() if ":Bus:" in r.asset_id]
    by_bus: dict[str, list[dict[str, object]]] = {}
    for reading in readings:
        by_bus.setdefault(reading.asset_id, []).append(reading.metrics)
    for metrics in by_bus.values():
        odometer = [float(str(m["odometer_km"])) for m in metrics]
        assert odometer == sorted(odometer)
        assert odometer[-1] - odometer[0] > 3.0  # an hour in service covers several km
        assert any(m["door_open"] for m in metrics)
        assert any(float(str(m["speed_kmh"])) > 10 for m in metrics)
        assert len({m["next_stop"] for m in metrics}) > 3
