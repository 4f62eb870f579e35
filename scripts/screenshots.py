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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from ui_screenshots import control_room, take_screenshots  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, nargs="?", default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="vigie-screenshots-") as scratch,
        control_room(Path(scratch), locale="fr-FR", timezone_id="Europe/Paris") as room,
    ):
        page = room.page
        page.goto(room.server.base_url + "/login")
        page.evaluate(f"sessionStorage.setItem('vigie.token', '{room.token}')")
        page.goto(room.server.base_url + "/")
        page.wait_for_function("document.body.dataset.ready === 'true'", timeout=60_000)
        for shot in take_screenshots(page, room.server, room.twin, args.folder):
            print(f"saved {shot}", flush=True)


if __name__ == "__main__":
    main()
