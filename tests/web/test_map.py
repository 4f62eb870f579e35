"""The map: every asset of the twin, the caller's scope, live state from the push channel."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.web.conftest import log_in, source_features
from tests.web.helpers import iso, lights_of, wait_for_state
from tests.web.server import Server
from tests.web.twin import DIJON, TALANT, Twin


def test_the_map_holds_every_asset_of_the_dijon_twin(
    page: Page, server: Server, twin: Twin
) -> None:
    log_in(page, server, "olga")
    features = source_features(page)
    assert sum(features["counts"].values()) == twin.total == 35_606
    assert features["counts"]["lights"] == twin.counts["Streetlight"] == 34_000
    assert features["counts"]["links"] == twin.counts["FibreLink"]
    assert features["counts"]["vehicles"] == twin.counts["Bus"] + twin.counts["FleetVehicle"]
    assert len(features["municipalities"]) == 23
    # Zoomed out, the lights are drawn as clusters.
    assert page.evaluate("window.vigie.map.getZoom()") < 13
    clusters = page.evaluate(
        "window.vigie.map.queryRenderedFeatures({ layers: ['lights-clusters'] }).length"
    )
    assert clusters > 0


def test_a_municipal_agent_sees_only_their_municipality(
    page: Page, server: Server, twin: Twin
) -> None:
    log_in(page, server, "tala")
    features = source_features(page)
    assert features["municipalities"] == [TALANT]
    assert sum(features["counts"].values()) == twin.talant_assets
    options = page.eval_on_selector_all(
        "#filter-municipality option", "options => options.map(o => o.value)"
    )
    assert options == ["", TALANT]

    # The push channel carries Talant's changes, never Dijon's.
    dijon_light = f"urn:ngsi-ld:Streetlight:{DIJON}:3"
    talant_light = lights_of(page, TALANT, 1, skip=5)[0]
    server.post_telemetry(
        twin.device_token,
        [
            {"asset": dijon_light, "ts": iso(), "metrics": {"on": False}},
            {"asset": talant_light, "ts": iso(), "metrics": {"on": False}},
        ],
    )
    wait_for_state(page, talant_light, "off")
    page.wait_for_timeout(600)  # two more batching windows
    assert page.evaluate(f"window.vigie.index.byId.has('{dijon_light}')") is False
    assert page.evaluate("window.vigie.live.changesApplied") == 1


def test_a_state_change_pushed_by_telemetry_recolours_the_light(
    page: Page, server: Server, twin: Twin
) -> None:
    log_in(page, server, "olga")
    light = lights_of(page, DIJON, 1, skip=40)[0]
    assert page.evaluate(
        f"window.vigie.live.stateName(window.vigie.index.byId.get('{light}'))"
    ) == ("nodata")
    steps = (
        ({"on": True, "dim_pct": 100, "power_w": 52.0}, "ok"),
        ({"dim_pct": 40, "power_w": 21.0}, "dimmed"),
        ({"on": False, "power_w": 0.0}, "off"),
        ({"lamp_fault": True}, "alarm"),
    )
    for n, (metrics, state) in enumerate(steps):
        ts = iso(minutes_ago=len(steps) - n)
        server.post_telemetry(twin.device_token, [{"asset": light, "ts": ts, "metrics": metrics}])
        wait_for_state(page, light, state, timeout_ms=3_000)
    # The legend counts what the map shows.
    expect(page.locator("#state-count-alarm")).not_to_have_text("0", timeout=5_000)


def test_filters_hide_layers_and_other_municipalities(page: Page, server: Server) -> None:
    log_in(page, server, "olga")
    page.uncheck("#toggle-domain-cctv")
    assert page.evaluate("window.vigie.map.getLayoutProperty('points-cctv', 'visibility')") == (
        "none"
    )
    page.select_option("#filter-municipality", TALANT)
    count = page.evaluate(
        "window.vigie.map.getSource('lights').getData().then(d => d.features.length)"
    )
    expected = page.evaluate(
        f"""window.vigie.index.members.lights.filter(
            i => window.vigie.index.municipalityCode(i) === '{TALANT}').length"""
    )
    assert count == expected > 0
