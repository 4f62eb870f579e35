"""Turn untrusted asset input (API bodies, import rows) into a NewAsset, or say why not."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Set
from typing import Any

import msgspec

from vigie.registry.asset_types import ASSET_TYPES, PART_SPECS, UnknownAssetType, asset_type
from vigie.registry.assets import Link, NewAsset, Part
from vigie.registry.ids import asset_urn, parse_urn
from vigie.registry.lifecycle import LifecycleStatus


class Problem(msgspec.Struct, frozen=True):
    """One reason an input was refused: where (a field path) and why."""

    field: str
    reason: str


class AssetInvalid(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.reason}" for p in problems))
        self.problems = problems


class AssetInput(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The shape of an asset as a client writes it."""

    type: str
    name: str
    municipality_code: str
    lon: float | None = None
    lat: float | None = None
    geometry: dict[str, Any] | None = None
    id: str | None = None
    status: str = LifecycleStatus.ACTIVE.value
    attributes: dict[str, Any] = msgspec.field(default_factory=dict)
    parts: list[dict[str, Any]] = msgspec.field(default_factory=list)
    links: list[dict[str, str]] = msgspec.field(default_factory=list)


def _msgspec_reason(error: msgspec.ValidationError) -> tuple[str, str]:
    """Split msgspec's "reason - at `$.path`" into (path, reason)."""
    text = str(error)
    if " - at `$" in text:
        reason, _, path = text.rpartition(" - at `$")
        return path.rstrip("`").lstrip("."), reason
    return "", text


def _convert_attributes(
    spec_type: type[msgspec.Struct], raw: Mapping[str, Any], prefix: str, from_text: bool
) -> tuple[dict[str, Any] | None, list[Problem]]:
    try:
        typed = msgspec.convert(dict(raw), type=spec_type, strict=not from_text)
    except msgspec.ValidationError as error:
        path, reason = _msgspec_reason(error)
        return None, [Problem(f"{prefix}.{path}" if path else prefix, reason)]
    return msgspec.to_builtins(typed), []


Position = tuple[float, float, dict[str, Any] | None, list[Problem]]
_NOWHERE = 0.0, 0.0, None


def _check_point(lon: Any, lat: Any, geometry: dict[str, Any] | None) -> Position:
    if geometry is not None:
        coordinates = geometry.get("coordinates")
        if geometry.get("type") != "Point":
            return *_NOWHERE, [Problem("geometry", "this asset type is located by a Point")]
        if not (isinstance(coordinates, list) and len(coordinates) >= 2):
            return *_NOWHERE, [Problem("geometry", "a Point needs [lon, lat]")]
        lon, lat = coordinates[0], coordinates[1]
    if lon is None or lat is None:
        return *_NOWHERE, [Problem("lon/lat", "a position is required")]
    problems = _check_lonlat(lon, lat, "lon/lat")
    if problems:
        return *_NOWHERE, problems
    return float(lon), float(lat), None, []


def _check_line(geometry: dict[str, Any] | None) -> Position:
    if geometry is None or geometry.get("type") != "LineString":
        return *_NOWHERE, [Problem("geometry", "this asset type needs a LineString")]
    coordinates = geometry.get("coordinates")
    if not isinstance(coordinates, list) or len(coordinates) < 2:
        return *_NOWHERE, [Problem("geometry", "a LineString needs at least two points")]
    problems: list[Problem] = []
    for index, point in enumerate(coordinates):
        if not (isinstance(point, list) and len(point) >= 2):
            problems.append(Problem(f"geometry.coordinates[{index}]", "expected [lon, lat]"))
            continue
        problems += _check_lonlat(point[0], point[1], f"geometry.coordinates[{index}]")
    if problems:
        return *_NOWHERE, problems
    vertices = [[float(p[0]), float(p[1])] for p in coordinates]
    return vertices[0][0], vertices[0][1], {"type": "LineString", "coordinates": vertices}, []


def _check_lonlat(lon: Any, lat: Any, field: str) -> list[Problem]:
    if isinstance(lon, bool) or isinstance(lat, bool):
        return [Problem(field, "coordinates must be numbers")]
    if not isinstance(lon, int | float) or not isinstance(lat, int | float):
        return [Problem(field, "coordinates must be numbers")]
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        return [Problem(field, f"({lon}, {lat}) is not a WGS84 longitude/latitude")]
    return []


def validate_asset(
    raw: AssetInput,
    *,
    known_municipalities: Set[str],
    id_exists: Callable[[str], bool],
    next_local_id: Callable[[str, str], str],
    kind_of: Callable[[str], str | None] = lambda _id: None,
    from_text: bool = False,
) -> NewAsset:
    """Check everything about one asset; raise AssetInvalid listing every problem found.

    `id_exists` answers for assets and parts already stored (or earlier in the same batch);
    `next_local_id(type, municipality)` names an asset that came without an id;
    `kind_of(id)` gives the asset type or part kind a link target has, None if unknown;
    `from_text` lets attribute values arrive as strings (CSV) and be converted.
    """
    problems: list[Problem] = []
    try:
        spec = asset_type(raw.type)
    except UnknownAssetType:
        known = ", ".join(sorted(ASSET_TYPES))
        raise AssetInvalid(
            [Problem("type", f"unknown asset type {raw.type!r}; one of {known}")]
        ) from None

    name = raw.name.strip()
    if not name or len(name) > 200:
        problems.append(Problem("name", "a name of 1 to 200 characters is required"))
    if raw.municipality_code not in known_municipalities:
        problems.append(
            Problem("municipality_code", f"unknown municipality {raw.municipality_code!r}")
        )
    try:
        status = LifecycleStatus(raw.status)
    except ValueError:
        statuses = ", ".join(s.value for s in LifecycleStatus)
        problems.append(Problem("status", f"unknown status {raw.status!r}; one of {statuses}"))
        status = LifecycleStatus.ACTIVE

    lon, lat, geometry, position_problems = (
        _check_point(raw.lon, raw.lat, raw.geometry)
        if spec.geometry == "Point"
        else _check_line(raw.geometry)
    )
    problems += position_problems

    attributes, attribute_problems = _convert_attributes(
        spec.attributes, raw.attributes, "attributes", from_text
    )
    problems += attribute_problems

    asset_id = raw.id or next_local_id(spec.name, raw.municipality_code)
    parsed = parse_urn(asset_id)
    if parsed is None or parsed[0] != spec.name:
        problems.append(Problem("id", f"expected urn:ngsi-ld:{spec.name}:<INSEE code>:<local id>"))
    elif raw.id is not None and id_exists(asset_id):
        problems.append(Problem("id", f"{asset_id} already exists"))

    parts, part_problems = _check_parts(
        raw.parts, spec.parts, asset_id, raw.municipality_code, from_text, id_exists
    )
    problems += part_problems
    links, link_problems = _check_links(raw.links, spec.links, kind_of)
    problems += link_problems

    if problems or attributes is None:
        raise AssetInvalid(problems)
    return NewAsset(
        id=asset_id,
        type=spec.name,
        municipality_code=raw.municipality_code,
        name=name,
        status=status.value,
        lon=lon,
        lat=lat,
        geometry=geometry,
        attributes=attributes,
        parts=tuple(parts),
        links=tuple(links),
    )


def _check_parts(
    raw_parts: list[dict[str, Any]],
    allowed: tuple[Any, ...],
    asset_id: str,
    municipality_code: str,
    from_text: bool,
    id_exists: Callable[[str], bool],
) -> tuple[list[Part], list[Problem]]:
    parts: list[Part] = []
    problems: list[Problem] = []
    allowed_kinds = {spec.kind for spec in allowed}
    local = asset_id.rsplit(":", 1)[-1]
    for index, raw in enumerate(raw_parts):
        where = f"parts[{index}]"
        kind = raw.get("kind", "")
        if kind not in allowed_kinds:
            names = ", ".join(sorted(allowed_kinds)) or "none"
            problems.append(Problem(f"{where}.kind", f"parts of this type: {names}"))
            continue
        spec = PART_SPECS[kind]
        part_id = raw.get("id") or asset_urn(
            spec.urn_type, municipality_code, f"{local}-{index + 1}"
        )
        attributes, attribute_problems = _convert_attributes(
            spec.attributes, raw.get("attributes", {}), f"{where}.attributes", from_text
        )
        problems += attribute_problems
        if raw.get("id") and id_exists(part_id):
            problems.append(Problem(f"{where}.id", f"{part_id} already exists"))
        if attributes is not None:
            parts.append(Part(part_id, str(kind), str(raw.get("name") or part_id), attributes))
    return parts, problems


def _check_links(
    raw_links: list[dict[str, str]],
    allowed: tuple[Any, ...],
    kind_of: Callable[[str], str | None],
) -> tuple[list[Link], list[Problem]]:
    links = [Link(str(r.get("relation", "")), str(r.get("target_id", ""))) for r in raw_links]
    problems: list[Problem] = []
    allowed_relations = {relation.value: count for relation, count, _targets in allowed}
    allowed_targets = {relation.value: targets for relation, _count, targets in allowed}
    for index, link in enumerate(links):
        if link.relation not in allowed_relations:
            names = ", ".join(sorted(allowed_relations)) or "none"
            problems.append(Problem(f"links[{index}].relation", f"relations of this type: {names}"))
            continue
        target_kind = kind_of(link.target_id)
        if target_kind is None:
            problems.append(
                Problem(f"links[{index}].target_id", f"{link.target_id} does not exist")
            )
        elif target_kind not in allowed_targets[link.relation]:
            expected = " or ".join(allowed_targets[link.relation])
            problems.append(
                Problem(
                    f"links[{index}].target_id",
                    f"{link.target_id} is a {target_kind}, not a {expected}",
                )
            )
    for relation, count in allowed_relations.items():
        given = sum(1 for link in links if link.relation == relation)
        if given not in (0, count):
            problems.append(
                Problem("links", f"{relation} needs exactly {count} target(s), got {given}")
            )
    return links, problems
