"""Public transport's tables: the GTFS feeds imported (on the store's metadata)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, LargeBinary, String, Table

from vigie.store.schema import metadata
from vigie.store.types import BigId, JsonDocument, UtcDateTime

gtfs_feeds = Table(
    "gtfs_feeds",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("imported_at", UtcDateTime, nullable=False),
    Column("imported_by", String(120), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("counts", JsonDocument, nullable=False, comment="rows per file, for listings"),
    Column("data", LargeBinary, nullable=False, comment="the GTFS zip as imported"),
)
