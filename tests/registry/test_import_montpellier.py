"""Importing Montpellier's signalised intersections from its CSV, GeoJSON and shapefile
exports (Lambert-93, ISO-8859-1, decimal commas: a typical French municipal dataset)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from tests.data.montpellier_files import (
    CSV,
    GEOJSON,
    LINES_WITH_STALE_POSITION,
    LINES_WITHOUT_POSITION,
    ROWS,
    completed_csv,
    import_montpellier,
    register_montpellier,
    zipped_shapefile,
)
from vigie.registry.assets import AssetFilter, get_asset, query_assets
from vigie.registry.importing import ImportRefused, SourceError
from vigie.store.schema import audit_log

CONTROLLER = "urn:ngsi-ld:TrafficSignalController:34172:"
ACTOR = "test:importer"  # as import_montpellier writes


def lambert93_to_lonlat(x: float, y: float) -> tuple[float, float]:
    """Lambert-93 to RGF93 longitude/latitude by IGN's inverse conic projection (notes NT/G 71
    algorithms ALG0004 and ALG0001), written out here to check pyproj independently; RGF93
    and WGS84 agree to a few centimetres."""
    e = 0.0818191910428158  # GRS80 first eccentricity
    n, c, xs, ys = 0.7256077650532670, 11754255.4260960, 700000.0, 12655612.0498760
    lon0 = math.radians(3.0)
    r = math.hypot(x - xs, y - ys)
    gamma = math.atan((x - xs) / (ys - y))
    isometric = -math.log(r / c) / n
    lat = 2 * math.atan(math.exp(isometric)) - math.pi / 2
    for _ in range(20):
        s = e * math.sin(lat)
        lat = 2 * math.atan(((1 + s) / (1 - s)) ** (e / 2) * math.exp(isometric)) - math.pi / 2
    return math.degrees(lon0 + gamma / n), math.degrees(lat)


def positions_by_number(engine: Engine) -> dict[int, tuple[float, float]]:
    """Each controller's position by the number in its id (numbers follow the file's order)."""
    with engine.connect() as conn:
        found = query_assets(conn, AssetFilter(types=("TrafficSignalController",)))
    return {int(a.id.removeprefix(CONTROLLER)): (a.lon, a.lat) for a in found}


def test_the_published_csv_is_refused_for_its_four_missing_positions(engine: Engine) -> None:
    register_montpellier(engine)
    with pytest.raises(ImportRefused) as refused:
        import_montpellier(engine, CSV)
    assert refused.value.lines() == [
        f"line {n}: POINT_X/POINT_Y: (0, 0) stands for a missing position"
        for n in LINES_WITHOUT_POSITION
    ]
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(audit_log)) == 0
        assert query_assets(conn, AssetFilter()) == []


def test_the_csv_gives_373_controllers_placed_in_montpellier(
    engine: Engine, tmp_path: Path
) -> None:
    register_montpellier(engine)
    report = import_montpellier(engine, completed_csv(tmp_path))
    assert (report.imported, report.rows, report.written) == (ROWS, ROWS, True)
    assert report.encoding == "ISO-8859-1" and report.by_municipality == {"34172": ROWS}
    with engine.connect() as conn:
        found = query_assets(conn, AssetFilter(types=("TrafficSignalController",)))
    assert len(found) == ROWS
    assert {a.municipality_code for a in found} == {"34172"}
    outside = [
        (a.name, a.lon, a.lat)
        for a in found
        if not (3.80 <= a.lon <= 3.95 and 43.56 <= a.lat <= 43.66)
    ]
    assert outside == []


def test_a_position_matches_its_lambert_93_value_converted_independently(
    engine: Engine, tmp_path: Path
) -> None:
    register_montpellier(engine)
    import_montpellier(engine, completed_csv(tmp_path))
    with engine.connect() as conn:
        first = get_asset(conn, CONTROLLER + "1")
    assert first is not None
    lon, lat = lambert93_to_lonlat(767686.3955, 6279032.6454)  # line 2 of the CSV
    # 1e-7 degree is about a centimetre.
    assert first.lon == pytest.approx(lon, abs=1e-7) and first.lat == pytest.approx(lat, abs=1e-7)


def test_latin_1_names_keep_their_accents_and_attributes_follow_the_mapping(
    engine: Engine, tmp_path: Path
) -> None:
    register_montpellier(engine)
    import_montpellier(engine, completed_csv(tmp_path))
    with engine.connect() as conn:
        first, second, tenth = (get_asset(conn, CONTROLLER + n) for n in ("1", "2", "10"))
        found = query_assets(conn, AssetFilter(types=("TrafficSignalController",)))
    assert first is not None and second is not None and tenth is not None
    assert first.name == "Passage Piéton / Pont De Lavérune"
    assert first.attributes["intersection_name"] == "Passage Piéton / Pont De Lavérune"
    assert first.attributes["commissioned_year"] == 1999
    assert first.attributes["acoustic_signals"] is False  # SON_NIVEAU "Aucun"
    assert second.attributes["acoustic_signals"] is True  # "Tout"
    assert tenth.attributes["commissioned_year"] is None  # CAR_ANNEE 0: year unknown
    # 71 "Partiel", 97 "Tout" and 8 "tout" (matched case-insensitively) have acoustic signals.
    assert sum(a.attributes["acoustic_signals"] for a in found) == 71 + 97 + 8


def test_every_imported_asset_has_its_audit_entry(engine: Engine, tmp_path: Path) -> None:
    register_montpellier(engine)
    import_montpellier(engine, completed_csv(tmp_path))
    with engine.connect() as conn:
        rows = conn.execute(
            select(audit_log.c.action, audit_log.c.entity_id).where(audit_log.c.actor == ACTOR)
        ).all()
    assert len(rows) == ROWS
    assert {action for action, _ in rows} == {"asset.import"}
    assert {entity for _, entity in rows} == {CONTROLLER + str(n) for n in range(1, ROWS + 1)}


def test_the_geojson_gives_the_same_positions_as_the_csv(engine: Engine, tmp_path: Path) -> None:
    register_montpellier(engine)
    import_montpellier(engine, completed_csv(tmp_path))
    report = import_montpellier(engine, GEOJSON)
    assert report.imported == ROWS
    positions = positions_by_number(engine)
    stale = {line - 1 for line in LINES_WITH_STALE_POSITION}  # asset n comes from line n + 1
    for n in range(1, ROWS + 1):
        from_csv, from_geojson = positions[n], positions[n + ROWS]
        if n in stale:
            # The GeoJSON places the feature by its geometry, not by its POINT_X/POINT_Y.
            assert from_geojson != pytest.approx(from_csv, abs=1e-5)
        else:
            # The geometry has more digits than the CSV's tenths of a millimetre.
            assert from_geojson == pytest.approx(from_csv, abs=1e-8)


def test_a_geojson_in_lambert_93_that_does_not_say_so_needs_crs(engine: Engine) -> None:
    register_montpellier(engine)
    with pytest.raises(SourceError, match=r"not longitude/latitude .*feature 1.*--crs EPSG:2154"):
        import_montpellier(engine, GEOJSON, crs=None)


def test_a_zipped_shapefile_gives_the_same_positions_and_names(
    engine: Engine, tmp_path: Path
) -> None:
    register_montpellier(engine)
    import_montpellier(engine, GEOJSON)
    # No --crs: the shapefile's .prj says Lambert-93.
    report = import_montpellier(engine, zipped_shapefile(tmp_path), crs=None)
    assert report.imported == ROWS and report.crs.startswith("EPSG:2154")
    assert report.encoding == "ISO-8859-1"
    positions = positions_by_number(engine)
    for n in range(1, ROWS + 1):
        assert positions[n + ROWS] == pytest.approx(positions[n], abs=1e-9)
    with engine.connect() as conn:
        from_shapefile = get_asset(conn, CONTROLLER + str(ROWS + 1))
    assert from_shapefile is not None
    assert from_shapefile.name == "Passage Piéton / Pont De Lavérune"


def test_a_utf8_shapefile_without_cpg_keeps_its_accents(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    register_montpellier(sqlite_engine)
    archive = zipped_shapefile(tmp_path, encoding="UTF-8", with_cpg=False)
    report = import_montpellier(sqlite_engine, archive, crs=None)
    assert report.encoding == "UTF-8"
    with sqlite_engine.connect() as conn:
        first = get_asset(conn, CONTROLLER + "1")
    assert first is not None and first.name == "Passage Piéton / Pont De Lavérune"


def test_a_wrong_encoding_option_is_refused_before_anything_is_read(sqlite_engine: Engine) -> None:
    register_montpellier(sqlite_engine)
    with pytest.raises(SourceError, match="not valid utf-8"):
        import_montpellier(sqlite_engine, CSV, encoding="utf-8")
    with sqlite_engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(audit_log)) == 0


def test_a_layer_read_in_the_wrong_coordinate_system_is_refused_naming_it(
    engine: Engine, tmp_path: Path
) -> None:
    """Issue #20, finding 9: Lambert-93 coordinates read as Lambert II (EPSG:27572) used to be
    stored in Montpellier at latitudes near 80°, the municipality being given by the mapping."""
    register_montpellier(engine)
    with pytest.raises(ImportRefused) as refused:
        import_montpellier(engine, completed_csv(tmp_path), crs="EPSG:27572")
    lines = refused.value.lines()
    assert len(lines) == ROWS  # every row, by line
    assert "off Montpellier (34172): is the coordinate system right? read as EPSG:27572" in lines[0]
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(audit_log)) == 0  # nothing written
