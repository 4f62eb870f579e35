"""Write a generated city into the store, with one audit entry for the whole generation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.engine import Connection

from vigie.audit.log import AuditEntry, record
from vigie.lab.city.generator import GeneratedCity
from vigie.registry.assets import count_by_type, insert_assets
from vigie.store.schema import asset_links, asset_parts, assets

_WRITE_CHUNK = 5_000


class StoreNotEmpty(RuntimeError):
    """The store already holds assets and the caller did not ask to replace them."""

    def __init__(self, existing: dict[str, int]) -> None:
        total = sum(existing.values())
        super().__init__(
            f"The store already holds {total:,} assets: generate with --replace to delete "
            "them (with their parts and links) and start again."
        )
        self.existing = existing


def write_city(
    conn: Connection,
    city: GeneratedCity,
    now: datetime,
    actor: str,
    *,
    replace: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Insert every asset of `city` in the caller's transaction and audit it as one
    "city.generate" entry; return the counts per type of the assets it replaced.

    A store that already holds assets is refused (StoreNotEmpty) unless `replace`, which
    deletes them, with their parts and links, in the same transaction first.
    `on_progress(written, total)` follows the insert.
    """
    existing = count_by_type(conn)
    if existing and not replace:
        raise StoreNotEmpty(existing)
    if existing:
        conn.execute(delete(asset_links))
        conn.execute(delete(asset_parts))
        conn.execute(delete(assets))
    total = len(city.assets)
    for start in range(0, total, _WRITE_CHUNK):
        insert_assets(conn, city.assets[start : start + _WRITE_CHUNK], now)
        if on_progress is not None:
            on_progress(min(start + _WRITE_CHUNK, total), total)
    record(
        conn,
        [
            AuditEntry(
                at=now,
                actor=actor,
                action="city.generate",
                entity_type="City",
                before={"counts": existing} if existing else None,
                after=city.summary(),
                detail=(
                    f"generated {total} assets (seed {city.seed}, scale {city.scale:g})"
                    + (f", replacing {sum(existing.values())}" if existing else "")
                ),
            )
        ],
    )
    return existing
