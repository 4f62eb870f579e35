"""Per (asset, rule): is the condition present, since when, and has it lasted long enough.

The tracker turns the answers of conditions into edges: a Rise once a condition has held for
its rule's minimum duration (`for_s`), a Fall as soon as it no longer holds. What an edge does
to alarms (raise, clear, count a flap) is the ledger's business.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from vigie.alarms.ruleset import Rule
from vigie.core.text import Text

Key = tuple[str, str]  # (asset id, rule id)


class Rise(NamedTuple):
    asset_id: str
    rule: Rule
    since: datetime  # when the condition began
    detail: Text


class Fall(NamedTuple):
    asset_id: str
    rule: Rule


Edge = Rise | Fall


@dataclass(slots=True)
class Track:
    active: bool = False
    pending_since: datetime | None = None


class Tracker:
    def __init__(self) -> None:
        self.tracks: dict[Key, Track] = {}
        #: Conditions present but not yet for long enough: the clock may complete them.
        self.pending: set[Key] = set()
        #: rule id → assets with a track (present or pending) under it.
        self._by_rule: dict[str, set[str]] = {}

    def is_active(self, key: Key) -> bool:
        track = self.tracks.get(key)
        return track is not None and track.active

    def step(
        self, asset_id: str, rule: Rule, detail: Text | None, since: datetime, now: datetime
    ) -> Edge | None:
        key = (asset_id, rule.id)
        track = self.tracks.get(key)
        if detail is None:
            if track is None:
                return None
            self.pending.discard(key)
            del self.tracks[key]
            self._by_rule[rule.id].discard(asset_id)
            return Fall(asset_id, rule) if track.active else None
        if track is None:
            track = self.tracks[key] = Track()
            self._by_rule.setdefault(rule.id, set()).add(asset_id)
        if track.active:
            return None
        began = track.pending_since or since
        if now - began >= timedelta(seconds=rule.for_s):
            track.active = True
            track.pending_since = None
            self.pending.discard(key)
            return Rise(asset_id, rule, began, detail)
        track.pending_since = began
        self.pending.add(key)
        return None

    def tracked(self, rule_id: str) -> set[str]:
        """Assets whose condition under this rule is present (raised or pending)."""
        return self._by_rule.get(rule_id, set())

    def assume_active(self, key: Key) -> None:
        """The condition is present and its alarm already raised (found at start-up)."""
        self.tracks[key] = Track(active=True)
        self.pending.discard(key)
        self._by_rule.setdefault(key[1], set()).add(key[0])

    def reset(self) -> None:
        self.tracks.clear()
        self.pending.clear()
        self._by_rule.clear()

    def forget_rules(self, kept: set[str]) -> None:
        """Drop the tracks of rules no longer loaded."""
        for key in [k for k in self.tracks if k[1] not in kept]:
            del self.tracks[key]
            self.pending.discard(key)
        self._by_rule = {r: a for r, a in self._by_rule.items() if r in kept}
