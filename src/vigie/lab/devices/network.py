"""The fibre network as its supervision (NMS) sees it from the core: every node's
reachability and round-trip latency, every link's state, latency and received optical power,
once a minute and at once on a change.

A fibre cut takes its link down; nodes with no path left to a core node become unreachable
(the ring keeps the aggregation nodes reachable through its other side; an access node's
uplink has no backup), and the field devices connected to them cannot report any more.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterator, Sequence

from vigie.domains.network.assets import FIBRE_LINK, NETWORK_NODE
from vigie.domains.network.metrics import NETWORK_INTERVAL_S
from vigie.lab.devices.base import Affected, Command, Outcome, SimContext, rounded
from vigie.registry.asset_types import Relation
from vigie.registry.snapshot import RegistrySnapshot

NODE = NETWORK_NODE
LINK = FIBRE_LINK
LAUNCH_DBM = -2.0
ATTENUATION_DB_PER_KM = 0.35
#: What a receiver reports with no light at all (loss of signal).
LOS_DBM = -40.0
#: Light in fibre: about 5 µs per km.
MS_PER_KM = 0.005


class Network:
    def __init__(self, ctx: SimContext, twin: RegistrySnapshot) -> None:
        self.ctx = ctx
        nodes = twin.of_type(NODE)
        links = twin.of_type(LINK)
        self.node_ids = [n.id for n in nodes]
        self.node_index = {node_id: k for k, node_id in enumerate(self.node_ids)}
        self.link_ids = [link.id for link in links]
        self.link_km = [float(link.attributes.get("length_m", 1000.0)) / 1000.0 for link in links]
        self.ends: list[tuple[int, int] | None] = []
        self.adjacent: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for j, link in enumerate(links):
            ends = [
                self.node_index[k.target_id]
                for k in link.links
                if k.relation == Relation.ENDPOINT.value and k.target_id in self.node_index
            ]
            if len(ends) == 2:
                a, b = ends
                self.ends.append((a, b))
                self.adjacent[a].append((b, j))
                self.adjacent[b].append((a, j))
            else:
                self.ends.append(None)
        cores = [k for k, n in enumerate(nodes) if n.attributes.get("node_role") == "core"]
        self.cores = cores or ([0] if nodes else [])
        self.devices: dict[int, list[str]] = defaultdict(list)
        for assets in twin.assets.values():
            for asset in assets:
                for k in asset.links:
                    if k.relation == Relation.CONNECTED_TO.value and k.target_id in self.node_index:
                        self.devices[self.node_index[k.target_id]].append(asset.id)
        rng = ctx.rng("network:init")
        self.connector_db = [float(rng.uniform(0.5, 2.5)) for _ in links]
        self.node_base_ms = [float(rng.uniform(0.15, 0.4)) for _ in nodes]
        self.up = [True] * len(links)
        self.hops: list[int | None] = [None] * len(nodes)
        self._noise = ctx.rng("network:noise")
        self._route()
        ctx.node_reachable = self.reachable

    def reachable(self, node_id: str) -> bool:
        k = self.node_index.get(node_id)
        return k is None or self.hops[k] is not None

    def _route(self) -> None:
        """Hop counts from the nearest core node over the links that are up (BFS)."""
        hops: list[int | None] = [None] * len(self.node_ids)
        queue: deque[int] = deque()
        for core in self.cores:
            hops[core] = 0
            queue.append(core)
        while queue:
            here = queue.popleft()
            for there, j in self.adjacent[here]:
                if self.up[j] and hops[there] is None:
                    hops[there] = (hops[here] or 0) + 1
                    queue.append(there)
        self.hops = hops

    def start(self, t0_s: float) -> None:
        for k in range(len(self.node_ids)):
            self._report_node(t0_s, k)
        for j in range(len(self.link_ids)):
            self._report_link(t0_s, j)
        for k, t_s in enumerate(self.ctx.phases("network:nodes", len(self.node_ids),
                                                NETWORK_INTERVAL_S)):  # fmt: skip
            self.ctx.scheduler.at(t_s, self._node_tick, k)
        for j, t_s in enumerate(self.ctx.phases("network:links", len(self.link_ids),
                                                NETWORK_INTERVAL_S)):  # fmt: skip
            self.ctx.scheduler.at(t_s, self._link_tick, j)

    def _node_tick(self, t_s: float, k: int) -> None:
        self._report_node(t_s, k)
        self.ctx.scheduler.at(t_s + NETWORK_INTERVAL_S, self._node_tick, k)

    def _link_tick(self, t_s: float, j: int) -> None:
        self._report_link(t_s, j)
        self.ctx.scheduler.at(t_s + NETWORK_INTERVAL_S, self._link_tick, j)

    def _report_node(self, t_s: float, k: int) -> None:
        hops = self.hops[k]
        metrics: dict[str, object] = {"reachable": hops is not None}
        if hops is not None:
            jitter = float(self._noise.lognormal(-3.0, 0.5))  # median 0.05 ms
            metrics["latency_ms"] = rounded(self.node_base_ms[k] + 0.12 * hops + jitter, 3)
        self.ctx.outbox.emit(self.node_ids[k], t_s, metrics)

    def _report_link(self, t_s: float, j: int) -> None:
        km = self.link_km[j]
        if self.up[j]:
            optical = LAUNCH_DBM - ATTENUATION_DB_PER_KM * km - self.connector_db[j]
            metrics: dict[str, object] = {
                "link_up": True,
                "latency_ms": rounded(0.02 + MS_PER_KM * km, 4),
                "optical_power_dbm": rounded(optical + self._noise.normal(0.0, 0.05), 2),
            }
        else:
            metrics = {"link_up": False, "optical_power_dbm": LOS_DBM}
        self.ctx.outbox.emit(self.link_ids[j], t_s, metrics)

    def finish(self, t_s: float) -> None:
        """No counters to close."""

    def counters(self, t_s: float) -> Iterator[tuple[str, str, float]]:
        return iter(())

    def command(
        self, asset_id: str, command: Command, until_s: float | None, t_s: float
    ) -> Outcome | None:
        if asset_id in self.node_index or asset_id in self.link_ids:
            return Outcome("failed", f"no commands for network equipment: {command.action}")
        return None

    # -- faults --------------------------------------------------------------------------

    def fault_assets(self, kind: str) -> Sequence[str]:
        return self.link_ids if kind == "fibre_cut" else ()

    def _reroute(self, t_s: float) -> list[int]:
        """Recompute routes; report the nodes whose reachability changed; which lost it."""
        before = [h is not None for h in self.hops]
        self._route()
        lost = []
        for k, was in enumerate(before):
            now = self.hops[k] is not None
            if now != was:
                self._report_node(t_s, k)
                if not now:
                    lost.append(k)
        return lost

    def start_fault(self, kind: str, index: int, t_s: float) -> Affected | None:
        if not self.up[index]:
            return None
        self.up[index] = False
        self._report_link(t_s, index)
        lost = self._reroute(t_s)
        silenced = [self.node_ids[k] for k in lost] + [d for k in lost for d in self.devices[k]]
        return Affected(t_s, tuple(silenced))

    def end_fault(self, kind: str, index: int, t_s: float) -> None:
        self.up[index] = True
        self._report_link(t_s, index)
        self._reroute(t_s)
