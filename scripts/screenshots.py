"""The README's screenshots (docs/screenshots/*.png), retaken from the current operator UI.

    python scripts/screenshots.py [DIR]          # make screenshots; DIR: docs/screenshots

The same set-up as bench/ui.py: a scratch store holding the full Dijon twin, a real
`vigie serve` on a loopback port, Debian's Chromium driven by Playwright, an operator logged
in; then bench/ui_screenshots.py gives the city a state that fits the time of day and takes
the map, the asset panel and the alarm console (French, the UI's default language).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from tests.web.browser import CHROMIUM_FLAGS, chromium_path  # noqa: E402
from tests.web.server import start_server  # noqa: E402
from tests.web.twin import PASSWORD, build_twin  # noqa: E402

from ui_screenshots import VIEWPORT, take_screenshots  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, nargs="?", default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vigie-screenshots-") as scratch:
        started = time.perf_counter()
        twin = build_twin(Path(scratch) / "var")
        print(f"twin: {twin.total} assets in {time.perf_counter() - started:.1f} s", flush=True)
        server = start_server(twin.var_dir, twin.database_url)
        try:
            token = server.login("olga", PASSWORD)
            with sync_playwright() as playwright:
                context = playwright.chromium.launch_persistent_context(
                    str(Path(scratch) / "profile"),
                    executable_path=str(chromium_path()),
                    headless=True,
                    args=list(CHROMIUM_FLAGS),
                    viewport=VIEWPORT,
                    locale="fr-FR",
                    timezone_id="Europe/Paris",
                )
                page = context.pages[0] if context.pages else context.new_page()
                page.goto(server.base_url + "/login")
                page.evaluate(f"sessionStorage.setItem('vigie.token', '{token}')")
                page.goto(server.base_url + "/")
                page.wait_for_function("document.body.dataset.ready === 'true'", timeout=60_000)
                for shot in take_screenshots(page, server, twin, args.folder):
                    print(f"saved {shot}", flush=True)
                context.close()
        finally:
            server.stop()


if __name__ == "__main__":
    main()
