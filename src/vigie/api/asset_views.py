"""How assets look on the wire: JSON objects and GeoJSON features."""

from __future__ import annotations

from typing import Any

import msgspec

from vigie.registry.assets import Asset, Link


def asset_json(asset: Asset, *, with_parts: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": asset.id,
        "type": asset.type,
        "name": asset.name,
        "status": asset.status,
        "municipality_code": asset.municipality_code,
        "lon": asset.lon,
        "lat": asset.lat,
        "geometry": asset.point_or_line(),
        "attributes": asset.attributes,
        "links": [{"relation": link.relation, "target_id": link.target_id} for link in asset.links],
        "created_at": asset.created_at.isoformat(),
        "updated_at": asset.updated_at.isoformat(),
    }
    if with_parts:
        body["parts"] = [msgspec.to_builtins(part) for part in asset.parts]
    return body


class FeatureProperties(msgspec.Struct, frozen=True):
    type: str
    name: str
    status: str
    municipality_code: str
    attributes: dict[str, Any]
    links: tuple[Link, ...]


class Feature(msgspec.Struct, frozen=True):
    """A GeoJSON Feature; a Struct rather than a dict because msgspec encodes Structs
    several times faster, and a map page can hold every light of the metropolis."""

    id: str
    geometry: dict[str, Any]
    properties: FeatureProperties
    type: str = "Feature"


def asset_feature(asset: Asset) -> Feature:
    return Feature(
        asset.id,
        asset.point_or_line(),
        FeatureProperties(
            asset.type,
            asset.name,
            asset.status,
            asset.municipality_code,
            asset.attributes,
            asset.links,
        ),
    )


def audit_snapshot(asset: Asset) -> dict[str, Any]:
    """The state recorded before/after a change in the audit log."""
    return asset_json(asset, with_parts=True)
