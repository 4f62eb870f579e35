"""Export the registry's assets as GeoJSON or CSV, page by page, in a form the importer reads
back unchanged (see docs/import.md)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from enum import StrEnum
from typing import Any, TextIO

import msgspec
from sqlalchemy.engine import Connection

from vigie.registry.asset_types import asset_type as type_spec
from vigie.registry.assets import Asset, AssetFilter, query_assets

PAGE_SIZE = 5_000

#: The asset's own fields, before its attributes, in both formats.
CORE_COLUMNS = ("id", "type", "name", "status", "municipality_code")


class ExportFormat(StrEnum):
    GEOJSON = "geojson"
    CSV = "csv"


def _pages(conn: Connection, where: AssetFilter, page_size: int) -> Iterator[list[Asset]]:
    after: str | None = None
    while True:
        page = query_assets(conn, where, after_id=after, limit=page_size)
        if not page:
            return
        yield page
        after = page[-1].id


def export_assets(
    conn: Connection,
    out: TextIO,
    *,
    asset_type: str,
    fmt: ExportFormat | str,
    municipality_codes: Sequence[str] | None = None,
    page_size: int = PAGE_SIZE,
) -> int:
    """Write every asset of `asset_type` (in `municipality_codes` if given) to `out`, in id
    order, reading `page_size` at a time; return how many were written.

    GeoJSON: a FeatureCollection in WGS84 whose properties are the asset's own fields and
    its attributes. CSV: those fields, lon/lat (and a WKT column for line assets), then one
    column per attribute of the type.
    """
    kind = type_spec(asset_type).name
    where = AssetFilter(
        types=(kind,),
        municipality_codes=tuple(municipality_codes) if municipality_codes else None,
    )
    pages = _pages(conn, where, page_size)
    if ExportFormat(fmt) is ExportFormat.GEOJSON:
        return _write_geojson(out, pages)
    return _write_csv(out, kind, pages)


def _feature(asset: Asset) -> dict[str, Any]:
    core = {column: getattr(asset, column) for column in CORE_COLUMNS}
    return {
        "type": "Feature",
        "id": asset.id,
        "geometry": asset.point_or_line(),
        # The asset's own fields win should an attribute ever share their name.
        "properties": core | {k: v for k, v in asset.attributes.items() if k not in core},
    }


def _write_geojson(out: TextIO, pages: Iterable[list[Asset]]) -> int:
    encoder = msgspec.json.Encoder()
    count = 0
    out.write('{"type":"FeatureCollection","features":[')
    for page in pages:
        features = ",\n".join(encoder.encode(_feature(a)).decode() for a in page)
        out.write(("\n" if count == 0 else ",\n") + features)
        count += len(page)
    out.write("\n]}\n")
    return count


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return repr(value)
    return msgspec.json.encode(value).decode()


def _wkt(geometry: dict[str, Any]) -> str:
    # Written by hand so that coordinates keep every digit (shapely rounds by default).
    points = ", ".join(f"{x!r} {y!r}" for x, y, *_ in geometry["coordinates"])
    return f"{geometry['type'].upper()} ({points})"


def _write_csv(out: TextIO, kind: str, pages: Iterable[list[Asset]]) -> int:
    spec = type_spec(kind)
    attributes = [f.name for f in msgspec.structs.fields(spec.attributes)]
    with_wkt = spec.geometry != "Point"
    header = [*CORE_COLUMNS, "lon", "lat", *(["wkt"] if with_wkt else []), *attributes]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    count = 0
    for page in pages:
        for asset in page:
            row = [getattr(asset, column) for column in CORE_COLUMNS]
            row += [_cell(asset.lon), _cell(asset.lat)]
            if with_wkt:
                row.append(_wkt(asset.point_or_line()))
            row += [_cell(asset.attributes.get(name)) for name in attributes]
            writer.writerow(row)
        count += len(page)
        out.write(buffer.getvalue())
        buffer.seek(0)
        buffer.truncate()
    out.write(buffer.getvalue())
    return count
