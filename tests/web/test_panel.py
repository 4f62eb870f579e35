"""The asset panel: clicking a light opens it, with its live state and its history chart."""

from __future__ import annotations

import unicodedata

from playwright.sync_api import Page, expect

from tests.web.conftest import log_in
from tests.web.helpers import click_asset, iso, lights_of
from tests.web.server import Server
from tests.web.twin import DIJON, Twin

READINGS = 8


def test_clicking_a_light_opens_its_panel_with_its_chart(
    page: Page, server: Server, twin: Twin
) -> None:
    log_in(page, server, "olga")
    candidates = lights_of(page, DIJON, 12, skip=200)
    for light in candidates:
        server.post_telemetry(
            twin.device_token,
            [
                {
                    "asset": light,
                    "ts": iso(minutes_ago=10 * (READINGS - n)),
                    "metrics": {"on": True, "dim_pct": 70, "power_w": 30.0 + n},
                }
                for n in range(READINGS)
            ],
        )
    clicked = click_asset(page, candidates)
    panel = page.locator("#panel-body")
    expect(panel).to_have_attribute("data-asset-id", clicked)
    expect(page.locator("#panel .panel-title")).not_to_be_empty()
    expect(page.locator("#panel-live tr[data-metric='power_w'] td").first).to_have_text("37")
    expect(page.locator("#panel-chart canvas")).to_have_count(1)
    points = int(page.get_attribute("#panel-chart", "data-points") or 0)
    assert points == READINGS
    expect(page.locator("#panel-topology li").first).to_contain_text("Armoire")


def test_searching_by_id_or_name_opens_the_asset(page: Page, server: Server) -> None:
    log_in(page, server, "olga")
    camera = "urn:ngsi-ld:Camera:21231:1"
    page.fill("#search-input", camera)
    page.press("#search-input", "Enter")
    expect(page.locator("#panel-body")).to_have_attribute("data-asset-id", camera)

    # A name found once in the whole twin, typed without its accents.
    building: str = page.evaluate(
        """() => {
            const { index } = window.vigie;
            const seen = new Map();
            index.names.forEach((name) => seen.set(name, (seen.get(name) || 0) + 1));
            const i = index.ids.findIndex(
                (id, i) => id.startsWith('urn:ngsi-ld:Building:') && seen.get(index.names[i]) === 1
            );
            return index.ids[i];
        }"""
    )
    name = page.evaluate(f"window.vigie.index.names[window.vigie.index.byId.get('{building}')]")
    folded = unicodedata.normalize("NFD", name).encode("ascii", "ignore").decode()
    page.fill("#search-input", folded.upper())
    page.locator("#search-results li").first.click()
    expect(page.locator("#panel-body")).to_have_attribute("data-asset-id", building)
