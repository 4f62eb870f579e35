"""Screenshots of the operator UI for the README (docs/screenshots/): the map, the asset
panel and the alarm console, on the Dijon twin given a synthetic state that fits the time of
day (the server's alarm engine runs on the real clock: a light on at noon is a day-burner).

Called by `bench/ui.py --screenshots DIR` and `scripts/screenshots.py`, which both open the
control room with `control_room` below.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, sync_playwright
from sqlalchemy import select
from tests.web.browser import CHROMIUM_FLAGS, chromium_path
from tests.web.server import Server, start_server
from tests.web.twin import PASSWORD, Twin, build_twin

from vigie.store.engine import make_engine
from vigie.store.schema import assets

VIEWPORT = {"width": 1600, "height": 900}
CENTRE = (5.0380, 47.3225)
PANEL_LIGHT = "urn:ngsi-ld:Streetlight:21231:120"


@dataclass(frozen=True)
class ControlRoom:
    page: Page
    server: Server
    twin: Twin
    token: str  # the operator's


@contextmanager
def control_room(
    scratch: Path, viewport: dict[str, int] = VIEWPORT, **browser_options: Any
) -> Iterator[ControlRoom]:
    """The full Dijon twin in a scratch store, a real `vigie serve` on a loopback port, Debian's
    Chromium driven by Playwright and an operator's token; everything stopped on the way out."""
    started = time.perf_counter()
    twin = build_twin(scratch / "var")
    print(f"twin: {twin.total} assets in {time.perf_counter() - started:.1f} s", flush=True)
    server = start_server(twin.var_dir, twin.database_url)
    try:
        token = server.login("olga", PASSWORD)
        with sync_playwright() as playwright:
            context = playwright.chromium.launch_persistent_context(
                str(scratch / "profile"),
                executable_path=str(chromium_path()),
                headless=True,
                args=list(CHROMIUM_FLAGS),
                viewport=viewport,  # type: ignore[arg-type]
                **browser_options,
            )
            try:
                page = context.pages[0] if context.pages else context.new_page()
                yield ControlRoom(page, server, twin, token)
            finally:
                context.close()
    finally:
        server.stop()


def _ts(minutes_ago: float = 0.0) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes_ago)).isoformat()


def _night() -> bool:
    hour = datetime.now(ZoneInfo("Europe/Paris")).hour
    return hour >= 18 or hour < 7


def city_state(
    ids: list[str], rated_w: dict[str, float] | None = None, seed: int = 6
) -> list[dict[str, Any]]:
    """One reading per asset: lights on and dimmed at night (drawing their rated power times
    their level), off by day, a few faults; buses driving, out of service."""
    rated_w = rated_w or {}
    rng = random.Random(seed)
    night = _night()
    readings: list[dict[str, Any]] = []
    now = _ts(0.5)
    for asset in ids:
        kind = asset.split(":")[2]
        roll = rng.random()
        metrics: dict[str, Any]
        if kind == "Streetlight" and night:
            dim = 100 if roll < 0.55 else 70 if roll < 0.95 else 50
            power_w = round(rated_w.get(asset, 55.0) * dim / 100, 1)
            metrics = {"on": roll < 0.975, "dim_pct": dim, "power_w": power_w}
            if roll > 0.995:
                metrics["lamp_fault"] = True
        elif kind == "Streetlight":
            on = roll > 0.996
            metrics = {"on": on, "dim_pct": 100, "power_w": 55.0 if on else 0.0}
        elif kind == "Camera":
            metrics = {"online": roll > 0.02, "video_ok": roll > 0.03, "bitrate_kbps": 4000}
        elif kind == "NetworkNode":
            metrics = {"reachable": roll > 0.03, "latency_ms": 2.0}
        elif kind == "FibreLink":
            metrics = {"link_up": True, "latency_ms": 1.0}
        elif kind == "TrafficSignalController":
            metrics = {"mode": "actuated", "plan": 2, "vehicles_per_h": 600}
        elif kind == "Bollard":
            metrics = {"position": "up", "fault": roll > 0.96}
        elif kind == "StreetlightControlCabinet":
            metrics = {"supply_v": 231.0, "breaker_tripped": roll > 0.99, "door_open": False}
        elif kind == "Bus":
            metrics = {"speed_kmh": round(10 + 30 * roll, 1)}
        elif kind == "Building":
            metrics = {"indoor_temp_c": 19.5, "hvac_mode": "heating", "occupied": roll < 0.3}
        else:
            continue
        readings.append({"asset": asset, "ts": now, "metrics": metrics})
    return readings


def history(asset: str, rated_w: float | None = None, hours: int = 6) -> list[dict[str, Any]]:
    """Power readings every 10 minutes, a step down halfway (dimming)."""
    points = []
    per_pct = (rated_w or 55.0) / 100
    for n in range(hours * 6, 0, -1):
        dim = 100 if n > hours * 3 else 70
        power_w = round(per_pct * dim + (n % 3) * 0.3, 1)
        points.append({"asset": asset, "ts": _ts(10 * n + 1), "metrics": {"power_w": power_w}})
    return points


def _show(page: Page, lon: float, lat: float, zoom: float) -> None:
    page.evaluate(
        """([lon, lat, zoom]) => new Promise((resolve) => {
            window.vigie.map.once('idle', resolve);
            window.vigie.map.jumpTo({ center: [lon, lat], zoom });
            setTimeout(resolve, 10000);
        })""",
        [lon, lat, zoom],
    )


def rated_powers(twin: Twin) -> dict[str, float]:
    """Each streetlight's rated power (W), from the twin's store."""
    engine = make_engine(twin.database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(assets.c.id, assets.c.attributes).where(assets.c.type == "Streetlight")
            ).all()
    finally:
        engine.dispose()
    return {row.id: float(row.attributes.get("rated_power_w", 55.0)) for row in rows}


def _report(server: Server, twin: Twin, ids: list[str], rated_w: dict[str, float]) -> None:
    """The city's state, reported now: a shot taken minutes later shows no asset silent."""
    readings = city_state(ids, rated_w)
    for start in range(0, len(readings), 5_000):
        server.post_telemetry(twin.device_token, readings[start : start + 5_000])


def take_screenshots(page: Page, server: Server, twin: Twin, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    ids: list[str] = page.evaluate("window.vigie.index.ids")
    rated_w = rated_powers(twin)
    _report(server, twin, ids, rated_w)
    server.post_telemetry(twin.device_token, history(PANEL_LIGHT, rated_w.get(PANEL_LIGHT)))
    page.set_viewport_size(VIEWPORT)
    page.reload()
    page.wait_for_function("document.body.dataset.ready === 'true'", timeout=60_000)
    page.wait_for_function("window.vigie.stream.snapshots > 0", timeout=20_000)
    page.wait_for_timeout(1_000)
    shots = []

    _show(page, *CENTRE, 14.3)
    page.wait_for_timeout(500)
    shots.append(folder / "map.png")
    page.screenshot(path=str(shots[-1]))

    _report(server, twin, ids, rated_w)
    page.evaluate(
        f"""new Promise((resolve) => {{
            const {{ map, panel, index }} = window.vigie;
            map.once('moveend', () => map.once('idle', resolve));
            panel.focus(index.byId.get('{PANEL_LIGHT}'));
            setTimeout(resolve, 10000);
        }})"""
    )
    page.wait_for_selector("#panel-live tr[data-metric]", timeout=20_000)
    page.wait_for_timeout(1_500)
    shots.append(folder / "panel.png")
    page.screenshot(path=str(shots[-1]))

    _report(server, twin, ids, rated_w)
    page.evaluate("window.vigie.showTab('console')")
    _show(page, *CENTRE, 12.5)
    page.wait_for_timeout(500)
    shots.append(folder / "console.png")
    page.screenshot(path=str(shots[-1]))
    return shots
