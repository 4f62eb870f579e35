"""Reading what municipalities export: delimiters, dBase headers, decimal commas, encodings,
physical line numbers, GeoJSON CRS members and geometries, municipalities found by position."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import msgspec
import pytest
from sqlalchemy.engine import Engine

from vigie.registry.assets import AssetFilter, query_assets
from vigie.registry.importing import ImportRefused, ImportReport, SourceError, import_file
from vigie.registry.importing.delimited import column_names, read_csv, sniff_delimiter
from vigie.registry.importing.encoding import decode_text
from vigie.registry.importing.positions import parse_number

DIJON, TALANT = "21231", "21617"
SIGNALS_MAPPING = 'name = "{nom}"\nx = "x"\ny = "y"\n[attributes]\nintersection_name = "nom"\n'


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def import_signals(
    engine: Engine, path: Path, mapping: str | None = SIGNALS_MAPPING, **options: Any
) -> ImportReport:
    mapping_file = write(path.parent, "mapping.toml", mapping) if mapping is not None else None
    return import_file(
        engine,
        path,
        asset_type="TrafficSignalController",
        actor="test:importer",
        mapping=mapping_file,
        **options,
    )


def stored(engine: Engine) -> list[tuple[str, str, float, float]]:
    with engine.connect() as conn:
        found = query_assets(conn, AssetFilter())
    return sorted((a.name, a.municipality_code, a.lon, a.lat) for a in found)


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("nom;x;y\nA, B;4,5;47,3\n", ";"),
        ('nom,x,y\n"A; B",4.5,47.3\n', ","),
        ("nom\tx\ty\nA\t4.5\t47.3\n", "\t"),
        ("CAR_LIEU,C,254;POINT_X,N,19,8\nA;767686,3955\n", ";"),
    ],
)
def test_the_delimiter_is_the_one_that_splits_rows_like_the_header(
    text: str, delimiter: str
) -> None:
    assert sniff_delimiter(text) == delimiter


def test_dbase_style_headers_keep_the_column_name_only() -> None:
    assert column_names(["CAR_LIEU,C,254", "CAR_ANNEE,N,4,0", "POINT_X,N,19,8", "VU,D"]) == [
        "CAR_LIEU",
        "CAR_ANNEE",
        "POINT_X",
        "VU",
    ]
    # Unless every cell has that shape, a comma is part of the name.
    assert column_names(["nom", "x,N,19,8"]) == ["nom", "x,N,19,8"]


@pytest.mark.parametrize(
    ("cell", "number"),
    [
        ("767686,3955", 767686.3955),
        ("6279032.6454", 6279032.6454),
        (" 6 279 032,6 ", 6279032.6),
        ("-0,5", -0.5),
        (12, 12.0),
    ],
)
def test_numbers_may_use_a_decimal_comma(cell: Any, number: float) -> None:
    assert parse_number(cell) == number


@pytest.mark.parametrize("cell", ["abc", "1,234,567", "nan", "inf", "", True, None])
def test_what_is_not_a_finite_number_is_none(cell: Any) -> None:
    assert parse_number(cell) is None


@pytest.mark.parametrize(
    ("data", "text", "encoding"),
    [
        ("Piéton".encode(), "Piéton", "UTF-8"),
        (b"\xef\xbb\xbfPi\xc3\xa9ton", "Piéton", "UTF-8"),
        (b"Pi\xe9ton", "Piéton", "ISO-8859-1"),
        (b"l\x92\xe9cole \x80", "l’école €", "cp1252"),
    ],
)
def test_encodings_are_detected(data: bytes, text: str, encoding: str) -> None:
    assert decode_text(data) == (text, encoding)


def test_a_given_encoding_wins_over_detection() -> None:
    assert decode_text("Piéton".encode(), "iso-8859-1") == ("PiÃ©ton", "iso-8859-1")
    with pytest.raises(SourceError, match="unknown encoding 'latin-9000'"):
        decode_text(b"x", "latin-9000")


def test_rows_are_numbered_by_the_physical_line_they_start_on() -> None:
    text = 'nom;x;y\n\n"Place\nde la Libération";5,04;47,32\nDarcy;5,03;47,32\n'
    source = read_csv(text.encode("utf-8"))
    assert [(r.row, r.values["nom"]) for r in source.records] == [
        (3, "Place\nde la Libération"),
        (5, "Darcy"),
    ]


def test_a_bad_row_after_a_multi_line_cell_is_reported_at_its_physical_line(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    text = 'nom;x;y\n"Place\nde la Libération";5,04;47,32\nDarcy;5,03;north\n'
    with pytest.raises(ImportRefused) as refused:
        import_signals(sqlite_engine, write(tmp_path, "signals.csv", text))
    assert refused.value.lines() == ["line 4: y: 'north' is not a number"]


def test_a_row_with_too_many_cells_is_refused(sqlite_engine: Engine, tmp_path: Path) -> None:
    text = "nom;x;y\nPlace Darcy;5,03;47,32\nRue A; rue B;5,03;47,32\n"
    with pytest.raises(ImportRefused) as refused:
        import_signals(sqlite_engine, write(tmp_path, "signals.csv", text))
    assert refused.value.lines() == ["line 3: 4 cells where the header has 3 columns"]


def test_lon_lat_csv_needs_no_crs_and_municipalities_come_from_the_position(
    engine: Engine, tmp_path: Path
) -> None:
    text = "nom,x,y\nPlace Darcy,5.0333,47.3225\nTalant centre,5.0030,47.3370\n"
    report = import_signals(engine, write(tmp_path, "signals.csv", text))
    assert report.crs == "EPSG:4326 (coordinates look like longitude/latitude)"
    assert report.by_municipality == {DIJON: 1, TALANT: 1}
    assert [(name, code) for name, code, _, _ in stored(engine)] == [
        ("Place Darcy", DIJON),
        ("Talant centre", TALANT),
    ]


def test_a_point_in_no_registered_municipality_is_refused(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    text = "nom,x,y\nPlace Darcy,5.0333,47.3225\nNotre-Dame de Paris,2.3499,48.8530\n"
    with pytest.raises(ImportRefused) as refused:
        import_signals(sqlite_engine, write(tmp_path, "signals.csv", text))
    assert refused.value.lines() == [
        "line 3: municipality_code: no registered municipality at (2.34990, 48.85300): map "
        "municipality_code, give --municipality, or register it with `vigie municipalities add`"
    ]


def test_the_municipality_option_wins_over_the_position(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    text = "nom,x,y\nTalant centre,5.0030,47.3370\n"
    import_signals(sqlite_engine, write(tmp_path, "signals.csv", text), municipality_code=DIJON)
    assert [code for _, code, _, _ in stored(sqlite_engine)] == [DIJON]


def test_a_projected_crs_for_longitudes_and_latitudes_is_refused(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    text = "nom,x,y\nPlace Darcy,5.0333,47.3225\n"
    with pytest.raises(SourceError, match=r"EPSG:2154 \(given with --crs\) is a projected CRS"):
        import_signals(sqlite_engine, write(tmp_path, "signals.csv", text), crs="EPSG:2154")


def test_an_unknown_crs_is_refused(sqlite_engine: Engine, tmp_path: Path) -> None:
    text = "nom,x,y\nPlace Darcy,5.0333,47.3225\n"
    with pytest.raises(SourceError, match="unknown CRS 'EPSG:99999'"):
        import_signals(sqlite_engine, write(tmp_path, "signals.csv", text), crs="EPSG:99999")


def feature_collection(*features: dict[str, Any], crs: str | None = None) -> str:
    document: dict[str, Any] = {"type": "FeatureCollection", "features": list(features)}
    if crs is not None:
        document["crs"] = {"type": "name", "properties": {"name": crs}}
    return msgspec.json.encode(document).decode()


def feature(name: str, geometry: dict[str, Any] | None) -> dict[str, Any]:
    return {"type": "Feature", "properties": {"nom": name}, "geometry": geometry}


def test_a_geojson_crs_member_is_used_and_crs_overrides_it(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    # Place Darcy, Dijon, in Lambert-93.
    darcy = feature("Place Darcy", {"type": "Point", "coordinates": [853564.0, 6693330.0]})
    path = write(
        tmp_path, "l93.geojson", feature_collection(darcy, crs="urn:ogc:def:crs:EPSG::2154")
    )
    report = import_signals(sqlite_engine, path)
    assert report.crs == "EPSG:2154 (declared by the file)"
    ((_, code, lon, lat),) = stored(sqlite_engine)
    assert code == DIJON and 5.02 < lon < 5.05 and 47.31 < lat < 47.33
    # Lambert zone CC47 puts the same numbers in the Atlantic, out of every municipality.
    with pytest.raises(ImportRefused, match="1 of 1 features refused"):
        import_signals(sqlite_engine, path, crs="EPSG:3947")


def test_geojson_features_are_numbered_from_one(sqlite_engine: Engine, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "signals.geojson",
        feature_collection(
            feature("Place Darcy", {"type": "Point", "coordinates": [5.0333, 47.3225]}),
            feature("Nowhere", None),
            feature(
                "A street", {"type": "LineString", "coordinates": [[5.03, 47.32], [5.04, 47.32]]}
            ),
            feature("Bad numbers", {"type": "Point", "coordinates": ["5,03", 47.32]}),
        ),
    )
    with pytest.raises(ImportRefused) as refused:
        import_signals(sqlite_engine, path)
    assert refused.value.lines() == [
        "feature 2: geometry: the feature has no geometry",
        "feature 3: geometry: a LineString where this asset type needs a Point",
        "feature 4: geometry: ['5,03', 47.32] are not two numbers",
    ]


def test_a_building_footprint_is_placed_at_its_centroid(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    square = [[[5.030, 47.320], [5.032, 47.320], [5.032, 47.322], [5.030, 47.322], [5.030, 47.320]]]
    school = {
        "type": "Feature",
        "properties": {"name": "École Darcy", "building_use": "school", "floor_area_m2": "1 250,5"},
        "geometry": {"type": "Polygon", "coordinates": square},
    }
    path = write(tmp_path, "buildings.geojson", feature_collection(school))
    import_file(sqlite_engine, path, asset_type="Building", actor="test:importer")
    with sqlite_engine.connect() as conn:
        (building,) = query_assets(conn, AssetFilter(types=("Building",)))
    assert (building.lon, building.lat) == pytest.approx((5.031, 47.321))
    assert building.attributes["floor_area_m2"] == 1250.5 and building.municipality_code == DIJON


def test_without_a_mapping_names_are_required(sqlite_engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path, "signals.csv", "nom,lon,lat\nPlace Darcy,5.0333,47.3225\n")
    with pytest.raises(SourceError, match="nothing gives the asset names: map `name`"):
        import_signals(sqlite_engine, path, mapping=None)


def test_an_unknown_file_extension_is_refused(sqlite_engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"cannot tell the format of signals\.xlsx"):
        import_signals(sqlite_engine, write(tmp_path, "signals.xlsx", b"PK"))


def test_a_zip_must_hold_exactly_one_shapefile(sqlite_engine: Engine, tmp_path: Path) -> None:
    archive = tmp_path / "two.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("a/lights.shp", b"")
        zipped.writestr("b/cabinets.shp", b"")
    with pytest.raises(
        SourceError, match=r"expected one \.shp in two\.zip, found a/lights\.shp, b/cabinets\.shp"
    ):
        import_signals(sqlite_engine, archive)
    with pytest.raises(SourceError, match=r"not\.a\.zip is not a zip archive"):
        import_signals(sqlite_engine, write(tmp_path, "not.a.zip", b"PK? no"))
