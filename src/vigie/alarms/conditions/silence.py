"""Silence: an asset in service that misses `missed_reports` of its type's expected reports is
offline. The engine arms a deadline each time the asset reports (see alarms.silence_watch)
and evaluates this condition when the deadline passes."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import msgspec

from vigie.alarms.conditions.base import Condition, Context
from vigie.core.text import Text
from vigie.telemetry.catalogue import expected_interval_s


class SilenceParams(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    missed_reports: Annotated[int, msgspec.Meta(ge=1, le=1000)] = 3


def _duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds >= 3600:
        return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
    if seconds >= 120:
        return f"{seconds // 60} min"
    return f"{seconds} s"


class SilenceCondition(Condition):
    def __init__(self, params: SilenceParams, reporter_type: str) -> None:
        self.interval = timedelta(seconds=expected_interval_s(reporter_type))
        self.limit = self.interval * params.missed_reports

    def evaluate(self, ctx: Context, active: bool) -> Text | None:
        if not ctx.asset.in_service or ctx.last_seen is None:
            return None
        silent = ctx.now - ctx.last_seen
        if silent <= self.limit:
            return None
        return Text(
            f"no report for {_duration(silent)} (expected every {_duration(self.interval)})",
            f"aucun relevé depuis {_duration(silent)} (attendu toutes les "
            f"{_duration(self.interval)})",
        )
