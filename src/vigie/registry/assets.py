"""Asset records as the registry holds them, and the store queries that read and write them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import Select, func, select
from sqlalchemy.engine import Connection

from vigie.registry.spatial import Bbox, Near, has_postgis_points, within_box, within_radius
from vigie.store.schema import asset_links, asset_parts, assets

_INSERT_CHUNK = 2_000
_ID_CHUNK = 30_000


class Part(msgspec.Struct, frozen=True):
    id: str
    kind: str
    name: str
    attributes: dict[str, Any]


class Link(msgspec.Struct, frozen=True):
    relation: str
    target_id: str


class NewAsset(msgspec.Struct, frozen=True, kw_only=True):
    """A validated asset ready to be written (see vigie.registry.validation)."""

    id: str
    type: str
    municipality_code: str
    name: str
    status: str
    lon: float
    lat: float
    attributes: dict[str, Any]
    geometry: dict[str, Any] | None = None
    parts: tuple[Part, ...] = ()
    links: tuple[Link, ...] = ()


class Asset(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    type: str
    municipality_code: str
    name: str
    status: str
    lon: float
    lat: float
    attributes: dict[str, Any]
    geometry: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime
    links: tuple[Link, ...] = ()
    parts: tuple[Part, ...] = ()

    def point_or_line(self) -> dict[str, Any]:
        """GeoJSON geometry: the stored line, else the point."""
        return self.geometry or {"type": "Point", "coordinates": [self.lon, self.lat]}


class AssetFilter(msgspec.Struct, frozen=True, kw_only=True):
    """Which assets a query returns; `None` means no restriction on that field."""

    types: tuple[str, ...] | None = None
    municipality_codes: tuple[str, ...] | None = None
    statuses: tuple[str, ...] | None = None
    bbox: Bbox | None = None
    near: Near | None = None


def insert_assets(conn: Connection, new_assets: Sequence[NewAsset], now: datetime) -> None:
    """Write validated assets with their parts and links, in chunks, inside the caller's
    transaction (so an import is all or nothing)."""
    for start in range(0, len(new_assets), _INSERT_CHUNK):
        chunk = new_assets[start : start + _INSERT_CHUNK]
        conn.execute(
            assets.insert(),
            [
                {
                    "id": a.id,
                    "type": a.type,
                    "municipality_code": a.municipality_code,
                    "name": a.name,
                    "status": a.status,
                    "lon": a.lon,
                    "lat": a.lat,
                    "geometry": a.geometry,
                    "attributes": a.attributes,
                    "created_at": now,
                    "updated_at": now,
                }
                for a in chunk
            ],
        )
        part_rows = [
            {
                "id": p.id,
                "asset_id": a.id,
                "kind": p.kind,
                "name": p.name,
                "attributes": p.attributes,
            }
            for a in chunk
            for p in a.parts
        ]
        if part_rows:
            conn.execute(asset_parts.insert(), part_rows)
        link_rows = [
            {"asset_id": a.id, "relation": link.relation, "target_id": link.target_id}
            for a in chunk
            for link in a.links
        ]
        if link_rows:
            conn.execute(asset_links.insert(), link_rows)


def _where(query: Select[Any], where: AssetFilter, postgis: bool) -> Select[Any]:
    c = assets.c
    if where.types is not None:
        query = query.where(c.type.in_(where.types))
    if where.municipality_codes is not None:
        query = query.where(c.municipality_code.in_(where.municipality_codes))
    if where.statuses is not None:
        query = query.where(c.status.in_(where.statuses))
    if where.bbox is not None:
        query = query.where(within_box(where.bbox, postgis, "bbox"))
    if where.near is not None:
        query = query.where(within_box(where.near.bbox(), postgis, "nearbox"))
        query = query.where(within_radius(where.near, postgis))
    return query


def _links_of(conn: Connection, asset_ids: Select[Any] | Sequence[str]) -> dict[str, list[Link]]:
    """Links of the given assets; `asset_ids` is a list or a subquery selecting ids."""
    found: dict[str, list[Link]] = defaultdict(list)
    rows = conn.execute(
        select(asset_links.c.asset_id, asset_links.c.relation, asset_links.c.target_id)
        .where(asset_links.c.asset_id.in_(asset_ids))
        .order_by(asset_links.c.asset_id, asset_links.c.relation, asset_links.c.target_id)
    ).all()
    for asset_id, relation, target_id in rows:
        found[asset_id].append(Link(relation, target_id))
    return found


def _parts_of(conn: Connection, asset_ids: Sequence[str]) -> dict[str, list[Part]]:
    found: dict[str, list[Part]] = defaultdict(list)
    # Chunked: SQLite refuses statements with more than 32,766 bound values.
    for start in range(0, len(asset_ids), _ID_CHUNK):
        rows = conn.execute(
            select(asset_parts)
            .where(asset_parts.c.asset_id.in_(asset_ids[start : start + _ID_CHUNK]))
            .order_by(asset_parts.c.id)
        )
        for row in rows:
            found[row.asset_id].append(Part(row.id, row.kind, row.name, row.attributes))
    return found


_ASSET_COLUMNS = (
    assets.c.id,
    assets.c.type,
    assets.c.municipality_code,
    assets.c.name,
    assets.c.status,
    assets.c.lon,
    assets.c.lat,
    assets.c.attributes,
    assets.c.geometry,
    assets.c.created_at,
    assets.c.updated_at,
)


def _select_assets(
    conn: Connection, query: Select[Any], id_query: Select[Any] | None, *, with_parts: bool
) -> list[Asset]:
    """Run `query` (selecting _ASSET_COLUMNS) and attach links (and parts) to each asset;
    `id_query` selects the same ids, so a page's links come in one query however long it is."""
    rows = conn.execute(query).all()
    if not rows:
        return []
    ids = [row[0] for row in rows]
    links = _links_of(conn, id_query if id_query is not None else ids)
    parts = _parts_of(conn, ids) if with_parts else {}
    return [
        Asset(
            id=asset_id,
            type=asset_type,
            municipality_code=municipality_code,
            name=name,
            status=status,
            lon=lon,
            lat=lat,
            attributes=attributes,
            geometry=geometry,
            created_at=created_at,
            updated_at=updated_at,
            links=tuple(links.get(asset_id, ())),
            parts=tuple(parts.get(asset_id, ())),
        )
        for (
            asset_id,
            asset_type,
            municipality_code,
            name,
            status,
            lon,
            lat,
            attributes,
            geometry,
            created_at,
            updated_at,
        ) in rows
    ]


def query_assets(
    conn: Connection,
    where: AssetFilter,
    *,
    after_id: str | None = None,
    limit: int | None = None,
    with_parts: bool = False,
) -> list[Asset]:
    """Assets matching `where`, ordered by id, starting after `after_id` (cursor paging)."""

    postgis = has_postgis_points(conn)

    def paged(query: Select[Any]) -> Select[Any]:
        query = _where(query, where, postgis).order_by(assets.c.id)
        if after_id is not None:
            query = query.where(assets.c.id > after_id)
        return query.limit(limit) if limit is not None else query

    page_ids = paged(select(assets.c.id)).subquery()
    return _select_assets(
        conn, paged(select(*_ASSET_COLUMNS)), select(page_ids.c.id), with_parts=with_parts
    )


def get_asset(conn: Connection, asset_id: str) -> Asset | None:
    query = select(*_ASSET_COLUMNS).where(assets.c.id == asset_id)
    found = _select_assets(conn, query, None, with_parts=True)
    return found[0] if found else None


def count_assets(conn: Connection, where: AssetFilter | None = None) -> int:
    query = _where(
        select(func.count()).select_from(assets), where or AssetFilter(), has_postgis_points(conn)
    )
    return int(conn.scalar(query) or 0)


def count_by_type(conn: Connection) -> dict[str, int]:
    rows = conn.execute(select(assets.c.type, func.count()).group_by(assets.c.type))
    return {asset_type: int(n) for asset_type, n in rows}


def replace_asset(conn: Connection, updated: NewAsset, now: datetime) -> None:
    """Overwrite an existing asset's fields and links (parts are replaced too)."""
    conn.execute(
        assets.update()
        .where(assets.c.id == updated.id)
        .values(
            municipality_code=updated.municipality_code,
            name=updated.name,
            status=updated.status,
            lon=updated.lon,
            lat=updated.lat,
            geometry=updated.geometry,
            attributes=updated.attributes,
            updated_at=now,
        )
    )
    conn.execute(asset_links.delete().where(asset_links.c.asset_id == updated.id))
    if updated.links:
        conn.execute(
            asset_links.insert(),
            [
                {"asset_id": updated.id, "relation": link.relation, "target_id": link.target_id}
                for link in updated.links
            ],
        )
    conn.execute(asset_parts.delete().where(asset_parts.c.asset_id == updated.id))
    if updated.parts:
        conn.execute(
            asset_parts.insert(),
            [
                {
                    "id": p.id,
                    "asset_id": updated.id,
                    "kind": p.kind,
                    "name": p.name,
                    "attributes": p.attributes,
                }
                for p in updated.parts
            ],
        )


def dependents_of(
    conn: Connection, target_ids: Sequence[str], relation: str | None = None
) -> list[str]:
    """Ids of assets, not retired, linked (by `relation`, or any) to any of `target_ids`:
    the lights on a cabinet's feeders, the devices on a network node."""
    query = (
        select(asset_links.c.asset_id)
        .join(assets, assets.c.id == asset_links.c.asset_id)
        .where(asset_links.c.target_id.in_(target_ids), assets.c.status != "retired")
        .distinct()
        .order_by(asset_links.c.asset_id)
    )
    if relation is not None:
        query = query.where(asset_links.c.relation == relation)
    return list(conn.scalars(query))


def set_status(conn: Connection, asset_id: str, status: str, now: datetime) -> None:
    conn.execute(
        assets.update().where(assets.c.id == asset_id).values(status=status, updated_at=now)
    )


def kinds_of(conn: Connection, ids: Iterable[str]) -> dict[str, str]:
    """Asset type or part kind of each of `ids` that exists (link targets are either)."""
    wanted = list(set(ids))
    found: dict[str, str] = {}
    for start in range(0, len(wanted), _ID_CHUNK):
        chunk = wanted[start : start + _ID_CHUNK]
        for table, kind in ((assets, assets.c.type), (asset_parts, asset_parts.c.kind)):
            rows = conn.execute(select(table.c.id, kind).where(table.c.id.in_(chunk)))
            found.update((str(row_id), str(row_kind)) for row_id, row_kind in rows)
    return found


def next_local_number(conn: Connection, asset_type: str, municipality_code: str) -> int:
    """One more than the highest numeric local id of this type in this municipality."""
    prefix = f"urn:ngsi-ld:{asset_type}:{municipality_code}:"
    highest = 0
    for asset_id in conn.scalars(select(assets.c.id).where(assets.c.id.startswith(prefix))):
        local = asset_id[len(prefix) :]
        if local.isdigit():
            highest = max(highest, int(local))
    return highest + 1
