"""Root-cause correlation over the topology.

A root alarm (a rule declared `root = true`: cabinet supply loss or breaker trip, node
unreachable, fibre link down, a gateway fallen silent) covers the assets that depend on its
asset (`Topology.dependents`): the lights on a cabinet's feeders; the devices on a node and
the nodes (with their devices) only reachable through it; the nodes a cut link leaves
unreachable — judged with the links already down (their root alarms), so that a second cut
in a ring covers the nodes the two cuts isolate together. An alarm raised on a covered asset
is a consequence of the root (`caused_by`), not an alarm of its own. A root raised shortly
after its consequences adopts them. Chains are flattened: every consequence points at the
top-level root, so the operator sees one alarm, and that root covers what its adopted roots
covered. When a fibre link comes back, what the network roots cover is judged again on the
links still down: nodes that another cut still isolates stay that cut's consequences.

Everything here is dictionary lookups on maps precomputed from the registry: correlating a
1,000-luminaire cabinet costs a few milliseconds, most of it the store writes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from vigie.alarms.model import Alarm
from vigie.alarms.open_alarms import OpenAlarms
from vigie.alarms.topology import Topology, is_network_link, is_network_node


class Correlator:
    def __init__(
        self, topology: Topology, links_down: Callable[[], frozenset[str]] = frozenset
    ) -> None:
        self.topology = topology
        #: The fibre links known to be down now (their root alarms, consequences or not).
        self.links_down = links_down
        self._roots: dict[int, str] = {}  # active top-level root alarm → its asset (by age)
        #: root alarm → the assets whose root alarms it stands for (its own, then adopted)
        self._members: dict[int, list[str]] = {}
        self._covers: dict[int, frozenset[str]] = {}  # root alarm → the assets it covers
        self._covering: dict[str, int] = {}  # asset → the root alarm covering it

    def dependents(self, asset_id: str) -> frozenset[str]:
        """What a root on `asset_id` would cover now: judged with the fibre links already
        down (see Topology.dependents)."""
        return self.topology.dependents(asset_id, self.links_down())

    def root_for(self, asset_id: str, *, excluding: int | None = None) -> int | None:
        """The active root alarm this asset's alarms are consequences of, if any."""
        root = self._covering.get(asset_id)
        if root is None or root != excluding:
            return root
        # The asset's own root alarm asking: another root may cover the asset too.
        return next(
            (
                other
                for other in self._roots
                if other != excluding and asset_id in self._covers.get(other, frozenset())
            ),
            None,
        )

    def is_active_root(self, alarm_id: int) -> bool:
        return alarm_id in self._roots

    def add_root(self, alarm_id: int, asset_id: str) -> None:
        self._roots[alarm_id] = asset_id
        self._members[alarm_id] = [asset_id]
        self._cover(alarm_id)

    def absorb(self, root_id: int, adopted_id: int) -> None:
        """A root adopts another root alarm (which showed first): it covers what that one
        covered too, and the adopted is a root no more."""
        members = self._members.pop(adopted_id, None)
        self.remove_root(adopted_id, refresh=False)
        if root_id in self._roots and members:
            self._members[root_id].extend(members)
            self._cover(root_id)

    def remove_root(self, alarm_id: int, *, refresh: bool = True) -> None:
        asset_id = self._roots.pop(alarm_id, None)
        covers = self._covers.pop(alarm_id, frozenset())
        self._members.pop(alarm_id, None)
        if asset_id is None:
            return
        freed = [d for d in covers if self._covering.get(d) == alarm_id]
        for dependent in freed:
            del self._covering[dependent]
        for other in self._roots:
            covered = self._covers.get(other, frozenset())
            for dependent in freed:
                if dependent in covered:
                    self._covering.setdefault(dependent, other)
        info = self.topology.get(asset_id)
        if (
            refresh
            and info is not None
            and (is_network_node(info.type) or is_network_link(info.type))
        ):
            self.refresh_network()

    def refresh_network(self) -> None:
        """The fibre links down have changed (one came back): what each network root covers,
        judged again on the network as it stands now."""
        changed = False
        for root_id, asset_id in self._roots.items():
            info = self.topology.get(asset_id)
            if info is not None and (is_network_node(info.type) or is_network_link(info.type)):
                before = self._covers.get(root_id)
                self._covers[root_id] = self._covered_by(root_id)
                changed = changed or self._covers[root_id] != before
        if not changed:
            return
        # What stays covered keeps its root; what a root covers anew goes to the newest
        # (the cut that completed an isolation, as when it was raised).
        kept = {
            dependent: root_id
            for dependent, root_id in self._covering.items()
            if dependent in self._covers.get(root_id, frozenset())
        }
        self._covering = kept
        for root_id in reversed(list(self._roots)):
            for dependent in self._covers[root_id]:
                kept.setdefault(dependent, root_id)

    def _covered_by(self, root_id: int) -> frozenset[str]:
        members = self._members.get(root_id, [])
        if len(members) == 1:
            return self.dependents(members[0])
        return frozenset().union(*(self.dependents(m) for m in members))

    def _cover(self, root_id: int) -> None:
        covers = self._covered_by(root_id)
        self._covers[root_id] = covers
        for dependent in covers:
            self._covering.setdefault(dependent, root_id)

    def reset(self, topology: Topology, roots: list[tuple[int, str]]) -> None:
        """Start again from these active roots (oldest first), on this topology."""
        self.topology = topology
        self._roots.clear()
        self._members.clear()
        self._covers.clear()
        self._covering.clear()
        for alarm_id, asset_id in roots:
            self.add_root(alarm_id, asset_id)

    def adoptable(
        self, root: Alarm, open_alarms: OpenAlarms, window: timedelta, now: datetime
    ) -> list[Alarm]:
        """Top-level alarms on the root's dependents raised within `window` before it (the
        consequences that showed first), with the consequences they already had."""
        since = root.raised_at - window
        found: dict[int, Alarm] = {}
        covers = self._covers.get(root.id) or self.dependents(root.asset_id)
        for dependent in covers:
            for alarm in open_alarms.on_asset(dependent):
                if alarm.id == root.id or alarm.caused_by is not None:
                    continue
                if since <= alarm.raised_at <= now:
                    found[alarm.id] = alarm
                    for child in open_alarms.children_of(alarm.id):
                        found[child.id] = child
        return [found[i] for i in sorted(found)]
