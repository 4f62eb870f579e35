"""The engine's memory of the alarms not closed, indexed the ways it looks them up: by (asset,
rule), by asset (correlation), by root (consequences). The store stays the truth: the ledger
reads rows afresh before it writes, and the cache is reconciled with the store regularly."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from vigie.alarms.model import CONDITION_STATES, Alarm, AlarmState
from vigie.alarms.topology import is_network_link

Key = tuple[str, str]


class OpenAlarms:
    def __init__(self, alarms: Iterable[Alarm] = ()) -> None:
        self.by_id: dict[int, Alarm] = {}
        self.by_key: dict[Key, int] = {}
        self._by_asset: dict[str, set[int]] = defaultdict(set)
        self._children: dict[int, set[int]] = defaultdict(set)
        self._links_down: dict[int, str] = {}  # root alarms of fibre links, condition present
        for alarm in alarms:
            self.put(alarm)

    def put(self, alarm: Alarm) -> None:
        self.remove(alarm.id)
        if alarm.state == AlarmState.CLOSED:
            return
        self.by_id[alarm.id] = alarm
        self.by_key[(alarm.asset_id, alarm.rule_id)] = alarm.id
        self._by_asset[alarm.asset_id].add(alarm.id)
        if alarm.caused_by is not None:
            self._children[alarm.caused_by].add(alarm.id)
        if alarm.is_root and is_network_link(alarm.asset_type) and alarm.state in CONDITION_STATES:
            self._links_down[alarm.id] = alarm.asset_id

    def remove(self, alarm_id: int) -> None:
        old = self.by_id.pop(alarm_id, None)
        if old is None:
            return
        self._links_down.pop(alarm_id, None)
        key = (old.asset_id, old.rule_id)
        if self.by_key.get(key) == alarm_id:
            del self.by_key[key]
        self._by_asset[old.asset_id].discard(alarm_id)
        if not self._by_asset[old.asset_id]:
            del self._by_asset[old.asset_id]
        if old.caused_by is not None:
            self._children[old.caused_by].discard(alarm_id)
            if not self._children[old.caused_by]:
                del self._children[old.caused_by]

    def for_key(self, key: Key) -> Alarm | None:
        alarm_id = self.by_key.get(key)
        return self.by_id.get(alarm_id) if alarm_id is not None else None

    def on_asset(self, asset_id: str) -> list[Alarm]:
        return [self.by_id[i] for i in self._by_asset.get(asset_id, ())]

    def children_of(self, root_id: int) -> list[Alarm]:
        return [self.by_id[i] for i in sorted(self._children.get(root_id, ()))]

    def links_down(self) -> frozenset[str]:
        """Fibre links with a root alarm whose condition is present (down, or silent)."""
        return frozenset(self._links_down.values())

    def __len__(self) -> int:
        return len(self.by_id)
