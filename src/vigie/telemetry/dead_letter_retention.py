"""Retention of dead letters: rejected payloads older than `VIGIE_DEAD_LETTER_RETENTION_DAYS`
(90 by default — long enough to investigate a misbehaving device after a holiday) are
deleted, a bounded number per transaction, so a device spewing garbage cannot fill the disk
for ever."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine

from vigie.core.settings import load_settings
from vigie.store.schema import dead_letters

DEFAULT_DEAD_LETTER_RETENTION_DAYS = 90
DEAD_LETTER_RETENTION_VARIABLE = "VIGIE_DEAD_LETTER_RETENTION_DAYS"
#: Rows deleted per transaction: short transactions leave the ingest writers room.
DELETE_ROWS_PER_STEP = 20_000


def dead_letter_retention_days() -> int:
    """`VIGIE_DEAD_LETTER_RETENTION_DAYS`, or 90 (read now: callers that hold the settings
    pass `retention_days` instead)."""
    return load_settings().dead_letter_retention_days


def prune_dead_letters(engine: Engine, now: datetime, *, retention_days: int | None = None) -> int:
    """Delete the dead letters received before `now` − the retention; how many went."""
    days = dead_letter_retention_days() if retention_days is None else retention_days
    cutoff = now - timedelta(days=days)
    deleted = 0
    while True:
        with engine.begin() as conn:
            oldest_ids = (
                select(dead_letters.c.id)
                .where(dead_letters.c.received_at < cutoff)
                .order_by(dead_letters.c.received_at)
                .limit(DELETE_ROWS_PER_STEP)
            )
            step = conn.execute(
                delete(dead_letters).where(dead_letters.c.id.in_(oldest_ids.scalar_subquery()))
            ).rowcount
        deleted += step
        if step < DELETE_ROWS_PER_STEP:
            return deleted
