"""Apply a mapping to one row: templates, value maps, missing markers, and the text-to-value
conversions spreadsheets need (decimal commas, "oui"/"non", JSON lists in a cell)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import msgspec

from vigie.registry.asset_types import ASSET_TYPES
from vigie.registry.importing.mapping import Mapping, Rule

#: A value that is not there: an empty cell, a null, a `missing` marker. The field then takes
#: its default (or is reported missing if it has none).
ABSENT: Any = msgspec.UNSET

_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
_DECIMAL_COMMA = re.compile(r"^[+-]?\d*,\d+$")
_BOOLEANS = {
    "true": True, "false": False, "1": True, "0": False, "yes": True, "no": False,
    "oui": True, "non": False, "vrai": True, "faux": False,
}  # fmt: skip


class ValueProblem(ValueError):
    pass


def as_text(value: Any) -> str:
    """A cell as the text a user would type for it (value maps and templates use this)."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _is_absent(value: Any) -> bool:
    return (
        value is None
        or (isinstance(value, str) and not value.strip())
        or (isinstance(value, float) and math.isnan(value))
    )


def compile_rule(rule: Rule) -> Callable[[dict[str, Any]], Any]:
    """A function from a row's values to this field's value (or ABSENT); it raises
    ValueProblem for a value the rule's value map does not know."""
    if rule.column is not None:
        column = rule.column

        def source(values: dict[str, Any]) -> Any:
            return values.get(column)
    elif rule.template is not None:
        pieces = _PLACEHOLDER.split(rule.template)

        def source(values: dict[str, Any]) -> Any:
            # split() alternates literal text and placeholder names.
            return "".join(
                piece
                if index % 2 == 0
                else ("" if _is_absent(v := values.get(piece)) else as_text(v))
                for index, piece in enumerate(pieces)
            )
    else:
        constant = rule.constant
        return lambda _values: constant
    if rule.values is None and not rule.missing:
        return lambda values: ABSENT if _is_absent(raw := source(values)) else raw
    known = rule.values
    folded = {as_text(k).casefold(): v for k, v in (known or {}).items()}
    missing = rule.missing

    def translated(values: dict[str, Any]) -> Any:
        raw = source(values)
        if _is_absent(raw):
            return ABSENT
        text = as_text(raw)
        if text in missing:
            return ABSENT
        if known is None:
            return raw
        if text in known:
            return known[text]
        # Exports mix "Tout" and "tout", "Oui " and "oui": match case- and space-insensitively.
        if text.casefold() in folded:
            return folded[text.casefold()]
        choices = ", ".join(repr(k) for k in known)
        raise ValueProblem(f"{text!r} is not one of {choices} (the mapping's values)")

    return translated


def _kind_of(type_info: Any) -> str:
    members = type_info.types if isinstance(type_info, msgspec.inspect.UnionType) else (type_info,)
    members = tuple(m for m in members if not isinstance(m, msgspec.inspect.NoneType))
    if any(isinstance(m, msgspec.inspect.IntType | msgspec.inspect.FloatType) for m in members):
        return "number"
    if any(isinstance(m, msgspec.inspect.BoolType) for m in members):
        return "bool"
    if any(isinstance(m, msgspec.inspect.ListType | msgspec.inspect.DictType) for m in members):
        return "json"
    return "text"


def attribute_kinds(asset_type: str) -> dict[str, str]:
    """number, bool, json or text for each attribute of the type."""
    info = msgspec.inspect.type_info(ASSET_TYPES[asset_type].attributes)
    assert isinstance(info, msgspec.inspect.StructType)
    return {f.name: _kind_of(f.type) for f in info.fields}


def coerce(value: Any, kind: str) -> Any:
    """Bring a cell closer to the attribute's type; validation has the final word."""
    if kind == "text":
        return value if isinstance(value, str) else as_text(value)
    if not isinstance(value, str):
        return value
    text = value.strip()
    if kind == "number":
        compact = text.replace(" ", "").replace("\u00a0", "").replace("\u202f", "")
        return compact.replace(",", ".") if _DECIMAL_COMMA.match(compact) else compact
    if kind == "bool":
        return _BOOLEANS.get(text.casefold(), text)
    if text[:1] in ("[", "{"):
        try:
            return msgspec.json.decode(text)
        except msgspec.DecodeError:
            return text
    return text


@dataclass(slots=True)
class RowFields:
    name: str = ""
    local_id: str | None = None
    status: str | None = None
    municipality_code: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    problems: list[tuple[str, str]] = field(default_factory=list)


class RowConverter:
    """The mapping compiled once, applied to every row."""

    def __init__(self, mapping: Mapping, asset_type: str) -> None:
        kinds = attribute_kinds(asset_type)
        self._core = [(key, compile_rule(rule)) for key, rule in mapping.core_rules().items()]
        self._attributes = [
            (key, compile_rule(rule), kinds[key]) for key, rule in mapping.attributes.items()
        ]

    def convert(self, values: dict[str, Any]) -> RowFields:
        fields = RowFields()
        for key, get in self._core:
            try:
                value = get(values)
            except ValueProblem as problem:
                fields.problems.append((key, str(problem)))
                continue
            if value is ABSENT:
                continue
            text = as_text(value)
            if key == "name":
                fields.name = text
            elif key == "id":
                fields.local_id = text
            elif key == "status":
                fields.status = text
            else:
                # A spreadsheet drops the leading zero of INSEE codes such as 01053.
                fields.municipality_code = (
                    text.zfill(5) if text.isdigit() and len(text) == 4 else text
                )
        for key, get, kind in self._attributes:
            try:
                value = get(values)
            except ValueProblem as problem:
                fields.problems.append((f"attributes.{key}", str(problem)))
                continue
            if value is not ABSENT:
                fields.attributes[key] = coerce(value, kind)
        return fields
