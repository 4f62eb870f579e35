"""Mapping files: which of a file's columns become which asset fields (TOML, docs/import.md)."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

import msgspec

from vigie.registry.asset_types import ASSET_TYPES
from vigie.registry.importing.source import SourceError, SourceKind

_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
Constant = str | int | float | bool


class _RuleTable(msgspec.Struct, forbid_unknown_fields=True):
    column: str | None = None
    template: str | None = None
    value: Constant | msgspec.UnsetType = msgspec.UNSET
    values: dict[str, Constant] | None = None
    missing: list[str] = msgspec.field(default_factory=list)


_RuleText = str | _RuleTable


class _MappingFile(msgspec.Struct, forbid_unknown_fields=True):
    name: _RuleText | None = None
    id: _RuleText | None = None
    status: _RuleText | None = None
    municipality_code: _RuleText | None = None
    x: str | None = None
    y: str | None = None
    geometry: str | None = None
    attributes: dict[str, _RuleText] = msgspec.field(default_factory=dict)


@dataclass(frozen=True)
class Rule:
    """Where one field's value comes from: a column, a template over columns, or a constant;
    then optionally translated by `values` (source text -> value), with `missing` texts
    meaning "no value"."""

    column: str | None = None
    template: str | None = None
    constant: Constant | None = None
    values: dict[str, Constant] | None = None
    missing: frozenset[str] = frozenset()

    def columns(self) -> list[str]:
        if self.column is not None:
            return [self.column]
        if self.template is not None:
            return _PLACEHOLDER.findall(self.template)
        return []


@dataclass(frozen=True)
class Mapping:
    name: Rule | None = None
    id: Rule | None = None
    status: Rule | None = None
    municipality_code: Rule | None = None
    #: CSV only: the columns holding the position (x and y, or one WKT geometry).
    x: str | None = None
    y: str | None = None
    geometry: str | None = None
    attributes: dict[str, Rule] = field(default_factory=dict)

    def core_rules(self) -> dict[str, Rule]:
        """The rules of the asset's own fields that the mapping gives, by field name."""
        core = {
            "name": self.name,
            "id": self.id,
            "status": self.status,
            "municipality_code": self.municipality_code,
        }
        return {key: rule for key, rule in core.items() if rule is not None}

    def rules(self) -> dict[str, Rule]:
        attributes = {f"attributes.{key}": rule for key, rule in self.attributes.items()}
        return self.core_rules() | attributes


def _rule(text_or_table: _RuleText, where: str) -> Rule:
    if isinstance(text_or_table, str):
        if "{" in text_or_table:
            return _template_rule(text_or_table, where)
        return Rule(column=text_or_table)
    table = text_or_table
    given = [table.column is not None, table.template is not None, table.value is not msgspec.UNSET]
    if sum(given) != 1:
        raise SourceError(f"mapping {where}: give exactly one of column, template or value")
    rule = (
        Rule(column=table.column)
        if table.column is not None
        else _template_rule(table.template, where)
        if table.template is not None
        else Rule(constant=table.value)  # type: ignore[arg-type]
    )
    return Rule(rule.column, rule.template, rule.constant, table.values, frozenset(table.missing))


def _template_rule(template: str, where: str) -> Rule:
    if not _PLACEHOLDER.search(template):
        raise SourceError(f"mapping {where}: template {template!r} names no {{COLUMN}}")
    return Rule(template=template)


def parse_mapping(text: str) -> Mapping:
    """A mapping from the text of a TOML mapping file."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise SourceError(f"mapping file is not valid TOML: {error}") from None
    try:
        raw = msgspec.convert(document, _MappingFile)
    except msgspec.ValidationError as error:
        raise SourceError(f"mapping file: {error}") from None
    core = {
        key: _rule(value, key) if value is not None else None
        for key, value in (("name", raw.name), ("id", raw.id), ("status", raw.status),
                           ("municipality_code", raw.municipality_code))
    }  # fmt: skip
    return Mapping(
        **core,
        x=raw.x,
        y=raw.y,
        geometry=raw.geometry,
        attributes={
            key: _rule(value, f"attributes.{key}") for key, value in raw.attributes.items()
        },
    )


def load_mapping(path: Path) -> Mapping:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise SourceError(f"cannot read the mapping file: {error}") from None
    except UnicodeDecodeError:
        raise SourceError("the mapping file must be UTF-8 (TOML)") from None
    return parse_mapping(text)


def attribute_names(asset_type: str) -> tuple[str, ...]:
    return tuple(f.name for f in msgspec.structs.fields(ASSET_TYPES[asset_type].attributes))


_POSITION_PAIRS = (("lon", "lat"), ("longitude", "latitude"), ("x", "y"))
_GEOMETRY_COLUMNS = ("wkt", "geometry")


def default_mapping(asset_type: str, columns: Collection[str]) -> Mapping:
    """The mapping of a file laid out as `vigie assets export` writes it: columns named like
    the asset fields and attributes, position in lon/lat (or x/y) or in a WKT column."""
    present = set(columns)
    by_lower = {column.lower(): column for column in columns}
    x = y = geometry = None
    for x_name, y_name in _POSITION_PAIRS:
        if x_name in by_lower and y_name in by_lower:
            x, y = by_lower[x_name], by_lower[y_name]
            break
    for name in _GEOMETRY_COLUMNS:
        if name in by_lower:
            geometry = by_lower[name]
            break

    def rule(column: str) -> Rule | None:
        return Rule(column=column) if column in present else None

    return Mapping(
        name=rule("name"),
        id=rule("id"),
        status=rule("status"),
        municipality_code=rule("municipality_code"),
        x=x,
        y=y,
        geometry=geometry,
        attributes={a: Rule(column=a) for a in attribute_names(asset_type) if a in present},
    )


def check_mapping(
    mapping: Mapping, asset_type: str, kind: SourceKind, columns: Collection[str]
) -> None:
    """Refuse, before reading any row, a mapping that cannot work with this type and file."""
    known = attribute_names(asset_type)
    unknown = sorted(set(mapping.attributes) - set(known))
    if unknown:
        raise SourceError(
            f"{asset_type} has no attribute {', '.join(unknown)}; "
            f"its attributes: {', '.join(known)}"
        )
    if mapping.name is None:
        raise SourceError("nothing gives the asset names: map `name` (see docs/import.md)")
    present = set(columns)
    wanted = [(key, c) for key, rule in mapping.rules().items() for c in rule.columns()]
    if kind is SourceKind.CSV:
        if ASSET_TYPES[asset_type].geometry != "Point" and mapping.geometry is None:
            raise SourceError("nothing gives the lines: map `geometry` to a WKT column")
        if mapping.geometry is None and (mapping.x is None or mapping.y is None):
            raise SourceError("nothing gives the positions: map `x` and `y` (or `geometry`)")
        wanted += [
            (key, c)
            for key, c in (("x", mapping.x), ("y", mapping.y), ("geometry", mapping.geometry))
            if c
        ]
    # A property may be absent from some features, but from all of them it is a typo.
    missing = [f"{column!r} (for {key})" for key, column in wanted if column not in present]
    if missing:
        noun = "column" if kind is SourceKind.CSV else "property"
        raise SourceError(
            f"no {noun} {', '.join(missing)} in the file; it has: {', '.join(columns) or 'none'}"
        )
