"""What a reader hands to the importer: the rows of a file, numbered as the user sees them."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class SourceError(ValueError):
    """The file, the mapping or the options cannot be imported at all (no row is at fault)."""


class SourceKind(StrEnum):
    CSV = "csv"
    GEOJSON = "geojson"
    SHAPEFILE = "shapefile"

    @property
    def row_label(self) -> str:
        """How a user finds a row again: a CSV's physical line, or a feature's 1-based rank."""
        return "line" if self is SourceKind.CSV else "feature"


@dataclass(slots=True)
class SourceRecord:
    """One row or feature. `values` hold cells as text (CSV) or typed properties; `geometry`
    is GeoJSON-shaped, in the source's CRS, and None for CSV (its position is in cells)."""

    row: int
    values: dict[str, Any]
    geometry: dict[str, Any] | None = None
    #: (field, reason) when the row could not be read as it stands (its cells are kept).
    problem: tuple[str, str] | None = None


@dataclass(slots=True)
class Source:
    kind: SourceKind
    columns: tuple[str, ...]
    records: list[SourceRecord]
    #: The CRS the file declares (GeoJSON crs member, shapefile .prj), as pyproj accepts it.
    declared_crs: str | None = None
    #: The text encoding the file was read with.
    encoding: str | None = None
    notes: list[str] = field(default_factory=list)
