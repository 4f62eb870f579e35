"""Who may report: every registered asset, and the meters of buildings, by id."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.engine import Engine

from vigie.registry.asset_types import PartKind
from vigie.registry.lifecycle import LifecycleStatus
from vigie.store.schema import asset_parts, assets
from vigie.telemetry.catalogue import METER

#: A miss reloads the index at most this often, so a flood of unknown ids costs no queries.
RELOAD_AT_MOST_EVERY_S = 30.0


@dataclass(frozen=True)
class Reporter:
    type: str  # an asset type, or "Meter"
    municipality_code: str
    asset_id: str  # the asset itself, or the building a meter belongs to


class ReporterIndex:
    """Asset and meter ids → what they are, kept in memory and reloaded when an unknown id
    shows up (a device registered after the ingest started)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.Lock()
        self._by_id: dict[str, Reporter] = {}
        self._loaded_at = float("-inf")
        self.reload()

    def reload(self) -> None:
        by_id: dict[str, Reporter] = {}
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(assets.c.id, assets.c.type, assets.c.municipality_code).where(
                    assets.c.status != LifecycleStatus.RETIRED.value
                )
            )
            for asset_id, asset_type, municipality in rows:
                by_id[asset_id] = Reporter(asset_type, municipality, asset_id)
            meters = conn.execute(
                select(asset_parts.c.id, asset_parts.c.asset_id, assets.c.municipality_code)
                .join(assets, assets.c.id == asset_parts.c.asset_id)
                .where(asset_parts.c.kind == PartKind.METER.value)
            )
            for meter_id, building_id, municipality in meters:
                by_id[meter_id] = Reporter(METER, municipality, building_id)
        with self._lock:
            self._by_id = by_id
            self._loaded_at = time.monotonic()

    def get(self, reporter_id: str) -> Reporter | None:
        found = self._by_id.get(reporter_id)
        if found is None and time.monotonic() - self._loaded_at > RELOAD_AT_MOST_EVERY_S:
            self.reload()
            found = self._by_id.get(reporter_id)
        return found

    def __len__(self) -> int:
        return len(self._by_id)
