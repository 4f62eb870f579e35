"""Where each row is, in the source's own CRS: cells with numbers, WKT, or a feature geometry.

Decimal commas ("767686,3955") are accepted because French spreadsheets write them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

import shapely
from shapely.geometry import mapping, shape

from vigie.registry.importing.mapping import Mapping
from vigie.registry.importing.source import SourceKind, SourceRecord

Vertices = list[tuple[float, float]]

_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_DECIMAL_COMMA = re.compile(r"^[+-]?\d*,\d+$")


class PositionProblem(ValueError):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


def parse_number(value: Any) -> float | None:
    """A finite number from a typed value or a text cell (decimal comma and digit-group
    spaces allowed), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        text = _SPACES.sub("", value)
        if _DECIMAL_COMMA.match(text):
            text = text.replace(",", ".")
        try:
            number = float(text)
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def record_vertices(
    record: SourceRecord, mapping: Mapping, kind: SourceKind, geometry_type: str
) -> Vertices:
    """The row's position as source-CRS vertices: one for a Point type, the line's for a
    LineString type; raise PositionProblem saying why there is none."""
    vertices, field = _vertices(record, mapping, kind, geometry_type)
    if (0.0, 0.0) in vertices:
        # Exports write 0, 0 where the position is unknown; no French asset lies at the
        # origin of a projection or at 0°E 0°N, so such a row is refused rather than placed
        # in the Gulf of Guinea.
        raise PositionProblem(field, "(0, 0) stands for a missing position")
    return vertices


def _vertices(
    record: SourceRecord, mapping: Mapping, kind: SourceKind, geometry_type: str
) -> tuple[Vertices, str]:
    """The vertices and the field (column names, or "geometry") they come from."""
    if kind is SourceKind.CSV:
        has_xy = mapping.x is not None and mapping.y is not None
        if mapping.geometry is not None and (geometry_type != "Point" or not has_xy):
            cell = record.values.get(mapping.geometry)
            return _wkt_vertices(cell, mapping.geometry, geometry_type), mapping.geometry
        assert mapping.x is not None and mapping.y is not None
        return [_cell_point(record, mapping.x, mapping.y)], f"{mapping.x}/{mapping.y}"
    if record.geometry is None:
        raise PositionProblem("geometry", "the feature has no geometry")
    return geometry_vertices(record.geometry, geometry_type, "geometry"), "geometry"


def _cell_point(record: SourceRecord, x_column: str, y_column: str) -> tuple[float, float]:
    cells = [(c, record.values.get(c)) for c in (x_column, y_column)]
    for column, cell in cells:
        if cell is None or (isinstance(cell, str) and not cell.strip()):
            raise PositionProblem(column, "no coordinate")
    x, y = (parse_number(cell) for _, cell in cells)
    if x is None:
        raise PositionProblem(x_column, f"{cells[0][1]!r} is not a number")
    if y is None:
        raise PositionProblem(y_column, f"{cells[1][1]!r} is not a number")
    return x, y


def _wkt_vertices(cell: Any, column: str, geometry_type: str) -> Vertices:
    if not isinstance(cell, str) or not cell.strip():
        raise PositionProblem(column, "no geometry")
    try:
        geometry = shapely.from_wkt(cell.strip())
    except shapely.errors.ShapelyError as error:
        raise PositionProblem(column, f"not WKT: {error}") from None
    if geometry is None or geometry.is_empty:
        raise PositionProblem(column, "empty geometry")
    return geometry_vertices(dict(mapping(geometry)), geometry_type, column)


def geometry_vertices(geometry: dict[str, Any], geometry_type: str, field: str) -> Vertices:
    """Vertices of a GeoJSON-shaped geometry for an asset located by `geometry_type`.

    A point asset given as a polygon (a building's footprint) is placed at its centroid; a
    multi-geometry with a single member is that member.
    """
    kind = geometry.get("type")
    coordinates = geometry.get("coordinates")
    if kind in ("MultiPoint", "MultiLineString") and isinstance(coordinates, list | tuple):
        if len(coordinates) != 1:
            raise PositionProblem(
                field, f"a {kind} of {len(coordinates)} members is not one {geometry_type}"
            )
        kind, coordinates = kind.removeprefix("Multi"), coordinates[0]
    if geometry_type == "Point" and kind == "Point":
        return [_vertex(coordinates, field)]
    if geometry_type == "Point" and kind in ("Polygon", "MultiPolygon"):
        try:
            centroid = shape(geometry).centroid
        except (ValueError, TypeError, AttributeError, shapely.errors.ShapelyError):
            raise PositionProblem(field, f"unreadable {kind}") from None
        if centroid.is_empty:
            raise PositionProblem(field, f"empty {kind}")
        return [(centroid.x, centroid.y)]
    if geometry_type == "LineString" and kind == "LineString":
        if not isinstance(coordinates, list | tuple) or len(coordinates) < 2:
            raise PositionProblem(field, "a LineString needs at least two points")
        return [_vertex(point, field) for point in coordinates]
    raise PositionProblem(field, f"a {kind} where this asset type needs a {geometry_type}")


def _vertex(point: Any, field: str) -> tuple[float, float]:
    if not isinstance(point, Sequence) or isinstance(point, str) or len(point) < 2:
        raise PositionProblem(field, f"{point!r} is not a coordinate pair")
    x, y = parse_number(point[0]), parse_number(point[1])
    if x is None or y is None or isinstance(point[0], str) or isinstance(point[1], str):
        raise PositionProblem(field, f"{list(point[:2])!r} are not two numbers")
    return x, y
