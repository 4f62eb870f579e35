"""What the registry knows of an asset type: its typed attributes, its parts and the topology
relations it must have. The types themselves are declared by the domains (each domain's
`assets.py`) and registered when its integration is installed; the registry names none.

Type names follow the FIWARE Smart Data Models where one exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Literal

import msgspec

Positive = Annotated[float, msgspec.Meta(gt=0)]
NonNegative = Annotated[float, msgspec.Meta(ge=0)]
ShortText = Annotated[str, msgspec.Meta(max_length=200)]
Year = Annotated[int, msgspec.Meta(ge=1850, le=2100)]


class Attributes(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Base of every type's attributes: unknown attribute names are refused."""


class Relation(StrEnum):
    """Topology: which asset (or part) a dependent asset hangs off."""

    FED_BY = "fed_by"  # e.g. streetlight -> cabinet feeder (part)
    CONNECTED_TO = "connected_to"  # device -> network node
    ENDPOINT = "endpoint"  # e.g. fibre link -> each of its two nodes


@dataclass(frozen=True)
class PartSpec:
    kind: str
    urn_type: str
    attributes: type[Attributes]
    #: The part reports telemetry under its own id, as a reporter of type `urn_type`.
    reports: bool = False


@dataclass(frozen=True)
class AssetTypeSpec:
    """What the registry knows of one asset type."""

    name: str
    attributes: type[Attributes]
    geometry: Literal["Point", "LineString"]
    parts: tuple[PartSpec, ...] = ()
    #: relation -> (number of links required, asset types or part kinds the target may be)
    links: tuple[tuple[Relation, int, tuple[str, ...]], ...] = ()


#: The installed asset types, by name; filled by `register_type`.
ASSET_TYPES: dict[str, AssetTypeSpec] = {}
#: Their parts, by kind.
PART_SPECS: dict[str, PartSpec] = {}


class UnknownAssetType(ValueError):
    """A type name no installed integration declares."""


def register_type(spec: AssetTypeSpec) -> None:
    ASSET_TYPES[spec.name] = spec
    for part in spec.parts:
        PART_SPECS[part.kind] = part


def unregister_type(name: str) -> None:
    spec = ASSET_TYPES.pop(name)
    for part in spec.parts:
        PART_SPECS.pop(part.kind, None)


def asset_type(name: str) -> AssetTypeSpec:
    """The spec of an installed type, or UnknownAssetType naming the installed ones."""
    spec = ASSET_TYPES.get(name)
    if spec is None:
        raise UnknownAssetType(f"{name!r} is not one of {', '.join(sorted(ASSET_TYPES))}")
    return spec


def reporting_parts() -> list[PartSpec]:
    """The parts that report telemetry under their own id (e.g. a building's meters)."""
    return [p for p in PART_SPECS.values() if p.reports]
