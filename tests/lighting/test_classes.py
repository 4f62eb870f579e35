"""EN 13201 floors and adaptive steps, computed by hand from the requirement tables."""

from __future__ import annotations

import pytest

from vigie.domains.lighting.classes import adaptive_level, floor_pct, lowered


@pytest.mark.parametrize(
    ("design", "floor"),
    [
        ("M2", 50.0),  # M4 0.75 / M2 1.5
        ("M3", 50.0),  # M5 0.5 / M3 1.0
        ("M4", 40.0),  # M6 0.3 / M4 0.75
        ("M5", 60.0),  # one step left: M6 0.3 / M5 0.5
        ("M6", 70.0),  # bottom of the series
        ("P2", 50.0),  # P4 5 / P2 10
        ("P3", 40.0),  # P5 3 / P3 7.5
        ("C0", 40.0),  # C2 20 / C0 50
    ],
)
def test_floor_per_class(design: str, floor: float) -> None:
    assert floor_pct(design) == pytest.approx(floor)


def test_unknown_class_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown lighting class"):
        floor_pct("X9")


def test_adaptive_steps_lower_the_class_one_at_a_time_and_stop_at_the_floor() -> None:
    assert lowered("M3", 1) == "M4" and lowered("M3", 2) == "M5" and lowered("M5", 3) == "M6"
    # M3 at 100%: one step → M4 = 75%, two → M5 = 50%, three is capped at two.
    assert adaptive_level("M3", 100.0, 0) == 100.0
    assert adaptive_level("M3", 100.0, 1) == pytest.approx(75.0)
    assert adaptive_level("M3", 100.0, 2) == pytest.approx(50.0)
    assert adaptive_level("M3", 100.0, 3) == pytest.approx(50.0)
    # A programme already at 70%: one step → 52.5%; two → 35% floored to 50%.
    assert adaptive_level("M3", 70.0, 1) == pytest.approx(52.5)
    assert adaptive_level("M3", 70.0, 2) == pytest.approx(50.0)
    # Never raises a level below the floor set by hand, never lights what is off.
    assert adaptive_level("M3", 40.0, 1) == pytest.approx(40.0)
    assert adaptive_level("M3", 0.0, 2) == 0.0
