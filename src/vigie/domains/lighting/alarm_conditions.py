"""Street lighting conditions that need more than a threshold: a failed lamp, a dimming level
the power drawn does not match, a lamp burning in daylight."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

import msgspec

from vigie.alarms.conditions.base import Condition, Context
from vigie.alarms.conditions.sun import SunTimes
from vigie.alarms.topology import Topology
from vigie.core.text import Text
from vigie.telemetry.catalogue import expected_interval_s

Percent = Annotated[float, msgspec.Meta(ge=0, le=100)]
NonNegative = Annotated[float, msgspec.Meta(ge=0)]


class LampFailureParams(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    #: A lamp switched on that draws less than the larger of these is not lit.
    min_power_w: NonNegative = 2.0
    min_power_pct: Percent = 5.0


def _rated_w(ctx: Context) -> float | None:
    rated = ctx.asset.attributes.get("rated_power_w")
    return float(rated) if isinstance(rated, (int, float)) and rated > 0 else None


def _dark_below_w(ctx: Context, min_power_w: float, min_power_pct: float) -> float:
    rated = _rated_w(ctx)
    return max(min_power_w, min_power_pct / 100.0 * rated) if rated else min_power_w


class LampFailure(Condition):
    """Switched on yet drawing (almost) nothing, or the node reports a lamp or driver fault."""

    metrics = frozenset({"on", "power_w", "lamp_fault", "driver_fault"})

    def __init__(self, params: LampFailureParams, reporter_type: str) -> None:
        self.params = params

    def evaluate(self, ctx: Context, active: bool) -> Text | None:
        if ctx.is_true("lamp_fault"):
            return Text("lamp fault reported", "défaut de lampe signalé")
        if ctx.is_true("driver_fault"):
            return Text("driver fault reported", "défaut de driver signalé")
        power_w = ctx.number("power_w")
        if not ctx.is_true("on") or power_w is None:
            return None
        dark_w = _dark_below_w(ctx, self.params.min_power_w, self.params.min_power_pct)
        if power_w < dark_w:
            return Text(
                f"switched on but drawing {power_w:g} W (< {dark_w:g} W)",
                f"allumé mais consomme {power_w:g} W (< {dark_w:g} W)",
            )
        return None


class DimmingFailureParams(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    #: Power may differ from dim_pct × rated_power_w by the larger of these.
    tolerance_pct: Percent = 25.0
    tolerance_w: NonNegative = 5.0
    #: Below this the lamp is dark: a lamp failure, not a dimming one.
    min_power_w: NonNegative = 2.0
    min_power_pct: Percent = 5.0


class DimmingFailure(Condition):
    """Lit, but the power drawn does not match the dimming level (as a share of the rated
    power registered for the luminaire): the driver ignores the dimming commands."""

    metrics = frozenset({"on", "dim_pct", "power_w"})

    def __init__(self, params: DimmingFailureParams, reporter_type: str) -> None:
        self.params = params

    def evaluate(self, ctx: Context, active: bool) -> Text | None:
        p = self.params
        rated = _rated_w(ctx)
        power_w = ctx.number("power_w")
        dim_pct = ctx.number("dim_pct")
        if rated is None or power_w is None or dim_pct is None or not ctx.is_true("on"):
            return None
        if power_w < _dark_below_w(ctx, p.min_power_w, p.min_power_pct):
            return None
        expected_w = dim_pct / 100.0 * rated
        tolerance_w = max(p.tolerance_pct / 100.0 * rated, p.tolerance_w)
        if abs(power_w - expected_w) > tolerance_w:
            return Text(
                f"drawing {power_w:g} W at {dim_pct:g}% of {rated:g} W; "
                f"expected {expected_w:g} ± {tolerance_w:g} W",
                f"consomme {power_w:g} W à {dim_pct:g} % de {rated:g} W ; "
                f"attendu {expected_w:g} ± {tolerance_w:g} W",
            )
        return None


class DayBurnerParams(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    #: On while the sun has been up this long and will be for this long more.
    margin_min: Annotated[float, msgspec.Meta(ge=0, le=240)] = 30.0


class DayBurner(Condition):
    """Lit in daylight, by the sunrise and sunset at the luminaire's position."""

    metrics = frozenset({"on"})
    on_tick = True
    gate = ("on", 1.0)

    def __init__(self, params: DayBurnerParams, reporter_type: str) -> None:
        self.margin = timedelta(minutes=params.margin_min)
        # A light silent for longer says nothing about now (it may have no power at all):
        # the silence rule speaks for it.
        self.max_silence = timedelta(seconds=2 * expected_interval_s(reporter_type))
        self._sun = SunTimes()

    def idle(self, now: datetime, topology: Topology) -> bool:
        # Sunrise moves by ~4 min per degree of longitude: with 15 min to spare, the middle
        # of a metropolis speaks for all of it.
        lon, lat = topology.centre()
        spare = max(self.margin - timedelta(minutes=15), timedelta(0))
        return not self._sun.is_daylight(lon, lat, now, spare)

    def evaluate(self, ctx: Context, active: bool) -> Text | None:
        if not ctx.is_true("on"):
            return None
        if ctx.last_seen is not None and ctx.now - ctx.last_seen > self.max_silence:
            return None
        asset = ctx.asset
        if not ctx.services.sun.is_daylight(asset.lon, asset.lat, ctx.now, self.margin):
            return None
        times = ctx.services.sun.sunrise_sunset(asset.lon, asset.lat, ctx.now)
        assert times is not None
        return Text(
            f"on in daylight (sunrise {times[0]:%H:%M}, sunset {times[1]:%H:%M} UTC)",
            f"allumé en plein jour (lever {times[0]:%H:%M}, coucher {times[1]:%H:%M} UTC)",
        )
