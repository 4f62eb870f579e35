"""IPMVP arithmetic on a case computed by hand."""

from __future__ import annotations

import pytest

from vigie.domains.lighting.savings import Period, savings


def test_a_hand_computed_year() -> None:
    # Two luminaires over 10 nights of 14 dark hours: 150 W sodium replaced by 40 W and 60 W
    # replaced by 25 W; the nodes metered 8.1 kWh; adaptive lighting is credited 0.5 kWh.
    baseline = (150 + 60) * 14 * 10  # 29,400 Wh
    led_full = (40 + 25) * 14 * 10  # 9,100 Wh
    period = Period(baseline, led_full, 8_100.0, 500.0, 20)
    result = savings(period)
    assert result.baseline_kwh == pytest.approx(29.4)
    assert result.savings_kwh == pytest.approx(21.3)
    assert result.savings_pct == pytest.approx(100 * 21_300 / 29_400)  # 72.449%
    assert result.led_retrofit_pct == pytest.approx(100 * 20_300 / 29_400)  # 69.048%
    assert result.adaptive_pct == pytest.approx(100 * 500 / 29_400)  # 1.701%
    assert result.dimming_pct == pytest.approx(100 * 500 / 29_400)  # 21,300-20,300-500
    parts = result.led_retrofit_pct + result.dimming_pct + result.adaptive_pct
    assert parts == pytest.approx(result.savings_pct)


def test_periods_add_up_and_an_empty_one_saves_nothing() -> None:
    a = Period(1000.0, 400.0, 300.0, 10.0, 1)
    b = Period(500.0, 200.0, 150.0, 0.0, 1)
    assert (a + b) == Period(1500.0, 600.0, 450.0, 10.0, 2)
    assert savings(Period(0.0, 0.0, 5.0)).savings_pct == 0.0
