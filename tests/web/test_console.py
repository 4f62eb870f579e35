"""The alarm console: a fault shows within 2 s with a sound and a highlight, an operator
acknowledges it and every console sees it, and a viewer is shown no button to act."""

from __future__ import annotations

import re
import time

from playwright.sync_api import Page, expect

from tests.web.conftest import log_in
from tests.web.helpers import iso, wait_for_state
from tests.web.server import Server
from tests.web.twin import DIJON, Twin


def _cut_supply(server: Server, twin: Twin, cabinet: str) -> float:
    """Report a mains loss on a cabinet (a critical root alarm); when it was sent."""
    sent = time.monotonic()
    server.post_telemetry(
        twin.device_token, [{"asset": cabinet, "ts": iso(), "metrics": {"supply_v": 120.0}}]
    )
    return sent


def test_a_fault_shows_at_once_and_its_acknowledgement_reaches_every_console(
    page: Page, server: Server, twin: Twin
) -> None:
    cabinet = f"urn:ngsi-ld:StreetlightControlCabinet:{DIJON}:61"
    log_in(page, server, "olga")
    other = page.context.new_page()
    log_in(other, server, "ada")

    sent = _cut_supply(server, twin, cabinet)
    item = page.locator(f"#alarm-list > li[data-asset-id='{cabinet}']")
    expect(item).to_be_visible(timeout=2_000)
    assert time.monotonic() - sent < 2.0
    expect(item).to_have_class(re.compile(r"\bsev-critical state-raised flash\b"))
    assert page.evaluate("document.body.dataset.lastBeep") is not None
    wait_for_state(page, cabinet, "alarm")
    expect(page.locator("#kpi-alarms-critical")).not_to_have_text("0")

    # Clicking the alarm flies the map to the cabinet and opens its panel.
    item.locator(".alarm-head").click()
    expect(page.locator("#panel-body")).to_have_attribute("data-asset-id", cabinet)
    page.evaluate("window.vigie.showTab('console')")

    item.locator(".act-ack").click()
    expect(item).to_have_class(re.compile(r"\bstate-acknowledged$"))
    elsewhere = other.locator(f"#alarm-list > li[data-asset-id='{cabinet}']")
    expect(elsewhere.locator(".alarm-meta")).to_contain_text("acquittée", timeout=3_000)
    status, body = server.request(
        "GET", f"/api/v1/alarms?asset={cabinet}", token=server.login("ada", "correct horse battery")
    )
    assert status == 200 and [a["state"] for a in body["items"]] == ["acknowledged"]
    assert body["items"][0]["acknowledged_by"] == "olga"

    # A comment, then shelving: the alarm stays on the console, dimmed.
    item.locator(".act-comment").click()
    page.fill(f"#alarm-list > li[data-asset-id='{cabinet}'] .comment-text", "équipe en route")
    page.press(f"#alarm-list > li[data-asset-id='{cabinet}'] .comment-text", "Enter")
    expect(page.locator("#toast")).to_have_text("Commentaire ajouté")
    item.locator(".shelve-hours").select_option("4")
    expect(item).to_have_class(re.compile(r"\bstate-shelved\b"))


def test_a_viewer_sees_alarms_but_no_button_to_act_on_them(
    page: Page, server: Server, twin: Twin
) -> None:
    cabinet = f"urn:ngsi-ld:StreetlightControlCabinet:{DIJON}:62"
    _cut_supply(server, twin, cabinet)
    log_in(page, server, "vic")
    item = page.locator(f"#alarm-list > li[data-asset-id='{cabinet}']")
    expect(item).to_be_visible()
    expect(item.locator("button")).to_have_count(0)
    expect(page.locator(".alarm-actions")).to_have_count(0)


def test_the_console_shows_alarm_titles_in_french_and_in_english_when_switched(
    page: Page, server: Server, twin: Twin
) -> None:
    cabinet = f"urn:ngsi-ld:StreetlightControlCabinet:{DIJON}:64"
    log_in(page, server, "olga")
    _cut_supply(server, twin, cabinet)
    item = page.locator(f"#alarm-list > li[data-asset-id='{cabinet}']")
    title = item.locator(".alarm-head .title")
    # French by default: the rule file's title_fr, not its English title.
    expect(title).to_have_text("Coupure de l'alimentation secteur de l'armoire")
    expect(title).to_have_attribute("title", "supply_v 120 V < 180 V")  # what the rule saw
    expect(item.locator(".alarm-head .sev")).to_have_text("Critique")

    page.click("[data-lang='en']")
    expect(title).to_have_text("Cabinet mains supply lost")
    # The asset panel's alarms and its labels follow the language too.
    item.locator(".alarm-head").click()
    expect(page.locator("#panel-alarms")).to_contain_text("Cabinet mains supply lost")
    expect(page.locator("#panel-identity")).to_contain_text("Feeders")

    page.click("[data-lang='fr']")
    page.evaluate("window.vigie.showTab('console')")
    expect(title).to_have_text("Coupure de l'alimentation secteur de l'armoire")
