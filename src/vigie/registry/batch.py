"""Validate and write a batch of new assets all or nothing, with one audit entry each."""

from __future__ import annotations

from collections.abc import Sequence, Set
from datetime import datetime

import msgspec
from sqlalchemy import select
from sqlalchemy.engine import Connection

from vigie.audit.log import AuditEntry, record
from vigie.registry.assets import NewAsset, insert_assets, kinds_of, next_local_number
from vigie.registry.ids import asset_urn
from vigie.registry.validation import AssetInput, AssetInvalid, Problem, validate_asset
from vigie.store.schema import municipalities


class RowProblem(msgspec.Struct, frozen=True):
    """A problem of one input row; `row` is the caller's numbering (line or feature)."""

    row: int
    field: str
    reason: str


class BatchInvalid(ValueError):
    def __init__(self, problems: list[RowProblem]) -> None:
        super().__init__(f"{len({p.row for p in problems})} row(s) refused")
        self.problems = problems


class BatchContext:
    """What one batch learns as it goes, shared by its chunks: the municipalities rows may be
    placed in, the ids the batch has already used, and the next free local number per type
    and municipality (looked up once, not once per chunk)."""

    def __init__(self, conn: Connection, allowed_municipalities: set[str] | None = None) -> None:
        self._conn = conn
        self.known_municipalities = set(conn.scalars(select(municipalities.c.code)))
        if allowed_municipalities is not None:
            self.known_municipalities &= allowed_municipalities
        self.batch_kinds: dict[str, str] = {}
        self._next_number: dict[tuple[str, str], int] = {}

    def next_local_id(self, asset_type: str, municipality_code: str, taken: Set[str]) -> str:
        key = (asset_type, municipality_code)
        if key not in self._next_number:
            self._next_number[key] = next_local_number(self._conn, asset_type, municipality_code)
        while True:
            candidate = asset_urn(asset_type, municipality_code, self._next_number[key])
            self._next_number[key] += 1
            if candidate not in taken and candidate not in self.batch_kinds:
                return candidate


def validate_batch(
    conn: Connection,
    rows: Sequence[tuple[int, AssetInput]],
    *,
    from_text: bool = False,
    allowed_municipalities: set[str] | None = None,
    context: BatchContext | None = None,
) -> list[NewAsset]:
    """Validate every row against the store and the rest of the batch; raise BatchInvalid
    listing every problem of every row, else return the assets ready to insert.

    A batch written in several chunks passes the same `context` to each, so ids stay unique
    across chunks and a refused chunk does not hide problems in later ones."""
    context = context or BatchContext(conn, allowed_municipalities)
    referenced = (
        [r.id for _, r in rows if r.id]
        + [str(link.get("target_id", "")) for _, r in rows for link in r.links]
        + [str(p["id"]) for _, r in rows for p in r.parts if p.get("id")]
    )
    stored_kinds = kinds_of(conn, referenced)
    batch_kinds = context.batch_kinds

    def id_exists(some_id: str) -> bool:
        return some_id in stored_kinds or some_id in batch_kinds

    def kind_of(some_id: str) -> str | None:
        return stored_kinds.get(some_id) or batch_kinds.get(some_id)

    valid: list[NewAsset] = []
    problems: list[RowProblem] = []
    for row_number, raw in rows:
        try:
            asset = validate_asset(
                raw,
                known_municipalities=context.known_municipalities,
                id_exists=id_exists,
                next_local_id=lambda t, m: context.next_local_id(t, m, stored_kinds.keys()),
                kind_of=kind_of,
                from_text=from_text,
            )
        except AssetInvalid as invalid:
            problems += [RowProblem(row_number, p.field, p.reason) for p in invalid.problems]
            continue
        batch_kinds[asset.id] = asset.type
        batch_kinds.update({part.id: part.kind for part in asset.parts})
        valid.append(asset)
    if problems:
        raise BatchInvalid(problems)
    return valid


def create_assets(
    conn: Connection,
    rows: Sequence[tuple[int, AssetInput]],
    *,
    actor: str,
    now: datetime,
    action: str = "asset.create",
    from_text: bool = False,
    allowed_municipalities: set[str] | None = None,
    detail: str | None = None,
    context: BatchContext | None = None,
) -> list[NewAsset]:
    """Validate then write the whole batch with an audit entry per asset, in the caller's
    transaction: on any problem nothing is written."""
    valid = validate_batch(
        conn,
        rows,
        from_text=from_text,
        allowed_municipalities=allowed_municipalities,
        context=context,
    )
    insert_assets(conn, valid, now)
    record(
        conn,
        [
            AuditEntry(
                at=now,
                actor=actor,
                action=action,
                entity_type=asset.type,
                entity_id=asset.id,
                after=msgspec.to_builtins(asset),
                detail=detail,
            )
            for asset in valid
        ],
    )
    return valid


# Re-exported for callers that only need the input shape and the problem type.
__all__ = [
    "AssetInput",
    "BatchContext",
    "BatchInvalid",
    "Problem",
    "RowProblem",
    "create_assets",
    "validate_batch",
]
