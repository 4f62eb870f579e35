"""How assets look on the wire: JSON objects and GeoJSON features."""

from __future__ import annotations

from typing import Any

import msgspec

from vigie.registry.assets import Asset


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


def asset_feature(asset: Asset) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": asset.id,
        "geometry": asset.point_or_line(),
        "properties": {
            "type": asset.type,
            "name": asset.name,
            "status": asset.status,
            "municipality_code": asset.municipality_code,
            "attributes": asset.attributes,
            "links": [{"relation": lk.relation, "target_id": lk.target_id} for lk in asset.links],
        },
    }


def audit_snapshot(asset: Asset) -> dict[str, Any]:
    """The state recorded before/after a change in the audit log."""
    return asset_json(asset, with_parts=True)
