"""NGSI-LD URNs for assets and their parts: ``urn:ngsi-ld:<Type>:<INSEE code>:<local id>``."""

from __future__ import annotations

import re

URN_PATTERN = re.compile(
    r"^urn:ngsi-ld:(?P<type>[A-Za-z]+):(?P<municipality>\d[0-9AB]\d{3}):(?P<local>[^\s:]+)$"
)


def asset_urn(asset_type: str, municipality_code: str, local_id: str | int) -> str:
    return f"urn:ngsi-ld:{asset_type}:{municipality_code}:{local_id}"


def part_urn(part_type: str, municipality_code: str, parent_local_id: str | int, n: int) -> str:
    return f"urn:ngsi-ld:{part_type}:{municipality_code}:{parent_local_id}-{n}"


def parse_urn(urn: str) -> tuple[str, str, str] | None:
    """(type, municipality code, local id) of a Vigie URN, or None if it is not one."""
    match = URN_PATTERN.match(urn)
    if match is None:
        return None
    return match["type"], match["municipality"], match["local"]
