"""Buildings: energy drawn at night above the building's usual level at night.

Each meter's usual night level is learnt from its own readings: the median of its `power_w`
reported within the night hours of the previous nights (the current night excluded). At
night, a meter drawing more than `factor` times that level (and more than `min_power_w`, to
ignore small meters) is wasting energy: lighting, ventilation or equipment left running in an
empty building.

The night is compared with nights, not with days: in winter a heated building draws at night,
to hold its set-back temperature, nearly what it draws by day, and that is no waste. Heating
left at the day's setpoint is the building management system's rule to see
(`buildings.heating_unoccupied`): it changes the consumption too little to tell from a colder
night.
"""

from __future__ import annotations

import itertools
import statistics
from collections import deque
from datetime import datetime, timedelta
from typing import Annotated

import msgspec
from sqlalchemy import select
from sqlalchemy.engine import Connection

from vigie.alarms.conditions.base import Condition, Context, ParamError
from vigie.alarms.conditions.local_time import HoursWindow
from vigie.alarms.topology import Topology
from vigie.core.text import Text
from vigie.domains.buildings.assets import METER
from vigie.store.schema import readings
from vigie.store.types import MICROSECOND
from vigie.telemetry.catalogue import expected_interval_s
from vigie.timeseries.sql import hours_of

_SAMPLES_KEPT = 2_000
_PRIME_CHUNK = 500


#: Samples this recent belong to the night being judged, not to the baseline.
_CURRENT_NIGHT = timedelta(hours=12)


class NightConsumptionParams(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    night_hours: list[str] = msgspec.field(default_factory=lambda: ["22:00", "05:00"])
    factor: Annotated[float, msgspec.Meta(gt=0, le=100)] = 1.5
    min_power_w: Annotated[float, msgspec.Meta(ge=0)] = 200.0
    min_samples: Annotated[int, msgspec.Meta(ge=1, le=10_000)] = 8
    baseline_days: Annotated[float, msgspec.Meta(gt=0, le=60)] = 7.0


def _window(hours: list[str], key: str) -> HoursWindow:
    if len(hours) != 2:
        raise ParamError(f'{key} is ["HH:MM", "HH:MM"]', key)
    try:
        return HoursWindow(*hours)
    except ValueError as error:
        raise ParamError(str(error), key) from None


class _Baseline:
    def __init__(self) -> None:
        self.samples: deque[tuple[datetime, float]] = deque(maxlen=_SAMPLES_KEPT)
        self.median_w: float | None = None
        self.median_of = 0  # number of (oldest) samples the median was computed from


class NightConsumption(Condition):
    metrics = frozenset({"power_w"})
    on_tick = True
    observes = True

    def __init__(self, params: NightConsumptionParams, reporter_type: str) -> None:
        self.params = params
        self.night = _window(params.night_hours, "night_hours")
        self.keep = timedelta(days=params.baseline_days)
        # An older value is the silence rule's business, not a consumption.
        self.max_age = timedelta(seconds=2 * expected_interval_s(reporter_type))
        self._baselines: dict[str, _Baseline] = {}

    def _learn(self, meter_id: str, ts: datetime, power_w: float) -> None:
        if not self.night.contains(ts):
            return
        baseline = self._baselines.setdefault(meter_id, _Baseline())
        if baseline.samples and baseline.samples[-1][0] >= ts:
            return  # seen already (a report that did not change the value)
        baseline.samples.append((ts, power_w))

    def observe(self, ctx: Context) -> None:
        found = ctx.values.get("power_w")
        if found is not None and found.value is not None:
            self._learn(ctx.asset.id, found.ts, found.value)

    def usual_w(self, meter_id: str, now: datetime) -> float | None:
        """The meter's median power over the previous nights, once it has enough samples."""
        baseline = self._baselines.get(meter_id)
        if baseline is None:
            return None
        while baseline.samples and baseline.samples[0][0] < now - self.keep:
            baseline.samples.popleft()
            baseline.median_w = None
        # Samples come in time order: the previous nights are all but the last few.
        until = now - _CURRENT_NIGHT
        recent = 0
        for ts, _ in reversed(baseline.samples):
            if ts < until:
                break
            recent += 1
        past = len(baseline.samples) - recent
        if past < self.params.min_samples:
            return None
        if baseline.median_w is None or baseline.median_of != past:
            baseline.median_w = statistics.median(
                v for _, v in itertools.islice(baseline.samples, past)
            )
            baseline.median_of = past
        return baseline.median_w

    def idle(self, now: datetime, topology: Topology) -> bool:
        return not self.night.contains(now)

    def evaluate(self, ctx: Context, active: bool) -> Text | None:
        if not self.night.contains(ctx.now):
            return None
        found = ctx.values.get("power_w")
        if found is None or found.value is None or ctx.now - found.ts > self.max_age:
            return None
        power_w = found.value
        usual_w = self.usual_w(ctx.asset.id, ctx.now)
        if usual_w is None:
            return None
        limit_w = max(self.params.factor * usual_w, self.params.min_power_w)
        if power_w <= limit_w:
            return None
        return Text(
            f"drawing {power_w:g} W at night; usual night level {usual_w:g} W "
            f"(limit {self.params.factor:g}×, {limit_w:g} W)",
            f"consomme {power_w:g} W la nuit ; niveau nocturne habituel {usual_w:g} W "
            f"(seuil {self.params.factor:g}×, {limit_w:g} W)",
        )

    def prime(self, conn: Connection, topology: Topology, now: datetime) -> None:
        meters = topology.by_type.get(METER, [])
        since = now - self.keep
        hours = hours_of(since, now + MICROSECOND)
        for start in range(0, len(meters), _PRIME_CHUNK):
            rows = conn.execute(
                select(readings.c.asset_id, readings.c.ts, readings.c.value)
                .where(
                    readings.c.ts_hour.in_(select(hours.c.h)),
                    readings.c.asset_id.in_(meters[start : start + _PRIME_CHUNK]),
                    readings.c.metric == "power_w",
                    readings.c.ts >= since,
                    readings.c.ts <= now,
                )
                .order_by(readings.c.asset_id, readings.c.ts)
            )
            for meter_id, ts, value in rows:
                if value is not None:
                    self._learn(meter_id, ts, value)
