"""Logging in to the control room, and the language switch."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.web.conftest import log_in
from tests.web.server import Server
from tests.web.twin import PASSWORD


def test_the_control_room_sends_a_stranger_to_the_login_page(page: Page, server: Server) -> None:
    page.goto(server.base_url + "/")
    page.wait_for_url(server.base_url + "/login")
    expect(page.locator("#login-submit")).to_have_text("Se connecter")


def test_a_wrong_password_is_refused_and_the_right_one_opens_the_map(
    page: Page, server: Server
) -> None:
    page.goto(server.base_url + "/login")
    page.fill("#login-username", "olga")
    page.fill("#login-password", "not the password")
    page.click("#login-submit")
    expect(page.locator("#login-error")).to_be_visible()
    expect(page.locator("#login-error")).to_contain_text("incorrect")

    log_in(page, server, "olga", PASSWORD)
    expect(page.locator("#user-name")).to_have_text("olga")
    expect(page.locator("#user-role")).to_have_text("opérateur")
    token = page.evaluate("sessionStorage.getItem('vigie.token')")
    assert token.startswith("vigie_")


def test_french_by_default_english_on_request_and_remembered(page: Page, server: Server) -> None:
    log_in(page, server, "olga")
    expect(page.locator("[data-i18n='layers.title']")).to_have_text("Couches")
    page.click(".session [data-lang='en']")
    expect(page.locator("[data-i18n='layers.title']")).to_have_text("Layers")
    expect(page.locator("#user-role")).to_have_text("operator")
    page.reload()
    page.wait_for_function("document.body.dataset.ready === 'true'")
    expect(page.locator("[data-i18n='layers.title']")).to_have_text("Layers")
    assert page.evaluate("document.documentElement.lang") == "en"


def test_logging_out_revokes_the_token(page: Page, server: Server) -> None:
    log_in(page, server, "olga")
    token = page.evaluate("sessionStorage.getItem('vigie.token')")
    page.click("#logout")
    page.wait_for_url(server.base_url + "/login")
    status, _ = server.request("GET", "/api/v1/me", token=token)
    assert status == 401
