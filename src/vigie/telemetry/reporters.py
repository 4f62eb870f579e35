"""Who may report: every registered asset, and the meters of buildings, by id."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine

from vigie.core.clock import Clock
from vigie.registry.asset_types import reporting_parts
from vigie.registry.lifecycle import LifecycleStatus
from vigie.store.schema import asset_links, asset_parts, assets

#: An id found unknown is not looked up again for this long, so a device repeating a wrong id
#: (or a flood of junk ids) costs one query per id, not one per message.
UNKNOWN_ID_TTL = timedelta(seconds=10)
_UNKNOWN_IDS_KEPT = 100_000


@dataclass(frozen=True)
class Reporter:
    type: str  # an asset type, or "Meter"
    municipality_code: str
    asset_id: str  # the asset itself, or the building a meter belongs to
    #: Other assets whose connection may carry this one's readings (its gateways): the owner
    #: of the part it is fed by (a light's cabinet), the network node it hangs off.
    gateways: tuple[str, ...] = ()

    def forwarded_by(self, publisher: str) -> bool:
        """Whether readings of this reporter may come on `publisher`'s topic."""
        return publisher == self.asset_id or publisher in self.gateways


class ReporterIndex:
    """Asset and meter ids → what they are, loaded once and completed id by id when an
    unknown id shows up (a device registered after the ingest started)."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock
        self._lock = threading.Lock()
        self._by_id: dict[str, Reporter] = {}
        self._unknown_until: dict[str, datetime] = {}
        self.reload()

    def reload(self) -> None:
        with self._engine.connect() as conn:
            by_id = dict(self._query(conn))
        with self._lock:
            self._by_id = by_id
            self._unknown_until.clear()

    @staticmethod
    def _query(conn: Connection, only_id: str | None = None) -> Iterator[tuple[str, Reporter]]:
        asset_query = select(assets.c.id, assets.c.type, assets.c.municipality_code).where(
            assets.c.status != LifecycleStatus.RETIRED.value
        )
        part_types = {p.kind: p.urn_type for p in reporting_parts()}
        part_query = (
            select(
                asset_parts.c.id,
                asset_parts.c.kind,
                asset_parts.c.asset_id,
                assets.c.municipality_code,
            )
            .join(assets, assets.c.id == asset_parts.c.asset_id)
            .where(asset_parts.c.kind.in_(part_types))
        )
        supplier = asset_parts.alias("supplier")
        gateway_query = select(
            asset_links.c.asset_id,
            func.coalesce(supplier.c.asset_id, asset_links.c.target_id),
        ).outerjoin(supplier, supplier.c.id == asset_links.c.target_id)
        if only_id is not None:
            asset_query = asset_query.where(assets.c.id == only_id)
            part_query = part_query.where(asset_parts.c.id == only_id)
            gateway_query = gateway_query.where(asset_links.c.asset_id == only_id)
        gateways: dict[str, list[str]] = defaultdict(list)
        for asset_id, gateway in conn.execute(gateway_query):
            gateways[asset_id].append(gateway)
        for asset_id, asset_type, municipality in conn.execute(asset_query):
            found = gateways.get(asset_id)
            yield asset_id, Reporter(asset_type, municipality, asset_id, tuple(found or ()))
        for part_id, kind, owner_id, municipality in conn.execute(part_query):
            yield part_id, Reporter(part_types[kind], municipality, owner_id)

    def get(self, reporter_id: str) -> Reporter | None:
        found = self._by_id.get(reporter_id)
        if found is not None:
            return found
        now = self._clock.now()
        forgotten_at = self._unknown_until.get(reporter_id)
        if forgotten_at is not None and forgotten_at > now:
            return None
        with self._engine.connect() as conn:
            found = next((r for _, r in self._query(conn, reporter_id)), None)
        with self._lock:
            if found is not None:
                self._by_id[reporter_id] = found
            else:
                if len(self._unknown_until) >= _UNKNOWN_IDS_KEPT:
                    self._unknown_until.clear()
                self._unknown_until[reporter_id] = now + UNKNOWN_ID_TTL
        return found

    def __len__(self) -> int:
        return len(self._by_id)
