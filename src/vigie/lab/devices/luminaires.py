"""The state of every luminaire node, held in numpy arrays, with energy integrated exactly.

A node's power is constant between state changes (switching, dimming, a fault, its supply),
so its energy counter and burning hours are advanced event by event: at each change, first
accrue power × elapsed time at the old state, then switch. Nothing is sampled, so the
counters are exact (to float rounding) whatever the reporting rate.

Power model: lit at level L, rated × L/100 × DRIVER_LOSS (never below the node's standby);
off, STANDBY_W (the node and its radio stay powered all day so it can talk); with a failed
LED module, LAMP_FAULT_W (the driver idles); with a failed driver, STANDBY_W; unpowered, 0.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from vigie.lab.devices.base import rounded

DRIVER_LOSS = 1.05
STANDBY_W = 0.3
LAMP_FAULT_W = 0.5
#: Override kinds: none, until the next scheduled change, until a given time.
NO_OVERRIDE, UNTIL_NEXT_CHANGE, UNTIL_TIME = 0, 1, 2

Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.int64]


class LuminaireBank:
    """N luminaires; `group` is each one's switching group (its cabinet); `segment` the
    (cabinet, programme) pair whose schedule it follows; `adapt_factor` and `adapt_floor`
    the adaptive lighting step it was last told (factor 1: none)."""

    def __init__(self, rated_w: Floats, group: Ints, energy_wh: Floats, hours_h: Floats) -> None:
        n = len(rated_w)
        self.rated_w = rated_w
        self.group = group
        self.lamp_fault = np.zeros(n, dtype=bool)
        self.driver_fault = np.zeros(n, dtype=bool)
        self.powered = np.ones(n, dtype=bool)
        self.override = np.zeros(n, dtype=np.int64)
        self.override_until_s = np.full(n, np.inf)
        self.override_on = np.zeros(n, dtype=bool)
        self.override_level = np.zeros(n)
        self.on = np.zeros(n, dtype=bool)
        self.level = np.zeros(n)
        self.power_w = np.zeros(n)
        self.burning = np.zeros(n, dtype=bool)
        self.energy_at_wh = energy_wh.astype(np.float64).copy()
        self.hours_at_h = hours_h.astype(np.float64).copy()
        self.since_s = np.zeros(n)
        self.segment = group.copy()
        self.adapt_factor = np.ones(n)
        self.adapt_floor = np.zeros(n)

    def __len__(self) -> int:
        return len(self.rated_w)

    def accrue(self, idx: Ints, t_s: float) -> None:
        """Advance the counters of `idx` to `t_s` at their current (constant) power."""
        elapsed_h = (t_s - self.since_s[idx]) / 3600.0
        self.energy_at_wh[idx] += self.power_w[idx] * elapsed_h
        self.hours_at_h[idx] += np.where(self.burning[idx], elapsed_h, 0.0)
        self.since_s[idx] = t_s

    def recompute(self, idx: Ints, scheduled_on: Bools, scheduled_level: Floats) -> Ints:
        """Set the state of `idx` from their segment's schedule (indexed by segment), the
        adaptive step, overrides, faults and supply; which of them changed what they report.
        Accrue first."""
        use_override = self.override[idx] != NO_OVERRIDE
        segments = self.segment[idx]
        planned = scheduled_level[segments]
        factor = self.adapt_factor[idx]
        # Adaptive lighting lowers the programme's level, never below the floor it was
        # given, never above the programme's own level.
        adapted = np.where(
            (factor < 1.0) & (planned > 0.0),
            np.minimum(planned, np.maximum(self.adapt_floor[idx], planned * factor)),
            planned,
        )
        on = np.where(use_override, self.override_on[idx], scheduled_on[segments])
        level = np.where(on, np.where(use_override, self.override_level[idx], adapted), 0.0)
        lit = on & (level > 0)
        lamp, driver, powered = self.lamp_fault[idx], self.driver_fault[idx], self.powered[idx]
        power = np.where(
            lit, np.maximum(STANDBY_W, self.rated_w[idx] * level / 100.0 * DRIVER_LOSS), STANDBY_W
        )
        power = np.where(lit & lamp, LAMP_FAULT_W, power)
        power = np.where(driver, STANDBY_W, power)
        power = np.where(powered, power, 0.0)
        changed = (on != self.on[idx]) | (level != self.level[idx]) | (power != self.power_w[idx])
        self.on[idx] = on
        self.level[idx] = level
        self.power_w[idx] = power
        self.burning[idx] = lit & ~lamp & ~driver & powered
        found: Ints = idx[changed]
        return found

    def energy_wh(self, i: int, t_s: float) -> float:
        return float(self.energy_at_wh[i] + self.power_w[i] * (t_s - self.since_s[i]) / 3600.0)

    def hours_h(self, i: int, t_s: float) -> float:
        burning = (t_s - self.since_s[i]) / 3600.0 if self.burning[i] else 0.0
        return float(self.hours_at_h[i] + burning)

    def energy_sum_wh(self, idx: Ints | slice, t_s: float) -> float:
        """Total energy counter of several nodes at `t_s`, exact."""
        elapsed_h = (t_s - self.since_s[idx]) / 3600.0
        return float(np.sum(self.energy_at_wh[idx] + self.power_w[idx] * elapsed_h))

    def energies_wh(self, idx: Ints | slice, t_s: float) -> Floats:
        """Energy counters of several nodes at `t_s`, exact."""
        found: Floats = (
            self.energy_at_wh[idx] + self.power_w[idx] * (t_s - self.since_s[idx]) / 3600.0
        )
        return found

    def reading(self, i: int, t_s: float) -> dict[str, Any]:
        return {
            "on": bool(self.on[i]),
            "dim_pct": rounded(self.level[i], 1),
            "power_w": rounded(self.power_w[i], 2),
            "energy_wh": rounded(self.energy_wh(i, t_s), 3),
            "lamp_fault": bool(self.lamp_fault[i]),
            "driver_fault": bool(self.driver_fault[i]),
            "operating_hours_h": rounded(self.hours_h(i, t_s), 4),
        }
