"""Turn the generator's layout (metres, typed attributes) into registry records.

The records are exactly what `vigie.registry.validation.validate_asset` would make of the same
input: attributes through ``msgspec.to_builtins`` of the typed Struct (so defaults and None are
present), part ids numbered ``<asset local id>-<n>`` in order, GeoJSON with JSON lists.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from vigie.lab.city.geo import LocalFrame
from vigie.registry.asset_types import PartSpec, Relation
from vigie.registry.assets import Link, NewAsset, Part
from vigie.registry.ids import asset_urn, part_urn
from vigie.registry.lifecycle import LifecycleStatus

PartDraft = tuple[PartSpec, str, msgspec.Struct]


class AssetBook:
    """Numbers assets 1, 2, ... per type and municipality, in the order they are made."""

    def __init__(self, frame: LocalFrame) -> None:
        self.frame = frame
        self._last: dict[tuple[str, str], int] = {}

    def next_local(self, asset_type: str, municipality_code: str) -> int:
        key = (asset_type, municipality_code)
        self._last[key] = self._last.get(key, 0) + 1
        return self._last[key]

    def point(
        self,
        asset_type: str,
        municipality_code: str,
        name: str,
        xy: tuple[float, float],
        attributes: msgspec.Struct,
        *,
        local: int | None = None,
        parts: Sequence[PartDraft] = (),
        links: Sequence[tuple[Relation, str]] = (),
    ) -> NewAsset:
        local = local if local is not None else self.next_local(asset_type, municipality_code)
        lon, lat = self.frame.to_lonlat(*xy)
        return NewAsset(
            id=asset_urn(asset_type, municipality_code, local),
            type=asset_type,
            municipality_code=municipality_code,
            name=name,
            status=LifecycleStatus.ACTIVE.value,
            lon=lon,
            lat=lat,
            attributes=msgspec.to_builtins(attributes),
            parts=make_parts(municipality_code, local, parts),
            links=tuple(Link(relation.value, target) for relation, target in links),
        )

    def line(
        self,
        asset_type: str,
        municipality_code: str,
        name: str,
        lonlat: list[list[float]],
        attributes: msgspec.Struct,
        links: Sequence[tuple[Relation, str]] = (),
    ) -> NewAsset:
        local = self.next_local(asset_type, municipality_code)
        return NewAsset(
            id=asset_urn(asset_type, municipality_code, local),
            type=asset_type,
            municipality_code=municipality_code,
            name=name,
            status=LifecycleStatus.ACTIVE.value,
            lon=lonlat[0][0],
            lat=lonlat[0][1],
            geometry={"type": "LineString", "coordinates": lonlat},
            attributes=msgspec.to_builtins(attributes),
            links=tuple(Link(relation.value, target) for relation, target in links),
        )


def make_parts(municipality_code: str, local: int, drafts: Sequence[PartDraft]) -> tuple[Part, ...]:
    return tuple(
        Part(
            part_urn(spec.urn_type, municipality_code, local, n),
            spec.kind,
            name,
            msgspec.to_builtins(attributes),
        )
        for n, (spec, name, attributes) in enumerate(drafts, start=1)
    )
