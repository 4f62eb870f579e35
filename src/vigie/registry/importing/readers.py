"""Read GeoJSON, CSV and (zipped) ESRI shapefiles into numbered rows with their source CRS."""

from __future__ import annotations

import glob
import math
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any

import msgspec
import numpy as np
import pyogrio.errors
import pyogrio.raw
import shapely
from shapely.geometry import mapping

from vigie.registry.importing.delimited import read_csv
from vigie.registry.importing.encoding import dbf_text_encoding, decode_text
from vigie.registry.importing.source import Source, SourceError, SourceKind, SourceRecord

_SUFFIXES = {
    ".csv": SourceKind.CSV,
    ".txt": SourceKind.CSV,
    ".geojson": SourceKind.GEOJSON,
    ".json": SourceKind.GEOJSON,
    ".zip": SourceKind.SHAPEFILE,
    ".shp": SourceKind.SHAPEFILE,
}


def source_kind(path: Path) -> SourceKind:
    try:
        return _SUFFIXES[path.suffix.lower()]
    except KeyError:
        known = ", ".join(sorted(_SUFFIXES))
        raise SourceError(
            f"cannot tell the format of {path.name}: expected one of {known}"
        ) from None


def read_source(path: Path, encoding: str | None = None) -> Source:
    """Every row of the file at `path`; the format follows the file name's extension."""
    kind = source_kind(path)
    if not path.is_file():
        raise SourceError(f"{path} is not a file")
    if kind is SourceKind.SHAPEFILE:
        return read_shapefile(path, encoding)
    data = path.read_bytes()
    if kind is SourceKind.CSV:
        return read_csv(data, encoding)
    return read_geojson(data, encoding)


def read_geojson(data: bytes, encoding: str | None = None) -> Source:
    """Features numbered from 1; the (pre-RFC 7946) `crs` member is kept when present."""
    text, used = decode_text(data, encoding)
    try:
        document = msgspec.json.decode(text)
    except msgspec.DecodeError as error:
        raise SourceError(f"not valid JSON: {error}") from None
    if not isinstance(document, dict):
        raise SourceError("not a GeoJSON object")
    if document.get("type") == "FeatureCollection" and isinstance(document.get("features"), list):
        features: list[Any] = document["features"]
    elif document.get("type") == "Feature":
        features = [document]
    else:
        raise SourceError("not a GeoJSON FeatureCollection or Feature")
    columns: dict[str, None] = {}
    records: list[SourceRecord] = []
    for number, feature in enumerate(features, start=1):
        record = _feature_record(number, feature)
        columns.update(dict.fromkeys(record.values))
        records.append(record)
    return Source(
        SourceKind.GEOJSON,
        tuple(columns),
        records,
        declared_crs=_geojson_crs(document.get("crs")),
        encoding=used,
    )


def _feature_record(number: int, feature: Any) -> SourceRecord:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return SourceRecord(number, {}, problem=("", "not a GeoJSON Feature"))
    properties = feature.get("properties") or {}
    if not isinstance(properties, dict):
        return SourceRecord(number, {}, problem=("properties", "properties must be an object"))
    geometry = feature.get("geometry")
    if not isinstance(geometry, dict):
        return SourceRecord(number, properties, problem=("geometry", "the feature has no geometry"))
    return SourceRecord(number, properties, geometry)


def _geojson_crs(member: Any) -> str | None:
    """The CRS named by a GeoJSON 2008 `crs` member (name or EPSG code), if any."""
    if not isinstance(member, dict) or not isinstance(member.get("properties"), dict):
        return None
    properties = member["properties"]
    if member.get("type") == "name" and isinstance(properties.get("name"), str):
        return str(properties["name"])
    if member.get("type") == "EPSG" and properties.get("code") is not None:
        return f"EPSG:{properties['code']}"
    return None


def _shapefile_in(path: Path) -> tuple[str, str | None, bytes | None]:
    """GDAL path of the one shapefile in a zip (or of a plain .shp), the encoding its .cpg
    names if it has one, and its .dbf bytes."""
    if path.suffix.lower() == ".shp":
        sidecar = {p.suffix.lower(): p for p in path.parent.glob(f"{glob.escape(path.stem)}.*")}
        cpg_file, dbf_file = sidecar.get(".cpg"), sidecar.get(".dbf")
        return (
            str(path),
            cpg_file.read_bytes().decode("ascii", errors="replace").strip() if cpg_file else None,
            dbf_file.read_bytes() if dbf_file else None,
        )
    try:
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if not n.startswith("__MACOSX/")]
            shps = [n for n in names if n.lower().endswith(".shp")]
            if len(shps) != 1:
                found = ", ".join(shps) or "none"
                raise SourceError(f"expected one .shp in {path.name}, found {found}")
            stem = str(PurePosixPath(shps[0]).with_suffix("")).lower()
            sidecars = {n.lower(): n for n in names if n.lower().startswith(stem + ".")}
            cpg_name, dbf_name = sidecars.get(f"{stem}.cpg"), sidecars.get(f"{stem}.dbf")
            cpg = (
                archive.read(cpg_name).decode("ascii", errors="replace").strip()
                if cpg_name
                else None
            )
            dbf = archive.read(dbf_name) if dbf_name else None
    except zipfile.BadZipFile:
        raise SourceError(f"{path.name} is not a zip archive") from None
    return f"/vsizip/{path.resolve()}/{shps[0]}", cpg, dbf


def read_shapefile(path: Path, encoding: str | None = None) -> Source:
    """Features numbered from 1 in the order of the .shp; the CRS comes from the .prj."""
    gdal_path, cpg, dbf = _shapefile_in(path)
    if encoding is None and cpg is None and dbf is not None and len(dbf) > 29 and dbf[29] == 0:
        # Neither a .cpg nor the dBase language byte names the encoding: detect it, since
        # GDAL would otherwise read UTF-8 text as ISO-8859-1.
        encoding = dbf_text_encoding(dbf)
    try:
        meta, _fids, wkb, field_data = pyogrio.raw.read(gdal_path, encoding=encoding)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as error:
        raise SourceError(f"cannot read the shapefile: {error}") from None
    names = [str(name) for name in meta["fields"]]
    columns = [_plain_values(values) for values in field_data]
    count = len(wkb) if wkb is not None else len(columns[0]) if columns else 0
    geometries = (
        list(shapely.from_wkb(wkb, on_invalid="ignore")) if wkb is not None else [None] * count
    )
    records = [
        _shape_record(i + 1, {n: c[i] for n, c in zip(names, columns, strict=True)}, geometries[i])
        for i in range(count)
    ]
    return Source(
        SourceKind.SHAPEFILE,
        tuple(names),
        records,
        declared_crs=meta.get("crs"),
        encoding=encoding or cpg or "named by the dBase file",
    )


def _plain_values(values: Any) -> list[Any]:
    """numpy cells as plain Python values; missing numbers (NaN) as None."""
    plain: list[Any] = np.asarray(values).tolist()
    return [None if isinstance(v, float) and math.isnan(v) else v for v in plain]


def _shape_record(number: int, values: dict[str, Any], geometry: Any) -> SourceRecord:
    if geometry is None or shapely.is_empty(geometry):
        return SourceRecord(number, values, problem=("geometry", "no readable geometry"))
    if isinstance(geometry, shapely.Point):
        return SourceRecord(
            number, values, {"type": "Point", "coordinates": [geometry.x, geometry.y]}
        )
    return SourceRecord(number, values, dict(mapping(geometry)))
