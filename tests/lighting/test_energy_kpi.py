"""The lighting energy KPI over daily rollups written by hand, on both stores: the measured
energy, the baseline and LED figures from each light's wattages times its municipality's dark
hours on the days it reported, the cabinets' meters (Option C), and a municipality's scope."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from vigie.domains.lighting.energy_kpi import dark_hours, lighting_energy
from vigie.domains.lighting.store import load_lights
from vigie.lab.city import generate_city, write_city
from vigie.registry.municipalities import list_municipalities
from vigie.store.schema import assets, readings_daily

START = datetime(2025, 1, 6, tzinfo=UTC)
DAY = timedelta(days=1)


def _daily(asset_id: str, day: datetime, increase_wh: float) -> dict[str, Any]:
    return {
        "asset_id": asset_id,
        "metric": "energy_wh",
        "bucket_start": day,
        "reading_count": 2,
        "min_value": 1_000.0,
        "max_value": 1_000.0 + increase_wh,
        "sum_value": 2_000.0 + increase_wh,
        "first_ts": day,
        "first_value": 1_000.0,
        "last_ts": day + timedelta(hours=23),
        "last_value": 1_000.0 + increase_wh,
        "increase": increase_wh,
    }


def test_the_kpi_adds_up_what_each_light_and_cabinet_reported(engine: Engine) -> None:
    with engine.begin() as conn:
        places = {m.code: m for m in list_municipalities(conn)}
        write_city(conn, generate_city(2017, 0.01, list(places.values())), START, "test")
        lights = load_lights(conn)
        cabinets = list(
            conn.execute(
                assets.select().where(assets.c.type == "StreetlightControlCabinet").limit(2)
            )
        )
        # Three lights of two municipalities: the first reports both days, the others the
        # first day only (a light removed, or silent, counts only on the days it reported).
        first = lights[0]
        other = next(
            light for light in lights if light.municipality_code != first.municipality_code
        )
        third = next(
            light for light in lights if light.municipality_code == first.municipality_code
            and light.id != first.id
        )  # fmt: skip
        reported = [(first, START, 310.0), (first, START + DAY, 290.0), (other, START, 120.5)]
        reported.append((third, START, 44.25))
        rows = [_daily(light.id, day, wh) for light, day, wh in reported]
        rows += [_daily(c.id, day, 1_000.0) for c in cabinets for day in (START, START + DAY)]
        # Another metric of the same light, and a day outside the period: neither counts.
        rows.append({**_daily(first.id, START, 5.0), "metric": "operating_hours_h"})
        rows.append(_daily(first.id, START + 2 * DAY, 999.0))
        conn.execute(readings_daily.insert(), rows)

    with engine.begin() as conn:
        report = lighting_energy(conn, START, START + 2 * DAY)
        only_other = lighting_energy(
            conn, START, START + 2 * DAY, municipalities=(other.municipality_code,)
        )

    def dark(light: Any, day: datetime) -> float:
        place = places[light.municipality_code]
        return dark_hours(place.lon, place.lat, day.date())

    baseline_wh = sum(light.baseline_power_w * dark(light, day) for light, day, _ in reported)
    led_wh = sum(light.rated_power_w * dark(light, day) for light, day, _ in reported)
    total = report.total
    assert total.measured_wh == pytest.approx(310.0 + 290.0 + 120.5 + 44.25)
    assert total.baseline_wh == pytest.approx(baseline_wh, rel=1e-12)
    assert total.led_full_wh == pytest.approx(led_wh, rel=1e-12)
    assert total.luminaire_days == 4
    assert report.cabinets_wh == pytest.approx(1_000.0 * 2 * len(cabinets))
    assert len(cabinets) == 2
    assert set(report.by_municipality) == {first.municipality_code, other.municipality_code}
    assert set(report.by_month) == {"2025-01"}
    assert report.by_municipality[first.municipality_code].measured_wh == pytest.approx(644.25)

    assert set(only_other.by_municipality) == {other.municipality_code}
    assert only_other.total.measured_wh == pytest.approx(120.5)
    assert only_other.total.baseline_wh == pytest.approx(
        other.baseline_power_w * dark(other, START), rel=1e-12
    )
