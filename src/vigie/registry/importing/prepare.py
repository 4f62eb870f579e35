"""Turn a source's rows into asset inputs: mapped fields, WGS84 positions, municipalities.

Rows that cannot become an input (no position, a value the mapping does not know, no
municipality) are reported as RowProblems, the same shape validation uses.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry import shape

from vigie.core.geodesy import M_PER_DEG_LAT, distance_m
from vigie.registry.asset_types import ASSET_TYPES
from vigie.registry.batch import RowProblem
from vigie.registry.ids import asset_urn
from vigie.registry.importing.convert import RowConverter, RowFields
from vigie.registry.importing.locate import municipalities_at
from vigie.registry.importing.mapping import Mapping
from vigie.registry.importing.positions import PositionProblem, Vertices, record_vertices
from vigie.registry.importing.reproject import choose_crs, to_wgs84
from vigie.registry.importing.source import Source
from vigie.registry.lifecycle import LifecycleStatus
from vigie.registry.municipalities import Municipality
from vigie.registry.validation import AssetInput

#: How far past its boundary an asset may stand; without a boundary, a municipality is taken
#: as twice the radius of a disc of its area plus a margin (communes are not discs): the
#: check is there for gross errors, a layer read in the wrong coordinate system.
BOUNDARY_MARGIN_KM = 2.0
CENTRE_MARGIN_KM = 10.0


@dataclass
class Prepared:
    rows: list[tuple[int, AssetInput]] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    crs: str = ""


@dataclass(slots=True)
class _Pending:
    row: int
    fields: RowFields
    vertices: Vertices


def prepare_rows(
    source: Source,
    mapping: Mapping,
    asset_type: str,
    *,
    crs: str | None,
    municipality_code: str | None,
    municipalities: Sequence[Municipality],
) -> Prepared:
    """Inputs for every row that could be read, and the problems of those that could not.

    `crs` overrides the file's own; `municipality_code` overrides the mapping's; rows with
    no municipality get the one their position lies in.
    """
    geometry_type = ASSET_TYPES[asset_type].geometry
    prepared = Prepared()
    pending = _read_rows(source, mapping, asset_type, geometry_type, prepared.problems)
    located = _to_wgs84(source, crs, pending, prepared)
    _place(located, municipality_code, municipalities)
    located = _on_territory(located, municipalities, prepared)
    for item, coords in located:
        built = _asset_input(asset_type, geometry_type, item, coords)
        if isinstance(built, RowProblem):
            prepared.problems.append(built)
        else:
            prepared.rows.append((item.row, built))
    prepared.problems.sort(key=lambda p: p.row)
    return prepared


def _read_rows(
    source: Source,
    mapping: Mapping,
    asset_type: str,
    geometry_type: str,
    problems: list[RowProblem],
) -> list[_Pending]:
    """Mapped fields and source-CRS vertices of every row; the problems of the others."""
    converter = RowConverter(mapping, asset_type)
    pending: list[_Pending] = []
    for record in source.records:
        if record.problem is not None:
            problems.append(RowProblem(record.row, *record.problem))
            continue
        fields = converter.convert(record.values)
        found = [RowProblem(record.row, f, reason) for f, reason in fields.problems]
        try:
            vertices = record_vertices(record, mapping, source.kind, geometry_type)
        except PositionProblem as problem:
            found.append(RowProblem(record.row, problem.field, problem.reason))
            vertices = []
        if found:
            problems += found
        else:
            pending.append(_Pending(record.row, fields, vertices))
    return pending


def _to_wgs84(
    source: Source, crs: str | None, pending: list[_Pending], prepared: Prepared
) -> list[tuple[_Pending, list[list[float]]]]:
    """Every row's vertices in WGS84, reprojected all at once (one pyproj call, not one per
    row); records the CRS chosen, and refuses rows that cannot be reprojected."""
    xs = np.fromiter((x for p in pending for x, _ in p.vertices), dtype=np.float64)
    ys = np.fromiter((y for p in pending for _, y in p.vertices), dtype=np.float64)
    vertex_rows = [p.row for p in pending for _ in p.vertices]
    source_crs, prepared.crs = choose_crs(
        crs, source.declared_crs, xs, ys, vertex_rows, source.kind.row_label
    )
    lons, lats = to_wgs84(source_crs, xs, ys)
    finite = np.isfinite(lons) & np.isfinite(lats)
    starts = np.cumsum([0] + [len(p.vertices) for p in pending])
    located: list[tuple[_Pending, list[list[float]]]] = []
    for index, item in enumerate(pending):
        span = slice(int(starts[index]), int(starts[index + 1]))
        if not finite[span].all():
            reason = f"cannot be converted from {source_crs.to_string()} to WGS84"
            prepared.problems.append(RowProblem(item.row, "position", reason))
            continue
        coords = [[float(lo), float(la)] for lo, la in zip(lons[span], lats[span], strict=True)]
        located.append((item, coords))
    return located


def _place(
    located: list[tuple[_Pending, list[list[float]]]],
    municipality_code: str | None,
    municipalities: Sequence[Municipality],
) -> None:
    """Give each row its municipality: the one imposed, else the mapping's, else the one
    its (first) point lies in."""
    if municipality_code is not None:
        for item, _ in located:
            item.fields.municipality_code = municipality_code
    unplaced = [(item, coords) for item, coords in located if item.fields.municipality_code is None]
    if not unplaced:
        return
    codes = municipalities_at(
        municipalities,
        np.array([coords[0][0] for _, coords in unplaced]),
        np.array([coords[0][1] for _, coords in unplaced]),
    )
    for (item, _), code in zip(unplaced, codes, strict=True):
        item.fields.municipality_code = code


def _on_territory(
    located: list[tuple[_Pending, list[list[float]]]],
    municipalities: Sequence[Municipality],
    prepared: Prepared,
) -> list[tuple[_Pending, list[list[float]]]]:
    """The rows whose every vertex lies on their municipality's territory (its boundary, with
    a margin, or a disc of its area around its centre); the others are refused, naming the
    likely cause: a layer read in the wrong coordinate system lands far away (a Lambert-93
    layer read as Lambert II lands near the pole), and nothing else would say so."""
    by_code = {m.code: m for m in municipalities}
    kept: list[tuple[_Pending, list[list[float]]]] = []
    for item, coords in located:
        municipality = by_code.get(item.fields.municipality_code or "")
        if municipality is None:
            kept.append((item, coords))  # refused later, for want of a municipality
            continue
        away_km = max(_km_off_territory(municipality, lon, lat) for lon, lat in coords)
        if away_km <= 0:
            kept.append((item, coords))
            continue
        lon, lat = coords[0]
        prepared.problems.append(
            RowProblem(
                item.row,
                "position",
                f"({lon:.5f}, {lat:.5f}) lies {away_km:,.0f} km off {municipality.name} "
                f"({municipality.code}): is the coordinate system right? read as {prepared.crs}",
            )
        )
    return kept


def _km_off_territory(municipality: Municipality, lon: float, lat: float) -> float:
    """How far (km) past its territory's margin a point lies; 0 or less when on it."""
    if municipality.boundary:
        degrees = shapely.distance(shape(municipality.boundary), shapely.Point(lon, lat))
        return float(degrees) * M_PER_DEG_LAT / 1000 - BOUNDARY_MARGIN_KM
    radius_km = 2 * math.sqrt(max(municipality.area_km2, 0.0) / math.pi) + CENTRE_MARGIN_KM
    return distance_m(municipality.lon, municipality.lat, lon, lat) / 1000 - radius_km


def _asset_input(
    asset_type: str, geometry_type: str, item: _Pending, coords: list[list[float]]
) -> AssetInput | RowProblem:
    fields = item.fields
    code = fields.municipality_code
    if code is None:
        lon, lat = coords[0]
        return RowProblem(
            item.row,
            "municipality_code",
            f"no registered municipality at ({lon:.5f}, {lat:.5f}): map municipality_code, "
            "give --municipality, or register it with `vigie municipalities add`",
        )
    local = fields.local_id
    asset_id = (
        None
        if local is None
        else local
        if local.startswith("urn:")
        else asset_urn(asset_type, code, local)
    )
    is_point = geometry_type == "Point"
    return AssetInput(
        type=asset_type,
        name=fields.name,
        municipality_code=code,
        id=asset_id,
        status=fields.status or LifecycleStatus.ACTIVE.value,
        attributes=fields.attributes,
        lon=coords[0][0] if is_point else None,
        lat=coords[0][1] if is_point else None,
        geometry=None if is_point else {"type": "LineString", "coordinates": coords},
    )
