"""The fibre network: two core nodes in the main municipality, aggregation nodes (one per
municipality, a few in the main one), access nodes next to the field devices they serve, and
the fibre links joining them.

Topology: the core pair; a ring from one core node through every other municipality's
aggregation node to the other core node (in the shortest order found); the main
municipality's aggregation nodes dual-homed to both core nodes; the access nodes of each
aggregation node in a tree rooted at it (each access node's uplink goes to the nearest node
already connected, as a duct network grows street by street).

Fibre runs in ducts under the streets, never in a straight line: each link is drawn as a
detour off the straight line (along a parallel street), and the depth of these detours is set
so that the whole network measures the contract's 140 km (times the scale) whenever that is
more than the straight-line total.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from vigie.domains.network.assets import (
    FIBRE_LINK,
    NETWORK_NODE,
    FibreLinkAttributes,
    NetworkNodeAttributes,
)
from vigie.lab.city.counts import CityPlan
from vigie.lab.city.geo import FloatArray
from vigie.lab.city.partition import compact_groups
from vigie.lab.city.records import AssetBook
from vigie.lab.city.streets import CommuneStreets
from vigie.registry.asset_types import Relation
from vigie.registry.assets import NewAsset

#: Nodes are kept at least this far apart (so every link has a length).
_MIN_NODE_GAP_M = 5.0
#: How far a route may stray: at most this many times its calibrated detour depth.
_MAX_DETOUR_FACTOR = 6.0
Role = Literal["core", "aggregation", "access"]
_PORTS: dict[Role, int] = {"core": 96, "aggregation": 48, "access": 24}


@dataclass(frozen=True)
class Device:
    """A field device to connect: its asset id, municipality and position (metres)."""

    asset_id: str
    municipality_code: str
    xy: tuple[float, float]


@dataclass
class _Node:
    asset: NewAsset
    xy: tuple[float, float]


@dataclass(frozen=True)
class _Link:
    a: _Node
    b: _Node
    fibre_count: int


class _Nodes:
    def __init__(self, book: AssetBook) -> None:
        self.book = book
        self.all: list[_Node] = []

    def add(self, code: str, role: Role, name: str, xy: tuple[float, float]) -> _Node:
        x, y = xy
        while any(math.dist((x, y), node.xy) < _MIN_NODE_GAP_M for node in self.all):
            x += 2 * _MIN_NODE_GAP_M
        asset = self.book.point(
            NETWORK_NODE,
            code,
            name,
            (x, y),
            NetworkNodeAttributes(node_role=role, port_count=_PORTS[role]),
        )
        node = _Node(asset, (x, y))
        self.all.append(node)
        return node


def _on_street(streets: CommuneStreets, xy: tuple[float, float]) -> tuple[float, float]:
    sample = streets.nearest_sample(*xy)
    x, y = streets.sample_xy[sample]
    return float(x) + 2.0, float(y) + 2.0


def _ring_order(stops: list[_Node]) -> list[_Node]:
    """The stops with the first and last kept in place and the others in the order that makes
    the path short: nearest neighbour, then 2-opt until no swap helps."""
    first, last, middle = stops[0], stops[-1], list(stops[1:-1])
    path = [first]
    while middle:
        nearest = min(middle, key=lambda n: math.dist(path[-1].xy, n.xy))
        middle.remove(nearest)
        path.append(nearest)
    path.append(last)
    improved = True
    while improved:
        improved = False
        for i in range(1, len(path) - 2):
            for j in range(i + 1, len(path) - 1):
                before = math.dist(path[i - 1].xy, path[i].xy) + math.dist(
                    path[j].xy, path[j + 1].xy
                )
                after = math.dist(path[i - 1].xy, path[j].xy) + math.dist(
                    path[i].xy, path[j + 1].xy
                )
                if after < before - 1e-6:
                    path[i : j + 1] = path[i : j + 1][::-1]
                    improved = True
    return path


def _tree(root: _Node, members: list[_Node]) -> list[tuple[_Node, _Node]]:
    """(node, uplink) pairs of a minimum spanning tree grown from `root` (Prim)."""
    connected = [root]
    waiting = list(members)
    edges = []
    while waiting:
        node, uplink = min(
            ((n, c) for n in waiting for c in connected),
            key=lambda pair: math.dist(pair[0].xy, pair[1].xy),
        )
        waiting.remove(node)
        connected.append(node)
        edges.append((node, uplink))
    return edges


def _routes(links: list[_Link], target_m: float, rng: np.random.Generator) -> list[FloatArray]:
    """Each link as A → A + jog → B + jog → B, the jogs sized to meet the target total."""
    starts = np.array([link.a.xy for link in links])
    ends = np.array([link.b.xy for link in links])
    straight = np.hypot(*(ends - starts).T)
    normal = np.column_stack((-(ends - starts)[:, 1], (ends - starts)[:, 0])) / straight[:, None]
    depth = rng.uniform(0.05, 0.25, len(links)) * np.maximum(straight, 50.0)
    side = np.where(rng.random(len(links)) < 0.5, 1.0, -1.0)
    # Each jog adds twice its depth: pick the one factor that makes the total the target.
    factor = float(
        np.clip((target_m - straight.sum()) / (2 * depth.sum()), 0.0, _MAX_DETOUR_FACTOR)
    )
    routes = []
    for i in range(len(links)):
        if factor == 0.0:
            routes.append(np.array([starts[i], ends[i]]))
            continue
        jog = normal[i] * side[i] * depth[i] * factor
        routes.append(np.array([starts[i], starts[i] + jog, ends[i] + jog, ends[i]]))
    return routes


def _core(nodes: _Nodes, main: CommuneStreets, rng: np.random.Generator) -> list[_Node]:
    """The control centre's node in the middle of town, its backup 1.5 km away."""
    name = main.municipality.name
    bearing = float(rng.uniform(0, 2 * math.pi))
    backup = (
        main.centre[0] + 1_500 * math.cos(bearing),
        main.centre[1] + 1_500 * math.sin(bearing),
    )
    return [
        nodes.add(main.code, "core", f"Nœud cœur 1 – {name}", _on_street(main, main.centre)),
        nodes.add(main.code, "core", f"Nœud cœur 2 – {name}", _on_street(main, backup)),
    ]


def _access(
    nodes: _Nodes, streets: CommuneStreets, count: int, devices: list[Device]
) -> list[tuple[_Node, list[Device]]]:
    """`count` access nodes, each beside the middle device of a compact group of devices."""
    if count == 0:
        return []
    name = streets.municipality.name
    device_xy = np.array([d.xy for d in devices])
    access = []
    for n, group in enumerate(compact_groups(device_xy, np.ones(count)), start=1):
        members = device_xy[group]
        anchor = members[np.argmin(np.hypot(*(members - members.mean(axis=0)).T))]
        xy = (float(anchor[0]) + 3.0, float(anchor[1]) + 3.0)
        node = nodes.add(streets.code, "access", f"Nœud d'accès {n} – {name}", xy)
        access.append((node, [devices[int(i)] for i in group]))
    return access


def _aggregation(
    nodes: _Nodes, streets: CommuneStreets, count: int, access: list[_Node]
) -> list[tuple[_Node, list[_Node]]]:
    """`count` aggregation nodes, each in the middle of the access nodes it collects (at the
    town hall square when there are none)."""
    if access:
        access_xy = np.array([node.xy for node in access])
        groups = [
            [access[int(i)] for i in group] for group in compact_groups(access_xy, np.ones(count))
        ]
    else:
        groups = [[] for _ in range(count)]
    name = streets.municipality.name
    collected = []
    for n, members in enumerate(groups, start=1):
        if members:
            x, y = np.array([node.xy for node in members]).mean(axis=0)
        else:
            x, y = (
                (streets.squares[0].x, streets.squares[0].y) if streets.squares else streets.centre
            )
        label = f"Nœud de collecte {n} – {name}" if count > 1 else f"Nœud de collecte – {name}"
        node = nodes.add(
            streets.code, "aggregation", label, _on_street(streets, (float(x), float(y)))
        )
        collected.append((node, members))
    return collected


def _fibre(
    links: list[_Link], target_m: float, book: AssetBook, rng: np.random.Generator
) -> list[NewAsset]:
    fibre = []
    for link, route in zip(links, _routes(links, target_m, rng), strict=True):
        lonlat = book.frame.line_to_lonlat(route)
        # Measured on the rounded coordinates: the length is that of the line as stored.
        length_m = round(book.frame.line_length_m(lonlat), 1)
        fibre.append(
            book.line(
                FIBRE_LINK,
                link.a.asset.municipality_code,
                f"Fibre {link.a.asset.name} ↔ {link.b.asset.name}",
                lonlat,
                FibreLinkAttributes(length_m=length_m, fibre_count=link.fibre_count),
                links=((Relation.ENDPOINT, link.a.asset.id), (Relation.ENDPOINT, link.b.asset.id)),
            )
        )
    return fibre


def generate_network(
    communes: list[CommuneStreets],
    plan: CityPlan,
    devices: list[Device],
    book: AssetBook,
    rng: np.random.Generator,
) -> tuple[list[NewAsset], dict[str, str]]:
    """Nodes and fibre links, and the node each device is connected to (device id → node id)."""
    nodes = _Nodes(book)
    main = next(c for c in communes if c.code == plan.main_code)
    core = _core(nodes, main, rng)
    links = [_Link(core[0], core[1], 144)]
    ring: list[_Node] = []
    connected_to: dict[str, str] = {}
    for streets in communes:
        quota = plan.quota(streets.code)
        here = [d for d in devices if d.municipality_code == streets.code]
        access = _access(nodes, streets, quota.access_nodes, here)
        for node, served in access:
            connected_to.update((device.asset_id, node.asset.id) for device in served)
        collected = _aggregation(nodes, streets, quota.aggregation_nodes, [n for n, _ in access])
        for aggregation, members in collected:
            if streets.code == main.code:
                links += [_Link(aggregation, core[0], 96), _Link(aggregation, core[1], 96)]
            else:
                ring.append(aggregation)
            links += [_Link(node, uplink, 24) for node, uplink in _tree(aggregation, members)]
    if ring:
        stops = _ring_order([core[0], *ring, core[1]])
        links += [_Link(a, b, 96) for a, b in itertools.pairwise(stops)]
    fibre = _fibre(links, plan.fibre_length_m, book, rng)
    return [node.asset for node in nodes.all] + fibre, connected_to
