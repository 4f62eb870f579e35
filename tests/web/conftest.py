"""Fixtures of the browser tests: the full Dijon twin served by a real `vigie serve`, and a
fresh headless Chromium (Debian's) per test, driven by Playwright."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, Playwright, expect, sync_playwright

from tests.web.browser import CHROMIUM_FLAGS, VIEWPORT, chromium_path
from tests.web.server import Server, start_server
from tests.web.twin import PASSWORD, Twin, build_twin

#: Every wait of a test is bounded: no test may hang.
STEP_TIMEOUT_MS = 20_000
READY_TIMEOUT_MS = 40_000
#: How long an `expect` waits for the page (the machine may be busy with other work).
expect.set_options(timeout=15_000)


@pytest.fixture(scope="session")
def twin(tmp_path_factory: pytest.TempPathFactory) -> Twin:
    return build_twin(tmp_path_factory.mktemp("ui-twin"))


@pytest.fixture(scope="session")
def server(twin: Twin) -> Iterator[Server]:
    running = start_server(twin.var_dir, twin.database_url)
    yield running
    running.stop()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    try:
        executable = chromium_path()
    except RuntimeError as missing:
        pytest.fail(str(missing), pytrace=False)
    assert executable.exists()
    with sync_playwright() as instance:
        yield instance


@pytest.fixture
def page(playwright: Playwright, tmp_path: Path) -> Iterator[Page]:
    """A page in a new Chromium with a fresh profile (user-data dir)."""
    context = playwright.chromium.launch_persistent_context(
        str(tmp_path / "chromium-profile"),
        executable_path=str(chromium_path()),
        headless=True,
        args=list(CHROMIUM_FLAGS),
        viewport=VIEWPORT,
        timeout=STEP_TIMEOUT_MS,
    )
    context.set_default_timeout(STEP_TIMEOUT_MS)
    errors: list[str] = []
    page = context.pages[0] if context.pages else context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"errors in the page: {errors}"


def log_in(page: Page, server: Server, username: str, password: str = PASSWORD) -> None:
    """Log in through the login page and wait until the map has drawn every source."""
    page.goto(server.base_url + "/login")
    page.fill("#login-username", username)
    page.fill("#login-password", password)
    page.click("#login-submit")
    page.wait_for_url(server.base_url + "/")
    wait_ready(page)


def wait_ready(page: Page) -> None:
    page.wait_for_function(
        "document.body.dataset.ready === 'true' || document.body.dataset.error !== undefined",
        timeout=READY_TIMEOUT_MS,
    )
    error = page.evaluate("document.body.dataset.error")
    assert error is None, f"the control room failed to start: {error}"


def source_features(page: Page) -> dict[str, Any]:
    """How many features each asset source holds, and the municipalities they are in."""
    result: dict[str, Any] = page.evaluate(
        """async () => {
            const { map, index } = window.vigie;
            const counts = {};
            const municipalities = new Set();
            for (const name of ['lights', 'points', 'vehicles', 'links']) {
                const data = await map.getSource(name).getData();
                counts[name] = data.features.length;
                for (const f of data.features) {
                    municipalities.add(index.municipalityCode(f.properties.i));
                }
            }
            return { counts, municipalities: [...municipalities].sort() };
        }"""
    )
    return result
