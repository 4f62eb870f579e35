"""Montpellier's signalised intersections (Licence Ouverte / Etalab, Ville de Montpellier; see
montpellier/README.txt) as test inputs, and the files derived from them at test time.

The CSV export gives "0;0" as the position of 4 of its 373 intersections (lines 301, 368,
371, 372) while the GeoJSON export has them; `completed_csv()` writes a copy of the CSV with
those 4 positions taken from the GeoJSON, byte for byte the same otherwise (ISO-8859-1,
semicolons, decimal commas, 4 decimals).

The shapefile is written here rather than shipped: `zipped_shapefile()` reads the GeoJSON
export, writes its points and fields with pyogrio (Lambert-93 .prj, dBase in the encoding
asked, with or without the .cpg that names it) and zips the parts into a sub-folder, as
municipal download portals do.
"""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyogrio.raw
import shapely
from sqlalchemy.engine import Engine

from vigie.core.clock import ManualClock
from vigie.registry.importing import ImportReport, import_file
from vigie.registry.municipalities import Municipality, add_municipality

FOLDER = Path(__file__).parent / "montpellier"
CSV = FOLDER / "VilleMTP_MTP_Signalisation.csv"
GEOJSON = FOLDER / "VilleMTP_MTP_Signalisation.geojson"
MAPPING = FOLDER / "traffic_signals.toml"
ROWS = 373
MONTPELLIER = Municipality("34172", "Montpellier", 3.8767, 43.6108, 56.88, 302_454)
LAMBERT_93 = "EPSG:2154"
#: CSV lines whose POINT_X;POINT_Y are 0;0.
LINES_WITHOUT_POSITION = (301, 368, 371, 372)
#: CSV lines whose POINT_X;POINT_Y (also GeoJSON properties) lag 10-300 m behind the feature's
#: geometry: the points were moved after those columns were computed.
LINES_WITH_STALE_POSITION = (59, 85, 175, 236, 237, 300, 319, 326)


def register_montpellier(engine: Engine) -> None:
    with engine.begin() as conn:
        add_municipality(conn, MONTPELLIER)


def import_montpellier(
    engine: Engine, path: Path, *, crs: str | None = LAMBERT_93, encoding: str | None = None
) -> ImportReport:
    """Import one of the files as TrafficSignalControllers with the Montpellier mapping."""
    return import_file(
        engine,
        path,
        asset_type="TrafficSignalController",
        actor="test:importer",
        crs=crs,
        encoding=encoding,
        mapping=MAPPING,
        clock=ManualClock(datetime(2026, 3, 2, 8, 0, tzinfo=UTC)),
    )


def completed_csv(folder: Path) -> Path:
    """The CSV with its missing positions filled in from the GeoJSON (same row order)."""
    features = json.loads(GEOJSON.read_text(encoding="utf-8"))["features"]
    lines = CSV.read_bytes().decode("iso-8859-1").split("\n")
    for line_number in LINES_WITHOUT_POSITION:
        cells = lines[line_number - 1].split(";")
        feature = features[line_number - 2]
        assert cells[0] == feature["properties"]["CAR_LIEU"] and cells[-2:] == ["0", "0"]
        x, y = feature["geometry"]["coordinates"]
        cells[-2:] = [f"{x:.4f}".replace(".", ","), f"{y:.4f}".replace(".", ",")]
        lines[line_number - 1] = ";".join(cells)
    completed = folder / "VilleMTP_MTP_Signalisation_completed.csv"
    completed.write_bytes("\n".join(lines).encode("iso-8859-1"))
    return completed


def zipped_shapefile(folder: Path, *, encoding: str = "ISO-8859-1", with_cpg: bool = True) -> Path:
    """Montpellier's intersections as `folder`/signalisation.zip holding
    `VilleMTP/VilleMTP_MTP_Signalisation.{shp,shx,dbf,prj[,cpg]}`."""
    features = json.loads(GEOJSON.read_text(encoding="utf-8"))["features"]
    points = shapely.points([f["geometry"]["coordinates"] for f in features])
    names = ["CAR_LIEU", "CAR_ANNEE", "SON_ANNEE", "SON_NIVEAU"]
    columns = [
        np.array(
            [f["properties"][n] for f in features],
            dtype=object if n in ("CAR_LIEU", "SON_NIVEAU") else np.int32,
        )
        for n in names
    ]
    parts = folder / "parts"
    parts.mkdir()
    shp = parts / "VilleMTP_MTP_Signalisation.shp"
    pyogrio.raw.write(
        shp,
        geometry=shapely.to_wkb(points),
        field_data=columns,
        fields=names,
        crs=LAMBERT_93,
        driver="ESRI Shapefile",
        geometry_type="Point",
        encoding=encoding,
    )
    archive = folder / "signalisation.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for part in sorted(parts.iterdir()):
            if part.suffix == ".cpg" and not with_cpg:
                continue
            zipped.write(part, f"VilleMTP/{part.name}")
    return archive
