"""Groups of luminaires a programme is assigned to, or a command sent to: a municipality,
a cabinet (the lights its feeders supply), a road lighting class, a custom list, or a
polygon drawn on the map. Membership is computed from the registry, so a luminaire added
to a cabinet or a street joins its groups by itself."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

import msgspec

from vigie.commands.targets import inside
from vigie.domains.lighting.assets import LIGHTING_CLASSES

GroupKind = Literal["municipality", "cabinet", "road_class", "custom", "polygon"]
MAX_CUSTOM = 50_000
MAX_POLYGON_VERTICES = 1_000


@dataclass(frozen=True)
class Light:
    """What group membership, floors and savings need of one luminaire."""

    id: str
    municipality_code: str
    cabinet_id: str | None
    lighting_class: str
    lon: float
    lat: float
    rated_power_w: float
    baseline_power_w: float


class GroupError(ValueError):
    """A group that cannot be defined; the message says why."""


class Selector(msgspec.Struct, forbid_unknown_fields=True):
    """One of these, according to the group's kind."""

    municipality_code: str | None = None
    cabinet_id: str | None = None
    lighting_class: str | None = None
    asset_ids: list[str] | None = None
    polygon: list[tuple[float, float]] | None = None  # (lon, lat) ring, WGS84


_NEEDS: dict[str, str] = {
    "municipality": "municipality_code",
    "cabinet": "cabinet_id",
    "road_class": "lighting_class",
    "custom": "asset_ids",
    "polygon": "polygon",
}


def parse_selector(kind: str, raw: Any) -> Selector:
    if kind not in _NEEDS:
        raise GroupError(f"kind must be one of {', '.join(_NEEDS)}")
    try:
        selector = msgspec.convert(raw, Selector)
    except msgspec.ValidationError as error:
        raise GroupError(f"selector: {error}") from None
    field = _NEEDS[kind]
    given = [name for name in _NEEDS.values() if getattr(selector, name) is not None]
    if given != [field]:
        raise GroupError(f"a {kind} group's selector has {field} and nothing else")
    if kind == "road_class" and selector.lighting_class not in LIGHTING_CLASSES:
        raise GroupError(f"unknown lighting class: {selector.lighting_class}")
    if kind == "custom" and not 0 < len(selector.asset_ids or []) <= MAX_CUSTOM:
        raise GroupError(f"a custom group lists 1 to {MAX_CUSTOM} luminaires")
    if kind == "polygon":
        ring = selector.polygon or []
        if not 3 <= len(ring) <= MAX_POLYGON_VERTICES:
            raise GroupError(f"a polygon has 3 to {MAX_POLYGON_VERTICES} vertices")
        if any(not (-180 <= lon <= 180 and -90 <= lat <= 90) for lon, lat in ring):
            raise GroupError("polygon vertices are (lon, lat) in WGS84 degrees")
    return selector


def members(kind: str, selector: Selector, lights: Iterable[Light]) -> list[str]:
    """Ids of the luminaires the group holds, in the order given."""
    if kind == "municipality":
        return [a.id for a in lights if a.municipality_code == selector.municipality_code]
    if kind == "cabinet":
        return [a.id for a in lights if a.cabinet_id == selector.cabinet_id]
    if kind == "road_class":
        return [a.id for a in lights if a.lighting_class == selector.lighting_class]
    if kind == "custom":
        wanted = set(selector.asset_ids or ())
        return [a.id for a in lights if a.id in wanted]
    ring = selector.polygon or []
    lons = [p[0] for p in ring]
    lats = [p[1] for p in ring]
    box = (min(lons), max(lons), min(lats), max(lats))
    return [
        a.id
        for a in lights
        if box[0] <= a.lon <= box[1] and box[2] <= a.lat <= box[3] and inside(a.lon, a.lat, ring)
    ]
