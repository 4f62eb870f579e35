"""Deadlines by which each asset must report again, in coarse buckets.

Every report re-arms the asset's deadline: two set operations, so the ingest path stays cheap
at tens of thousands of reports a second. A clock tick takes out the buckets that have passed;
looking at the whole fleet on every tick would cost milliseconds each time instead.
"""

from __future__ import annotations

from datetime import datetime

_BUCKET_S = 5


def _bucket(moment: datetime) -> int:
    return int(moment.timestamp()) // _BUCKET_S


class SilenceWatch:
    def __init__(self) -> None:
        self._buckets: dict[int, set[str]] = {}
        self._bucket_of: dict[str, int] = {}

    def arm(self, asset_id: str, deadline: datetime) -> None:
        bucket = _bucket(deadline) + 1  # due once the whole bucket has passed
        old = self._bucket_of.get(asset_id)
        if old == bucket:
            return
        if old is not None:
            members = self._buckets.get(old)
            if members is not None:
                members.discard(asset_id)
        self._buckets.setdefault(bucket, set()).add(asset_id)
        self._bucket_of[asset_id] = bucket

    def disarm(self, asset_id: str) -> None:
        old = self._bucket_of.pop(asset_id, None)
        if old is not None and old in self._buckets:
            self._buckets[old].discard(asset_id)

    def due(self, now: datetime) -> list[str]:
        """Assets whose deadline has passed (they are disarmed: a report re-arms them)."""
        current = _bucket(now)
        passed = [b for b in self._buckets if b <= current]
        found: list[str] = []
        for bucket in sorted(passed):
            for asset_id in self._buckets.pop(bucket):
                if self._bucket_of.get(asset_id) == bucket:
                    del self._bucket_of[asset_id]
                    found.append(asset_id)
        return found

    def clear(self) -> None:
        self._buckets.clear()
        self._bucket_of.clear()
