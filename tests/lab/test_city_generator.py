"""The city generator and `vigie city generate`: the reference city's counts and topology,
where things stand, repeatability, validity of every record, scales, and the command line."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec
import numpy as np
import pytest
import shapely
from pyproj import Geod
from shapely.geometry import shape
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from vigie.cli.main import app
from vigie.core.geodesy import M_PER_DEG_LAT, m_per_deg_lon
from vigie.domains.bollards.assets import BOLLARD
from vigie.domains.lighting.assets import LIGHTING_CLASSES, STREETLIGHT
from vigie.lab.city import (
    GeneratedCity,
    StoreNotEmpty,
    generate_city,
    parse_scale,
    plan_city,
    write_city,
)
from vigie.lab.city.transit import LINES
from vigie.registry.asset_types import ASSET_TYPES
from vigie.registry.assets import Asset, AssetFilter, count_by_type, query_assets
from vigie.registry.batch import validate_batch
from vigie.registry.municipalities import (
    Municipality,
    reference_municipalities,
    seed_reference_municipalities,
)
from vigie.registry.validation import AssetInput
from vigie.store.engine import make_engine
from vigie.store.migrate import upgrade_to_head
from vigie.store.schema import asset_parts, audit_log

SEED = 7
DIJON = "21231"
NOW = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
#: The contract's figures (Dijon Métropole, 2017).
PUBLISHED = {
    "Streetlight": 34_000,
    "TrafficSignalController": 113,
    "Bus": 180,
    "FleetVehicle": 205,
    "Camera": 269,
    "Bollard": 26,
    "Building": 180,
}
_WITH_PARTS = {"StreetlightControlCabinet", "TrafficSignalController", "Building"}


def nearest_m(points: list[Asset], among: list[Asset]) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Distance from each of `points` to the nearest of `among`, in metres."""
    kx = m_per_deg_lon(47.3)
    here = np.array([(p.lon * kx, p.lat * M_PER_DEG_LAT) for p in points])
    there = np.array([(p.lon * kx, p.lat * M_PER_DEG_LAT) for p in among])
    return np.array([np.hypot(*(there - xy).T).min() for xy in here])


@pytest.fixture(scope="module")
def communes() -> list[Municipality]:
    return reference_municipalities()


@pytest.fixture(scope="module")
def city(communes: list[Municipality]) -> GeneratedCity:
    return generate_city(SEED, parse_scale("dijon"), communes)


@pytest.fixture(scope="module")
def store(city: GeneratedCity, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The reference city written once into a SQLite store (the recipe of conftest's
    `sqlite_engine`, shared by this module's tests: 35,000 assets per test would be slow)."""
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('city') / 'vigie.db'}")
    upgrade_to_head(engine)
    with engine.begin() as conn:
        seed_reference_municipalities(conn)
        write_city(conn, city, NOW, "test:generator")
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def stored(store: Engine) -> dict[str, list[Asset]]:
    """Every stored asset with its links (and parts, for the types that have some), by type."""
    with store.connect() as conn:
        return {
            t: query_assets(conn, AssetFilter(types=(t,)), with_parts=t in _WITH_PARTS)
            for t in ASSET_TYPES
        }


def test_the_reference_scale_has_the_contract_figures(
    store: Engine, communes: list[Municipality]
) -> None:
    with store.connect() as conn:
        counts = count_by_type(conn)
    for asset_type, published in PUBLISHED.items():
        assert counts[asset_type] == published, asset_type
    planned = plan_city(1.0, communes).totals()
    assert counts == dict(planned)
    assert 60 <= counts["Streetlight"] / counts["StreetlightControlCabinet"] <= 100
    assert counts["NetworkNode"] > len(communes) + 2
    assert counts["FibreLink"] >= counts["NetworkNode"] - 1


def test_every_streetlight_is_fed_by_a_feeder_of_a_cabinet(stored: dict[str, list[Asset]]) -> None:
    cabinet_of: dict[str, str] = {}
    for cabinet in stored["StreetlightControlCabinet"]:
        feeders = [p for p in cabinet.parts if p.kind == "feeder"]
        assert 2 <= len(feeders) <= 6
        assert cabinet.attributes["feeder_count"] == len(feeders)
        assert cabinet.attributes["supply_kva"] > 0
        cabinet_of.update((feeder.id, cabinet.id) for feeder in feeders)
    lights_on: Counter[str] = Counter()
    for light in stored["Streetlight"]:
        assert [link.relation for link in light.links] == ["fed_by"]
        assert light.links[0].target_id in cabinet_of
        lights_on[light.links[0].target_id] += 1
    assert set(lights_on) == set(cabinet_of), "a feeder feeds no light"
    per_cabinet = Counter(cabinet_of[feeder] for feeder in lights_on.elements())
    assert min(per_cabinet.values()) >= 40 and max(per_cabinet.values()) <= 120


def test_field_devices_and_fibre_links_hang_off_network_nodes(
    stored: dict[str, list[Asset]],
) -> None:
    nodes = {node.id: node for node in stored["NetworkNode"]}
    assert Counter(n.attributes["node_role"] for n in nodes.values())["core"] == 2
    for asset_type in ("TrafficSignalController", "Camera", "Bollard"):
        for device in stored[asset_type]:
            assert [link.relation for link in device.links] == ["connected_to"], device.id
            assert device.links[0].target_id in nodes
    neighbours: dict[str, set[str]] = defaultdict(set)
    for fibre in stored["FibreLink"]:
        assert [link.relation for link in fibre.links] == ["endpoint", "endpoint"]
        a, b = (link.target_id for link in fibre.links)
        assert a != b and a in nodes and b in nodes
        neighbours[a].add(b)
        neighbours[b].add(a)
    # The whole network hangs together: every node is reachable from a core node.
    core = next(n for n in nodes.values() if n.attributes["node_role"] == "core")
    reached, frontier = {core.id}, [core.id]
    while frontier:
        frontier = [n for node in frontier for n in neighbours[node] if n not in reached]
        reached.update(frontier)
    assert reached == set(nodes)


def test_the_fibre_network_measures_140_km(stored: dict[str, list[Asset]]) -> None:
    nodes = {node.id: node for node in stored["NetworkNode"]}
    geod = Geod(ellps="WGS84")
    total_m = 0.0
    for fibre in stored["FibreLink"]:
        assert fibre.geometry is not None and fibre.geometry["type"] == "LineString"
        coordinates = fibre.geometry["coordinates"]
        lons, lats = [c[0] for c in coordinates], [c[1] for c in coordinates]
        measured_m = geod.line_length(lons, lats)
        assert fibre.attributes["length_m"] == pytest.approx(measured_m, rel=0.01)
        # The line runs from one endpoint node to the other (the store keeps links unordered).
        ends = {(nodes[link.target_id].lon, nodes[link.target_id].lat) for link in fibre.links}
        assert {(lons[0], lats[0]), (lons[-1], lats[-1])} == ends
        assert (fibre.lon, fibre.lat) == (lons[0], lats[0])
        total_m += fibre.attributes["length_m"]
    assert total_m == pytest.approx(140_000, rel=0.02)


def test_signalised_intersections_have_groups_detectors_and_bus_priority(
    stored: dict[str, list[Asset]],
) -> None:
    for controller in stored["TrafficSignalController"]:
        assert controller.attributes["bus_priority"] is True
        assert " / " in controller.attributes["intersection_name"]
        groups = {p.name: p.attributes for p in controller.parts if p.kind == "signal_group"}
        detectors = [p.attributes for p in controller.parts if p.kind == "detector"]
        movements = Counter(g["movement"] for g in groups.values())
        assert movements["vehicle"] == 4 and movements["pedestrian"] == 4 and movements["bus"] >= 1
        assert all(
            g["pedestrian_clearance_s"] > 0
            for g in groups.values()
            if g["movement"] == "pedestrian"
        )
        assert {d["signal_group"] for d in detectors} <= set(groups)
        bus_groups = {name for name, g in groups.items() if g["movement"] == "bus"}
        assert bus_groups == {
            d["signal_group"] for d in detectors if d["detector_kind"] == "bus_transponder"
        }


def test_streetlights_follow_the_lighting_class_of_their_road(
    stored: dict[str, list[Asset]],
) -> None:
    lights = stored["Streetlight"]
    classes = Counter(light.attributes["lighting_class"] for light in lights)
    assert set(classes) <= set(LIGHTING_CLASSES)
    assert {"M2", "M3", "M4", "M5", "M6", "P2", "P3", "P4"} <= set(classes)
    assert any(c.startswith("C") for c in classes)
    for light in lights:
        a = light.attributes
        assert a["lamp_technology"] == "LED" and 2018 <= a["installed_year"] <= 2021
        assert a["road_name"].split(" ", 1)[0] in {
            "Rue", "Avenue", "Boulevard", "Allée", "Chemin", "Voie", "Promenade", "Place"
        }  # fmt: skip
        assert 0 < a["rated_power_w"] < a["baseline_power_w"]
        height = a["mounting_height_m"]
        if a["lighting_class"] in ("M2", "M3"):
            assert 10 <= height <= 12
        elif a["lighting_class"] in ("M5", "M6"):
            assert 6 <= height <= 8
        elif a["lighting_class"].startswith("P"):
            assert 4 <= height <= 5
    rated = sum(light.attributes["rated_power_w"] for light in lights)
    baseline = sum(light.attributes["baseline_power_w"] for light in lights)
    assert 0.35 <= rated / baseline <= 0.45


def test_streetlights_stand_25_to_35_m_apart_along_their_street(
    stored: dict[str, list[Asset]],
) -> None:
    """Residential streets are lit on one side: the nearest light of the same street is the
    next pole along it."""
    kx = m_per_deg_lon(47.3)
    streets: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    for light in stored["Streetlight"]:
        if light.attributes["lighting_class"] in ("M5", "M6"):
            key = (light.municipality_code, light.attributes["road_name"])
            streets[key].append((light.lon * kx, light.lat * M_PER_DEG_LAT))
    gaps = []
    for points in streets.values():
        if len(points) > 1:
            xy = np.array(points)
            distance = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
            np.fill_diagonal(distance, np.inf)
            gaps.append(distance.min(axis=1))
    assert 25.0 <= float(np.median(np.concatenate(gaps))) <= 35.0


def test_every_asset_stands_inside_its_municipality(
    stored: dict[str, list[Asset]], communes: list[Municipality]
) -> None:
    # 5e-5 degree is 3.8 m east-west and 5.6 m north-south here.
    boundaries = {m.code: shape(m.boundary).buffer(5e-5) for m in communes}
    by_municipality: dict[str, list[Asset]] = defaultdict(list)
    for assets in stored.values():
        for asset in assets:
            by_municipality[asset.municipality_code].append(asset)
    assert set(by_municipality) <= set(boundaries)
    for code, assets in by_municipality.items():
        inside = shapely.contains_xy(
            boundaries[code], [a.lon for a in assets], [a.lat for a in assets]
        )
        outside = [a.id for a, ok in zip(assets, inside, strict=True) if not ok]
        assert outside == [], f"{len(outside)} assets outside {code}: {outside[:5]}"


def test_dijon_has_most_of_the_lights_and_cameras_and_all_the_bollards(
    stored: dict[str, list[Asset]], communes: list[Municipality]
) -> None:
    lights = Counter(light.municipality_code for light in stored["Streetlight"])
    assert lights.most_common(1)[0][0] == DIJON
    assert lights[DIJON] > 0.55 * sum(lights.values())
    assert set(lights) == {m.code for m in communes}, "every municipality has streetlights"
    cameras = Counter(camera.municipality_code for camera in stored["Camera"])
    assert cameras[DIJON] > 0.75 * sum(cameras.values())
    assert {bollard.municipality_code for bollard in stored["Bollard"]} == {DIJON}
    # The bollards guard the pedestrian centre: pedestrian-class lights stand by each.
    pedestrian = [
        light for light in stored["Streetlight"] if light.attributes["lighting_class"] == "P2"
    ]
    assert nearest_m(stored["Bollard"], pedestrian).max() < 40.0


def test_buildings_have_meters_a_town_hall_each_and_13_renovated(
    stored: dict[str, list[Asset]], communes: list[Municipality]
) -> None:
    buildings = stored["Building"]
    assert sum(1 for b in buildings if b.attributes["renovated"]) == 13
    for building in buildings:
        meters = [p for p in building.parts if p.kind == "meter"]
        assert 1 <= len(meters) <= 3
        assert meters[0].attributes["energy_carrier"] == "electricity"
        assert building.attributes["floor_area_m2"] > 0 and building.attributes["address"]
    town_halls = Counter(
        b.municipality_code for b in buildings if b.attributes["building_use"] == "town_hall"
    )
    assert town_halls == Counter({m.code: 1 for m in communes})
    uses = Counter(b.attributes["building_use"] for b in buildings)
    assert {"school", "gym", "depot", "library"} <= set(uses)
    assert uses.most_common(1)[0][0] == "school"


def test_buses_run_on_main_streets_and_the_fleet_parks_at_depots(
    stored: dict[str, list[Asset]],
) -> None:
    buses = stored["Bus"]
    refs = Counter(bus.attributes["line_ref"] for bus in buses)
    assert set(refs) <= {line.ref for line in LINES}
    assert {f"L{n}" for n in range(1, 8)} <= set(refs)
    assert all(bus.attributes["priority_equipped"] for bus in buses)
    main_street_lights = [
        light
        for light in stored["Streetlight"]
        if light.attributes["lighting_class"] in ("M2", "M3", "M4", "C2", "C3", "C4")
    ]
    assert nearest_m(buses, main_street_lights).max() < 25.0
    vehicles = stored["FleetVehicle"]
    plates = [vehicle.attributes["license_plate"] for vehicle in vehicles]
    assert len(set(plates)) == len(plates)
    depots = [b for b in stored["Building"] if b.attributes["building_use"] == "depot"]
    at_depot = nearest_m(vehicles, depots) < 20.0
    assert 0.5 <= at_depot.mean() <= 0.8


def test_the_same_seed_makes_the_same_city_and_another_seed_another(
    city: GeneratedCity, communes: list[Municipality]
) -> None:
    again = generate_city(SEED, 1.0, communes)
    assert msgspec.json.encode(again.assets) == msgspec.json.encode(city.assets)
    other = generate_city(SEED + 1, 1.0, communes)
    assert other.counts == city.counts
    positions = {(a.lon, a.lat) for a in city.assets}
    moved = [a for a in other.assets if (a.lon, a.lat) not in positions]
    assert len(moved) > 0.95 * len(other.assets)


def _dump(engine: Engine) -> list[tuple[Any, ...]]:
    """The registry tables as stored, byte for byte, leaving out when they were written."""
    with engine.connect() as conn:
        return [
            *conn.execute(
                text(
                    "SELECT id, type, municipality_code, name, status, lon, lat, geometry, "
                    "attributes FROM assets ORDER BY id"
                )
            ),
            *conn.execute(text("SELECT * FROM asset_parts ORDER BY id")),
            *conn.execute(text("SELECT * FROM asset_links ORDER BY asset_id, relation, target_id")),
        ]


def test_a_seed_gives_byte_identical_registry_content(
    tmp_path: Path, communes: list[Municipality]
) -> None:
    dumps = []
    for run in ("first", "second"):
        engine = make_engine(f"sqlite:///{tmp_path / run}.db")
        upgrade_to_head(engine)
        with engine.begin() as conn:
            seed_reference_municipalities(conn)
            write_city(conn, generate_city(3, 0.1, communes), NOW, "test:generator")
        dumps.append(_dump(engine))
        engine.dispose()
    assert len(dumps[0]) > 3_400
    assert dumps[0] == dumps[1]


def test_generated_assets_pass_the_registry_validation(
    city: GeneratedCity, sqlite_engine: Engine
) -> None:
    rows = [
        (
            row,
            AssetInput(
                type=a.type,
                name=a.name,
                municipality_code=a.municipality_code,
                lon=a.lon,
                lat=a.lat,
                geometry=a.geometry,
                id=a.id,
                status=a.status,
                attributes=a.attributes,
                parts=[msgspec.to_builtins(part) for part in a.parts],
                links=[msgspec.to_builtins(link) for link in a.links],
            ),
        )
        for row, a in enumerate(city.assets, start=1)
    ]
    with sqlite_engine.connect() as conn:
        validated = validate_batch(conn, rows)
    assert validated == list(city.assets)


def test_every_scale_keeps_at_least_one_of_each_type(communes: list[Municipality]) -> None:
    assert parse_scale("dijon") == 1.0 == parse_scale("1")
    for wrong in ("0", "-2", "many", "nan"):
        with pytest.raises(ValueError, match="scale"):
            parse_scale(wrong)
    five = plan_city(5, communes)
    for asset_type, published in PUBLISHED.items():
        assert five.totals()[asset_type] == 5 * published
    assert five.renovated_buildings == 65
    tenth = plan_city(0.1, communes)
    assert tenth.totals()[STREETLIGHT] == 3_400
    assert tenth.totals()[BOLLARD] == 3 and tenth.renovated_buildings == 1
    tiny = generate_city(1, 0.005, communes)
    assert tiny.counts == dict(plan_city(0.005, communes).totals())
    assert min(tiny.counts.values()) >= 1
    assert tiny.renovated_buildings == 1


def test_a_small_city_is_written_and_replaced_on_both_stores(
    engine: Engine, communes: list[Municipality]
) -> None:
    first = generate_city(11, 0.05, communes)
    with engine.begin() as conn:
        assert write_city(conn, first, NOW, "test:generator") == {}
    with engine.connect() as conn:
        counts = count_by_type(conn)
    assert counts == first.counts
    assert counts["Building"] == 9 and first.renovated_buildings == 1

    second = generate_city(12, 0.05, communes)
    with pytest.raises(StoreNotEmpty, match="--replace"), engine.begin() as conn:
        write_city(conn, second, NOW, "test:generator")
    with engine.begin() as conn:
        replaced = write_city(conn, second, NOW, "test:generator", replace=True)
    assert replaced == first.counts
    with engine.connect() as conn:
        stored = query_assets(conn, AssetFilter(types=("Camera",)))
        parts = conn.scalar(select(func.count()).select_from(asset_parts))
        audits = conn.execute(
            select(audit_log.c.action, audit_log.c.before, audit_log.c.after).order_by(
                audit_log.c.id
            )
        ).all()
    assert [(c.id, c.lon, c.lat) for c in stored] == sorted(
        (a.id, a.lon, a.lat) for a in second.assets if a.type == "Camera"
    )
    assert parts == sum(len(a.parts) for a in second.assets)
    assert [action for action, _, _ in audits] == ["city.generate", "city.generate"]
    assert audits[0][1] is None and audits[1][1] == {"counts": first.counts}
    assert audits[1][2]["seed"] == 12 and audits[1][2]["counts"] == second.counts


def test_the_command_generates_and_refuses_to_overwrite_without_replace(tmp_path: Path) -> None:
    runner = CliRunner()
    env = {
        "VIGIE_DATABASE_URL": f"sqlite:///{tmp_path / 'vigie.db'}",
        "VIGIE_VAR_DIR": str(tmp_path / "var"),
    }
    command = ["city", "generate", "--scale", "0.05", "--seed", "3"]
    result = runner.invoke(app, command, env=env)
    assert result.exit_code == 0, result.output
    assert "Streetlight" in result.output and "1,700" in result.output
    assert "Fibre length" in result.output

    refused = runner.invoke(app, command, env=env)
    assert refused.exit_code == 1
    assert "already holds" in refused.output and "--replace" in refused.output

    replaced = runner.invoke(app, [*command[:-1], "4", "--replace"], env=env)
    assert replaced.exit_code == 0, replaced.output

    wrong = runner.invoke(app, ["city", "generate", "--scale", "big"], env=env)
    assert wrong.exit_code == 2 and "scale" in wrong.output

    engine = make_engine(env["VIGIE_DATABASE_URL"])
    with engine.connect() as conn:
        counts = count_by_type(conn)
        audits = conn.execute(
            select(audit_log.c.actor, audit_log.c.after)
            .where(audit_log.c.action == "city.generate")
            .order_by(audit_log.c.id)
        ).all()
    engine.dispose()
    assert counts["Streetlight"] == 1_700 and counts["Bollard"] == 1
    assert [after["seed"] for _, after in audits] == [3, 4]
    assert all(actor.startswith("cli") for actor, _ in audits)


def test_the_whole_twin_reads_back_with_its_parts(store: Engine, city: GeneratedCity) -> None:
    """One read of every asset with parts: more ids than SQLite binds in one statement."""
    with store.connect() as conn:
        everything = query_assets(conn, AssetFilter(), with_parts=True)
    assert len(everything) == len(city.assets) > 32_766
    assert sum(len(a.parts) for a in everything) == sum(len(a.parts) for a in city.assets)
