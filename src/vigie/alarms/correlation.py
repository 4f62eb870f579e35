"""Root-cause correlation over the topology.

A root alarm (a rule declared `root = true`: cabinet supply loss or breaker trip, node
unreachable, fibre link down, a gateway fallen silent) covers the assets that depend on its
asset (`Topology.dependents`): the lights on a cabinet's feeders; the devices on a node and
the nodes (with their devices) only reachable through it; the nodes a cut link leaves
unreachable — judged with the links already down (their root alarms), so that a second cut
in a ring covers the nodes the two cuts isolate together. An alarm raised on a covered asset
is a consequence of the root (`caused_by`), not an alarm of its own. A root raised shortly
after its consequences adopts them. Chains are flattened: every consequence points at the
top-level root, so the operator sees one alarm.

Everything here is dictionary lookups on maps precomputed from the registry: correlating a
1,000-luminaire cabinet costs a few milliseconds, most of it the store writes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from vigie.alarms.model import Alarm
from vigie.alarms.open_alarms import OpenAlarms
from vigie.alarms.topology import Topology


class Correlator:
    def __init__(
        self, topology: Topology, links_down: Callable[[], frozenset[str]] = frozenset
    ) -> None:
        self.topology = topology
        #: The fibre links known to be down now (their root alarms, consequences or not).
        self.links_down = links_down
        self._roots: dict[int, str] = {}  # active top-level root alarm → its asset (by age)
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
        covers = self.dependents(asset_id)
        self._roots[alarm_id] = asset_id
        self._covers[alarm_id] = covers
        for dependent in covers:
            self._covering.setdefault(dependent, alarm_id)

    def remove_root(self, alarm_id: int) -> None:
        asset_id = self._roots.pop(alarm_id, None)
        covers = self._covers.pop(alarm_id, frozenset())
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

    def reset(self, topology: Topology, roots: list[tuple[int, str]]) -> None:
        """Start again from these active roots (oldest first), on this topology."""
        self.topology = topology
        self._roots.clear()
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
