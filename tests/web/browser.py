"""Debian's Chromium driven by Playwright: how the UI tests and bench/ui.py launch it.

Never `playwright install`: the browser is the system's (`apt-get install chromium`, done by
`make test` through scripts/system-packages.sh). Software WebGL (SwiftShader) renders MapLibre.
"""

from __future__ import annotations

import shutil
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
VIEWPORT = {"width": 1600, "height": 900}


def chromium_path() -> Path:
    """Debian's Chromium, or an error saying how to get it."""
    if CHROMIUM.is_file() or shutil.which("chromium"):
        return CHROMIUM if CHROMIUM.is_file() else Path(str(shutil.which("chromium")))
    raise RuntimeError(
        "Debian's chromium is not installed: `make test` installs it "
        "(scripts/system-packages.sh), or run `apt-get install chromium` as root"
    )
