"""Energy savings by the IPMVP method (EVO, International Performance Measurement and
Verification Protocol, Core Concepts 2016).

- Baseline (the pre-renovation inventory, adjusted): each luminaire's `baseline_power_w`
  burning at full power from sunset to sunrise, over the days it was in service in the
  reporting period (a day it reported energy): luminaires added or removed during the period
  adjust the baseline by themselves (non-routine adjustment per luminaire-day).
- Reporting period: metered energy of the luminaire nodes (Option B, retrofit isolation with
  all-parameter measurement), from the stored daily rollups of their `energy_wh` counters;
  cross-checked against the cabinets' meters (Option C, whole-facility).
- Savings = baseline − reporting-period energy, per month, year and municipality.

The split of the savings: `led_retrofit` is what LEDs at full rated power over the baseline's
hours would save (1 − Σ rated × h / Σ baseline × h); `adaptive` the energy avoided by
adaptive lighting, estimated from the steps Vigie commanded and the programmes in force (an
engineering estimate, stated as such); `dimming` the rest of the measured saving (programmes,
switching times, the nodes' standby and driver losses, which make it smaller).
"""

from __future__ import annotations

from dataclasses import dataclass

METHOD = (
    "IPMVP Option B (luminaire node meters, daily rollups of energy_wh) against an adjusted "
    "baseline (registry baseline_power_w at full power sunset to sunrise, per luminaire-day in "
    "service); cross-checked with cabinet meters (Option C)"
)


@dataclass(frozen=True)
class Period:
    """Energy totals of a set of luminaires over a period, Wh."""

    baseline_wh: float  # Σ baseline_power_w × dark hours, per luminaire-day in service
    led_full_wh: float  # Σ rated_power_w × the same hours
    measured_wh: float  # Σ metered increases of the nodes' counters
    adaptive_avoided_wh: float = 0.0  # estimate (see module docstring)
    luminaire_days: int = 0

    def __add__(self, other: Period) -> Period:
        return Period(
            self.baseline_wh + other.baseline_wh,
            self.led_full_wh + other.led_full_wh,
            self.measured_wh + other.measured_wh,
            self.adaptive_avoided_wh + other.adaptive_avoided_wh,
            self.luminaire_days + other.luminaire_days,
        )


@dataclass(frozen=True)
class Savings:
    baseline_kwh: float
    measured_kwh: float
    savings_kwh: float
    savings_pct: float
    led_retrofit_pct: float
    dimming_pct: float
    adaptive_pct: float

    def to_json(self) -> dict[str, float]:
        return {k: round(v, 3) for k, v in self.__dict__.items()}


def savings(period: Period) -> Savings:
    base = period.baseline_wh
    if base <= 0.0:
        return Savings(0.0, period.measured_wh / 1000.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    saved = base - period.measured_wh
    led = base - period.led_full_wh
    adaptive = period.adaptive_avoided_wh
    dimming = saved - led - adaptive
    return Savings(
        base / 1000.0,
        period.measured_wh / 1000.0,
        saved / 1000.0,
        100.0 * saved / base,
        100.0 * led / base,
        100.0 * dimming / base,
        100.0 * adaptive / base,
    )
