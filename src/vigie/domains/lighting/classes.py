"""EN 13201 lighting classes: the light each class requires, what adaptive lighting may
lower a road to, and the dimming floor that follows.

Reference values (EN 13201-2:2015, tables 1, 3 and 4): maintained average road luminance
for M classes (cd/m²), maintained average horizontal illuminance for C and P classes (lux).
A luminaire's output is taken as proportional to its dimming level (LED drivers are close
to linear above ~10%), so running a road designed for class A at level L delivers
L × requirement(A): a lower class B is met from L = requirement(B) / requirement(A).

Adaptive lighting (EN 13201-1 / CEN/TR 13201-1:2014, "adaptive lighting") lets a road move to
a lower class of the same series when traffic is light; Vigie allows at most
`MAX_ADAPTIVE_STEPS` steps below the design class, never below the last class of the series.
The floor of a road is the level that still meets that lowest permitted class, raised by
the maintenance factor (a new, clean installation gives more light than the maintained
design value, but the floor must hold at the end of the maintenance cycle too: so the floor
is *not* lowered by it) and never below `MIN_DRIVER_PCT`.
"""

from __future__ import annotations

from typing import Final

#: Requirement per class: cd/m² for M, lux for C and P.
REQUIREMENT: Final[dict[str, float]] = {
    "M1": 2.0, "M2": 1.5, "M3": 1.0, "M4": 0.75, "M5": 0.5, "M6": 0.3,
    "C0": 50.0, "C1": 30.0, "C2": 20.0, "C3": 15.0, "C4": 10.0, "C5": 7.5,
    "P1": 15.0, "P2": 10.0, "P3": 7.5, "P4": 5.0, "P5": 3.0, "P6": 2.0,
}  # fmt: skip
SERIES: Final[dict[str, tuple[str, ...]]] = {
    "M": ("M1", "M2", "M3", "M4", "M5", "M6"),
    "C": ("C0", "C1", "C2", "C3", "C4", "C5"),
    "P": ("P1", "P2", "P3", "P4", "P5", "P6"),
}
MAX_ADAPTIVE_STEPS: Final = 2
#: Below this a driver no longer dims linearly (and some switch off).
MIN_DRIVER_PCT: Final = 10.0
#: At the bottom of a series there is no lower class: the road may still run somewhat below
#: its design output, down to this share of it. (Roads at M6/P6 are typically lit from
#: catalogue fittings sized above the bare requirement.)
BOTTOM_OF_SERIES_FLOOR_PCT: Final = 70.0


def lowered(design: str, steps: int) -> str:
    """The class `steps` below `design` in its series (clamped to the series' ends)."""
    series = SERIES[design[0]]
    index = min(len(series) - 1, max(0, series.index(design) + steps))
    return series[index]


def level_for(design: str, target: str) -> float:
    """Dimming level (%) at which a road designed for `design` meets `target`."""
    return 100.0 * REQUIREMENT[target] / REQUIREMENT[design]


def floor_pct(design: str) -> float:
    """The lowest level (%) any programme, command or adaptive step may give a luminaire of
    a road designed for `design`."""
    if design not in REQUIREMENT:
        raise ValueError(f"unknown lighting class: {design}")
    lowest = lowered(design, MAX_ADAPTIVE_STEPS)
    if lowest == design:
        return BOTTOM_OF_SERIES_FLOOR_PCT
    return max(MIN_DRIVER_PCT, level_for(design, lowest))


def adaptive_level(design: str, programme_pct: float, steps: int) -> float:
    """The level of a luminaire whose programme asks `programme_pct` while adaptive lighting
    has lowered its road by `steps` classes: the programme's level scaled by the ratio of
    requirements, never below the floor (and never raised above the programme's level)."""
    if programme_pct <= 0.0 or steps <= 0:
        return programme_pct
    target = lowered(design, min(steps, MAX_ADAPTIVE_STEPS))
    if target == design:
        scaled = programme_pct * BOTTOM_OF_SERIES_FLOOR_PCT / 100.0
    else:
        scaled = programme_pct * REQUIREMENT[target] / REQUIREMENT[design]
    return min(programme_pct, max(floor_pct(design), scaled))
