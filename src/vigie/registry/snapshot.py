"""A snapshot of the registry: every installed asset (with parts and links) read once,
grouped by type, and the municipalities. The GTFS timetable and the bus priority server
derive the bus lines from it; the lab's simulator reads the registry through it like an
installer reads the inventory (everything it sends afterwards goes through the device
protocol only)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine

from vigie.core.geodesy import M_PER_DEG_LAT, m_per_deg_lon
from vigie.registry.assets import Asset, AssetFilter, query_assets
from vigie.registry.lifecycle import LifecycleStatus
from vigie.registry.municipalities import Municipality, list_municipalities

#: Installed assets report; planned ones are not in the field yet, retired ones are gone.
REPORTING_STATUSES = (
    LifecycleStatus.ACTIVE.value,
    LifecycleStatus.MAINTENANCE.value,
    LifecycleStatus.FAULTY.value,
)


@dataclass
class RegistrySnapshot:
    assets: dict[str, list[Asset]] = field(default_factory=dict)  # type -> assets, by id
    municipalities: list[Municipality] = field(default_factory=list)

    def of_type(self, asset_type: str) -> list[Asset]:
        return self.assets.get(asset_type, [])

    @property
    def ref_lat(self) -> float:
        """Latitude of the local metric frame (the mean of the municipalities')."""
        if self.municipalities:
            return sum(m.lat for m in self.municipalities) / len(self.municipalities)
        every = [a.lat for assets in self.assets.values() for a in assets]
        return sum(every) / len(every) if every else 47.3

    def main_municipality(self) -> Municipality | None:
        """The most populous municipality: the centre the bus lines radiate from."""
        return max(self.municipalities, key=lambda m: (m.population, m.code), default=None)

    def __len__(self) -> int:
        return sum(len(assets) for assets in self.assets.values())


class Frame:
    """Metres ↔ WGS84 around a reference latitude (equirectangular, as the generator)."""

    def __init__(self, ref_lat: float) -> None:
        self.kx = m_per_deg_lon(ref_lat)
        self.ky = M_PER_DEG_LAT

    def to_xy(self, lon: float, lat: float) -> tuple[float, float]:
        return lon * self.kx, lat * self.ky

    def to_lonlat(self, x: float, y: float) -> tuple[float, float]:
        return x / self.kx, y / self.ky


def load_snapshot(engine: Engine) -> RegistrySnapshot:
    """Every installed asset of the registry, with its parts and links."""
    by_type: dict[str, list[Asset]] = defaultdict(list)
    with engine.connect() as conn:
        found = query_assets(conn, AssetFilter(statuses=REPORTING_STATUSES), with_parts=True)
        municipalities = list_municipalities(conn)
    for asset in found:
        by_type[asset.type].append(asset)
    return RegistrySnapshot(dict(by_type), municipalities)
