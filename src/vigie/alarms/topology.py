"""What the alarm engine knows of the registry, precomputed for speed: every reporter (asset
or reporting part such as a meter) with its type, place and attributes, and the topology maps
that say which assets depend on which — the assets fed by a supplier's parts (lights on a
cabinet's feeders), the devices on a network node, the nodes cut off by a failed node or link.
Which types are suppliers, network nodes and network links is read from the installed asset
types' relations, not named here; a network node whose `node_role` is `core` (or else
`aggregation`) is a root of the network.

Loaded once (about a second for the whole Dijon twin) and reloaded when the registry changes.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.engine import Connection

from vigie.registry.asset_types import ASSET_TYPES, Relation, reporting_parts
from vigie.registry.lifecycle import LifecycleStatus
from vigie.store.schema import asset_links, asset_parts, assets


def network_link_types() -> frozenset[str]:
    """Types that join two network nodes (their ENDPOINT links)."""
    return frozenset(
        s.name for s in ASSET_TYPES.values() if any(r == Relation.ENDPOINT for r, _, _ in s.links)
    )


def network_node_types() -> frozenset[str]:
    """Types a network link ends on."""
    return frozenset(
        target
        for s in ASSET_TYPES.values()
        for relation, _, targets in s.links
        if relation == Relation.ENDPOINT
        for target in targets
    )


def is_network_link(asset_type: str) -> bool:
    return asset_type in network_link_types()


def is_network_node(asset_type: str) -> bool:
    return asset_type in network_node_types()


#: (assets, assets in service, latest change, links): when it moves, the topology reloads.
Signature = tuple[int, int, datetime | None, int]


@dataclass(frozen=True, slots=True)
class AssetInfo:
    id: str
    type: str  # asset type, or a reporting part's URN type ("Meter")
    municipality_code: str
    status: str
    lon: float
    lat: float
    attributes: Mapping[str, Any]
    #: For a reporting part (a meter), the asset it belongs to (its building).
    parent_id: str | None = None

    @property
    def in_service(self) -> bool:
        """Only assets in service are expected to report (planned, in maintenance or already
        known faulty ones are not watched for silence)."""
        return self.status == LifecycleStatus.ACTIVE.value


def signature(conn: Connection) -> Signature:
    in_service = func.sum(case((assets.c.status == LifecycleStatus.ACTIVE.value, 1), else_=0))
    count, active, latest = conn.execute(
        select(func.count(), in_service, func.max(assets.c.updated_at))
    ).one()
    links = conn.scalar(select(func.count()).select_from(asset_links))
    return int(count), int(active or 0), latest, int(links or 0)


class Topology:
    def __init__(self) -> None:
        self.assets: dict[str, AssetInfo] = {}
        self.by_type: dict[str, list[str]] = defaultdict(list)
        self.owner_of_part: dict[str, str] = {}
        #: supplier (the owner of the part an asset is fed by) -> the assets it feeds
        self.fed_by: dict[str, list[str]] = defaultdict(list)
        self.devices_of_node: dict[str, list[str]] = defaultdict(list)
        self.ends_of_link: dict[str, tuple[str, ...]] = {}
        self.links_of_node: dict[str, list[str]] = defaultdict(list)
        self.core_nodes: list[str] = []
        self.signature: Signature = (0, 0, None, 0)
        self._dependents: dict[tuple[str, frozenset[str]], frozenset[str]] = {}
        self._connected: set[str] | None = None
        self._centre: tuple[float, float] | None = None

    @classmethod
    def load(cls, conn: Connection) -> Topology:
        topology = cls()
        topology.signature = signature(conn)
        retired = LifecycleStatus.RETIRED.value
        rows = conn.execute(
            select(
                assets.c.id,
                assets.c.type,
                assets.c.municipality_code,
                assets.c.status,
                assets.c.lon,
                assets.c.lat,
                assets.c.attributes,
            ).where(assets.c.status != retired)
        )
        for asset_id, asset_type, code, status, lon, lat, attributes in rows:
            topology._add(AssetInfo(asset_id, asset_type, code, status, lon, lat, attributes))
        parts = conn.execute(
            select(
                asset_parts.c.id,
                asset_parts.c.asset_id,
                asset_parts.c.kind,
                asset_parts.c.attributes,
            )
        )
        reporting = {p.kind: p.urn_type for p in reporting_parts()}
        for part_id, owner_id, kind, attributes in parts:
            owner = topology.assets.get(owner_id)
            if owner is None:
                continue
            topology.owner_of_part[part_id] = owner_id
            if kind in reporting:
                topology._add(
                    AssetInfo(
                        part_id,
                        reporting[kind],
                        owner.municipality_code,
                        owner.status,
                        owner.lon,
                        owner.lat,
                        attributes,
                        parent_id=owner_id,
                    )
                )
        ends: dict[str, list[str]] = defaultdict(list)
        for asset_id, relation, target_id in conn.execute(
            select(asset_links.c.asset_id, asset_links.c.relation, asset_links.c.target_id)
        ):
            if asset_id not in topology.assets:
                continue
            if relation == Relation.FED_BY.value:
                supplier = topology.owner_of_part.get(target_id, target_id)
                topology.fed_by[supplier].append(asset_id)
            elif relation == Relation.CONNECTED_TO.value:
                topology.devices_of_node[target_id].append(asset_id)
            elif relation == Relation.ENDPOINT.value:
                ends[asset_id].append(target_id)
        for link_id, nodes in ends.items():
            topology.ends_of_link[link_id] = tuple(nodes)
            for node in nodes:
                topology.links_of_node[node].append(link_id)
        nodes = [n for t in network_node_types() for n in topology.by_type.get(t, [])]
        roles = {n: topology.assets[n].attributes.get("node_role") for n in nodes}
        topology.core_nodes = [n for n in nodes if roles[n] == "core"] or [
            n for n in nodes if roles[n] == "aggregation"
        ]
        return topology

    def _add(self, info: AssetInfo) -> None:
        self.assets[info.id] = info
        self.by_type[info.type].append(info.id)

    def centre(self) -> tuple[float, float]:
        """Mean position of the reporters (lon, lat); Dijon's when there are none."""
        if self._centre is None:
            found = list(self.assets.values())
            self._centre = (
                (sum(a.lon for a in found) / len(found), sum(a.lat for a in found) / len(found))
                if found
                else (5.04, 47.32)
            )
        return self._centre

    def get(self, asset_id: str) -> AssetInfo | None:
        return self.assets.get(asset_id)

    def dependents(self, asset_id: str, down_links: frozenset[str] = frozenset()) -> frozenset[str]:
        """The assets whose alarms are consequences of a root alarm on `asset_id` (the asset
        itself included: its other alarms are part of the same incident). For a network
        node or link, `down_links` are fibre links already down: what the failure cuts off
        is judged on the network as it stands (a second cut in a ring isolates the nodes
        between the two)."""
        info = self.assets.get(asset_id)
        if info is None or not (is_network_node(info.type) or is_network_link(info.type)):
            down_links = frozenset()
        else:
            down_links = down_links - {asset_id}
        key = (asset_id, down_links)
        found = self._dependents.get(key)
        if found is None:
            found = frozenset(self._compute_dependents(asset_id, down_links))
            self._dependents[key] = found
        return found

    def _compute_dependents(self, asset_id: str, down_links: frozenset[str]) -> set[str]:
        info = self.assets.get(asset_id)
        found = {asset_id}
        if info is None:
            return found
        if asset_id in self.fed_by:
            found.update(self.fed_by[asset_id])
        elif is_network_node(info.type):
            found.update(self.devices_of_node.get(asset_id, ()))
            found.update(self.links_of_node.get(asset_id, ()))
            self._add_behind(found, self.cut_off(without_node=asset_id, down_links=down_links))
        elif is_network_link(info.type):
            self._add_behind(found, self.cut_off(without_link=asset_id, down_links=down_links))
        return found

    def _add_behind(self, found: set[str], nodes: set[str]) -> None:
        for node in nodes:
            found.add(node)
            found.update(self.devices_of_node.get(node, ()))
            found.update(self.links_of_node.get(node, ()))

    def cut_off(
        self,
        *,
        without_node: str | None = None,
        without_link: str | None = None,
        down_links: frozenset[str] = frozenset(),
    ) -> set[str]:
        """The network nodes that reach a core node now (with `down_links` down) but no
        longer do when `without_node` or `without_link` fails too (the failed node itself
        excluded). A ring survives one cut."""
        if down_links:
            reaching = self._reachable(None, down_links)
        else:
            if self._connected is None:
                self._connected = self._reachable(None, frozenset())
            reaching = self._connected
        failed = down_links | {without_link} if without_link else down_links
        cut = reaching - self._reachable(without_node, failed)
        cut.discard(without_node or "")
        return cut

    def _reachable(self, without_node: str | None, without_links: frozenset[str]) -> set[str]:
        roots = [n for n in self.core_nodes if n != without_node]
        reached = set(roots)
        queue = deque(roots)
        while queue:
            node = queue.popleft()
            for link in self.links_of_node.get(node, ()):
                if link in without_links:
                    continue
                for other in self.ends_of_link.get(link, ()):
                    if other != without_node and other not in reached:
                        reached.add(other)
                        queue.append(other)
        return reached

    def positions_where(
        self, asset_type: str, attribute: str, value: object
    ) -> list[tuple[float, float]]:
        """Registered positions (lon, lat) of the assets of a type whose attribute has a value
        (e.g. the buses of a line, which sample its corridor)."""
        return [
            (info.lon, info.lat)
            for asset_id in self.by_type.get(asset_type, ())
            if (info := self.assets[asset_id]).attributes.get(attribute) == value
        ]
