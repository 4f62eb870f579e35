"""The KPI strip shows the lighting energy KPI of the user's scope: energy metered today
against the day's baseline, as the IPMVP API computes it from the daily rollups."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from playwright.sync_api import Page, expect

from tests.web.conftest import log_in
from tests.web.server import Server
from tests.web.twin import DIJON, PASSWORD, TALANT, Twin


def _today_kpi(server: Server, username: str) -> dict[str, float]:
    today = datetime.now(UTC).date()
    token = server.login(username, PASSWORD)
    status, body = server.request(
        "GET",
        f"/api/v1/kpi/lighting-energy?from={today}&to={today + timedelta(days=1)}",
        token=token,
    )
    assert status == 200, body
    total: dict[str, float] = body["total"]
    return total


def _meter_lights_today(server: Server, twin: Twin) -> None:
    """Two energy counter readings today for lights of Dijon and Talant, then the rollups
    (`vigie timeseries rollup`, as the server's hourly housekeeping would do)."""
    now = datetime.now(UTC)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    first, second = midnight + (now - midnight) / 3, midnight + 2 * (now - midnight) / 3
    readings = []
    for code in (DIJON, TALANT):
        for n in range(1, 4):
            light = f"urn:ngsi-ld:Streetlight:{code}:{n}"
            readings.append({"asset": light, "ts": first.isoformat(),
                             "metrics": {"energy_wh": 10_000.0 * n}})  # fmt: skip
            readings.append({"asset": light, "ts": second.isoformat(),
                             "metrics": {"energy_wh": 10_000.0 * n + 150.0 * n}})  # fmt: skip
    server.post_telemetry(twin.device_token, readings)
    subprocess.run(
        [sys.executable, "-m", "vigie.cli.main", "timeseries", "rollup"],
        env={**os.environ, "VIGIE_DATABASE_URL": twin.database_url},
        check=True,
        capture_output=True,
        timeout=120,
    )


def _digits(measured_kwh: float, baseline_kwh: float) -> str:
    return f"{int(measured_kwh + 0.5)}{int(baseline_kwh + 0.5)}"


def test_the_strip_shows_todays_energy_against_the_baseline_of_the_users_scope(
    page: Page, server: Server, twin: Twin
) -> None:
    _meter_lights_today(server, twin)
    everyone, talant = _today_kpi(server, "olga"), _today_kpi(server, "tala")
    assert everyone["measured_kwh"] >= 1.8  # 6 lights × 150–450 Wh today
    assert 0 < talant["baseline_kwh"] < everyone["baseline_kwh"]
    for username, kpi in (("olga", everyone), ("tala", talant)):
        log_in(page, server, username)
        value = page.locator("#kpi-energy-value")
        expect(value).to_contain_text("kWh")
        shown = re.sub(r"\D", "", value.inner_text())
        assert shown == _digits(kpi["measured_kwh"], kpi["baseline_kwh"]), username
        page.click("#logout")
        page.wait_for_url(server.base_url + "/login")
