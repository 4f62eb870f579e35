"""The digital twin's live state: each asset's last value per metric and when it last spoke.

Kept in memory for speed and in `twin_state` for restarts and for other processes; the store
only ever moves forward in time (`ts` never goes back), so ingest workers sharing the load and
late or repeated readings cannot roll a value back.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine

from vigie.store.schema import twin_state
from vigie.telemetry.fast_writes import upsert_twin


class TwinValue(NamedTuple):
    value: float | None
    text: str | None
    ts: datetime
    changed_at: datetime


class TwinUpdate(NamedTuple):
    asset_id: str
    metric: str
    value: float | None
    text: str | None
    ts: datetime
    previous: TwinValue | None

    @property
    def changes_value(self) -> bool:
        return self.previous is None or (self.previous.value, self.previous.text) != (
            self.value,
            self.text,
        )


class Twin:
    def __init__(self, engine: Engine) -> None:
        self._values: dict[str, dict[str, TwinValue]] = {}
        self.last_seen: dict[str, datetime] = {}
        with engine.connect() as conn:
            for row in conn.execute(select(twin_state)):
                self._values.setdefault(row.asset_id, {})[row.metric] = TwinValue(
                    row.value, row.value_text, row.ts, row.changed_at
                )
            for asset_id, ts in conn.execute(
                select(twin_state.c.asset_id, func.max(twin_state.c.ts)).group_by(
                    twin_state.c.asset_id
                )
            ):
                self.last_seen[asset_id] = ts

    def get(self, asset_id: str, metric: str) -> TwinValue | None:
        return self._values.get(asset_id, {}).get(metric)

    def updates_for(
        self, latest: Iterable[tuple[str, str, float | None, str | None, datetime]]
    ) -> list[TwinUpdate]:
        """Which of these latest readings move the twin forward (newer than what it holds)."""
        updates = []
        for asset_id, metric, value, text, ts in latest:
            previous = self._values.get(asset_id, {}).get(metric)
            if previous is None or ts >= previous.ts:
                updates.append(TwinUpdate(asset_id, metric, value, text, ts, previous))
        return updates

    def persist(self, conn: Connection, updates: list[TwinUpdate]) -> None:
        upsert_twin(
            conn,
            [(u.asset_id, u.metric, u.value, u.text, u.ts, _changed_at(u)) for u in updates],
        )

    def apply(self, updates: list[TwinUpdate]) -> None:
        """Take the committed updates into memory."""
        for u in updates:
            changed_at = u.ts if u.changes_value or u.previous is None else u.previous.changed_at
            self._values.setdefault(u.asset_id, {})[u.metric] = TwinValue(
                u.value, u.text, u.ts, changed_at
            )
            seen = self.last_seen.get(u.asset_id)
            if seen is None or u.ts > seen:
                self.last_seen[u.asset_id] = u.ts

    def state_of(self, asset_id: str) -> dict[str, TwinValue]:
        return dict(self._values.get(asset_id, {}))


def _changed_at(update: TwinUpdate) -> datetime:
    """A value that did not change keeps the time it last changed."""
    if update.changes_value or update.previous is None:
        return update.ts
    return update.previous.changed_at
