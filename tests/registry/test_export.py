"""Export writes what the registry holds, page by page, in files the importer reads back."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from tests.data.montpellier_files import (
    ROWS,
    completed_csv,
    import_montpellier,
    register_montpellier,
)
from vigie.registry.exporting import ExportFormat, export_assets
from vigie.registry.importing import import_file
from vigie.store.schema import assets

DIJON = "21231"
MONTPELLIER = "34172"


def export(
    engine: Engine,
    fmt: ExportFormat,
    asset_type: str = "TrafficSignalController",
    municipalities: list[str] | None = None,
    page_size: int = 5_000,
) -> str:
    out = io.StringIO()
    with engine.connect() as conn:
        export_assets(
            conn,
            out,
            asset_type=asset_type,
            fmt=fmt,
            municipality_codes=municipalities,
            page_size=page_size,
        )
    return out.getvalue()


def forget_assets(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(assets.delete())


def add_dijon_controllers(engine: Engine, folder: Path) -> None:
    text = (
        "name,lon,lat,intersection_name,bus_priority\n"
        "Darcy,5.0333,47.3225,Place Darcy,oui\n"
        "Wilson,5.0437,47.3150,Place Wilson,non\n"
    )
    path = folder / "dijon.csv"
    path.write_text(text, encoding="utf-8")
    import_file(engine, path, asset_type="TrafficSignalController", actor="test:importer")


@pytest.mark.parametrize("fmt", list(ExportFormat))
def test_what_export_writes_imports_back_unchanged(
    engine: Engine, tmp_path: Path, fmt: ExportFormat
) -> None:
    register_montpellier(engine)
    import_montpellier(engine, completed_csv(tmp_path))
    add_dijon_controllers(engine, tmp_path)
    first = export(engine, fmt)
    exported = tmp_path / f"exported.{fmt.value}"
    exported.write_text(first, encoding="utf-8")
    forget_assets(engine)
    report = import_file(
        engine, exported, asset_type="TrafficSignalController", actor="test:importer"
    )
    assert report.imported == ROWS + 2 and report.encoding == "UTF-8"
    assert export(engine, fmt) == first


def test_geojson_features_carry_the_fields_and_attributes_as_properties(
    engine: Engine, tmp_path: Path
) -> None:
    add_dijon_controllers(engine, tmp_path)
    document = json.loads(export(engine, ExportFormat.GEOJSON))
    assert document["type"] == "FeatureCollection"
    darcy = document["features"][0]
    assert darcy == {
        "type": "Feature",
        "id": "urn:ngsi-ld:TrafficSignalController:21231:1",
        "geometry": {"type": "Point", "coordinates": [5.0333, 47.3225]},
        "properties": {
            "id": "urn:ngsi-ld:TrafficSignalController:21231:1",
            "type": "TrafficSignalController",
            "name": "Darcy",
            "status": "active",
            "municipality_code": DIJON,
            "intersection_name": "Place Darcy",
            "control_mode": "fixed_time",
            "bus_priority": True,
            "commissioned_year": None,
            "acoustic_signals": False,
        },
    }


def test_csv_has_lon_lat_and_one_column_per_attribute(engine: Engine, tmp_path: Path) -> None:
    add_dijon_controllers(engine, tmp_path)
    assert export(engine, ExportFormat.CSV).splitlines() == [
        "id,type,name,status,municipality_code,lon,lat,intersection_name,control_mode,"
        "bus_priority,commissioned_year,acoustic_signals",
        "urn:ngsi-ld:TrafficSignalController:21231:1,TrafficSignalController,Darcy,active,21231,"
        "5.0333,47.3225,Place Darcy,fixed_time,true,,false",
        "urn:ngsi-ld:TrafficSignalController:21231:2,TrafficSignalController,Wilson,active,21231,"
        "5.0437,47.315,Place Wilson,fixed_time,false,,false",
    ]


def test_export_keeps_to_the_municipalities_asked_for(engine: Engine, tmp_path: Path) -> None:
    register_montpellier(engine)
    import_montpellier(engine, completed_csv(tmp_path))
    add_dijon_controllers(engine, tmp_path)
    dijon = json.loads(export(engine, ExportFormat.GEOJSON, municipalities=[DIJON]))["features"]
    assert [f["properties"]["name"] for f in dijon] == ["Darcy", "Wilson"]
    montpellier = json.loads(export(engine, ExportFormat.GEOJSON, municipalities=[MONTPELLIER]))
    assert len(montpellier["features"]) == ROWS
    assert {f["properties"]["municipality_code"] for f in montpellier["features"]} == {MONTPELLIER}
    both = export(engine, ExportFormat.CSV, municipalities=[DIJON, MONTPELLIER])
    assert len(both.splitlines()) == 1 + ROWS + 2
    assert json.loads(export(engine, ExportFormat.GEOJSON, asset_type="Camera"))["features"] == []


@pytest.mark.parametrize("fmt", list(ExportFormat))
def test_small_pages_give_the_same_export(
    engine: Engine, tmp_path: Path, fmt: ExportFormat
) -> None:
    register_montpellier(engine)
    import_montpellier(engine, completed_csv(tmp_path))
    assert export(engine, fmt, page_size=7) == export(engine, fmt)


FIBRE = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"name": "Darcy - Wilson", "length_m": 1200.5, "fibre_count": 96},
            "geometry": {
                "type": "LineString",
                "coordinates": [[5.0333, 47.3225], [5.04, 47.319], [5.0437, 47.315]],
            },
        }
    ],
}


@pytest.mark.parametrize("fmt", list(ExportFormat))
def test_lines_round_trip_too(engine: Engine, tmp_path: Path, fmt: ExportFormat) -> None:
    source = tmp_path / "fibre.geojson"
    source.write_text(json.dumps(FIBRE), encoding="utf-8")
    import_file(engine, source, asset_type="FibreLink", actor="test:importer")
    first = export(engine, fmt, asset_type="FibreLink")
    if fmt is ExportFormat.CSV:
        assert "LINESTRING (5.0333 47.3225, 5.04 47.319, 5.0437 47.315)" in first
    exported = tmp_path / f"exported.{fmt.value}"
    exported.write_text(first, encoding="utf-8")
    forget_assets(engine)
    import_file(engine, exported, asset_type="FibreLink", actor="test:importer")
    assert export(engine, fmt, asset_type="FibreLink") == first
