"""Imported GTFS static feeds in the store: the latest one is what Vigie serves (without one,
it serves the twin's timetable)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection

from vigie.audit.log import AuditEntry, record
from vigie.domains.transit.gtfs.feed import Feed, read_zip
from vigie.domains.transit.tables import gtfs_feeds

#: A metropolis's feed is a few MiB; a national one is not Vigie's to serve.
MAX_FEED_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class StoredFeed:
    id: int
    sha256: str
    imported_at: datetime
    data: bytes


def import_feed(conn: Connection, data: bytes, actor: str, now: datetime) -> tuple[int, Feed]:
    """Check the zip (FeedError if it cannot be read), store it, audit it."""
    if len(data) > MAX_FEED_BYTES:
        raise ValueError(f"a GTFS feed is at most {MAX_FEED_BYTES // 2**20} MiB")
    feed = read_zip(data)
    if not feed.stops or not feed.trips:
        raise ValueError("the feed has no stops or no trips")
    counts = {
        "agencies": len(feed.agencies),
        "stops": len(feed.stops),
        "routes": len(feed.routes),
        "trips": len(feed.trips),
        "stop_times": len(feed.stop_times),
        "calendars": len(feed.calendars),
        "calendar_dates": len(feed.calendar_dates),
    }
    digest = hashlib.sha256(data).hexdigest()
    feed_id = conn.execute(
        gtfs_feeds.insert().returning(gtfs_feeds.c.id),
        {
            "imported_at": now,
            "imported_by": actor,
            "sha256": digest,
            "size_bytes": len(data),
            "counts": counts,
            "data": data,
        },
    ).scalar_one()
    record(
        conn,
        [
            AuditEntry(
                at=now,
                actor=actor,
                action="gtfs.import",
                entity_type="gtfs_feed",
                entity_id=str(feed_id),
                after={"sha256": digest, "size_bytes": len(data), **counts},
            )
        ],
    )
    return int(feed_id), feed


def latest_feed_sha(conn: Connection) -> str | None:
    """The latest import's digest (cheap: the zip itself is not read)."""
    digest = conn.scalar(select(gtfs_feeds.c.sha256).order_by(gtfs_feeds.c.id.desc()).limit(1))
    return str(digest) if digest is not None else None


def latest_feed(conn: Connection) -> StoredFeed | None:
    row = conn.execute(
        select(gtfs_feeds.c.id, gtfs_feeds.c.sha256, gtfs_feeds.c.imported_at, gtfs_feeds.c.data)
        .order_by(gtfs_feeds.c.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    return StoredFeed(int(row.id), row.sha256, row.imported_at, bytes(row.data))
