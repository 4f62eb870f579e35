"""Operator UI benchmark (issue #6), in Debian's Chromium driven by Playwright.

    python bench/ui.py [--quick] [--screenshots DIR]

On the full Dijon twin (35,606 assets) served by a real `vigie serve`:

- first_render_s: from navigation to the map's first `idle` with every source loaded, in a
  fresh browser profile (cold), then the median of reloads (warm: the map layer comes back
  304 Not Modified from the browser's cache);
- fps_under_1000_changes: browser frames per second (requestAnimationFrame) while 1,000 asset
  states change every second, driven through the real push channel: telemetry posted to
  POST /api/v1/telemetry (250 readings every 250 ms, alternating the dimming of the 1,000
  lights nearest the centre of the view, zoom 15, all drawn unclustered) → pipeline → bus →
  /api/v1/stream/state (one event per 250 ms) → setFeatureState → the map redraws;
  also: the same changes fed to the page's own update path (no server), and the map's
  redraws per second while it pans on every frame, with and without the changes (on this
  machine's software WebGL that is bound by the pixels to fill, not by the changes);
- assets_on_map: features in the map's sources.

The last line printed is JSON.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.web.server import Server

from ui_screenshots import control_room, take_screenshots

CHANGES_PER_S = 1_000
BATCHES_PER_S = 4
FOCUS = (5.0415, 47.3220)  # Dijon, place de la Libération
FOCUS_ZOOM = 15.0
#: Playwright's default window; the map's canvas is what the side bars leave of it.
VIEWPORT = {"width": 1280, "height": 720}

# Counts, over `seconds`: browser frames (requestAnimationFrame callbacks: how smooth the page
# stays) and map redraws (MapLibre `render` events). `pan`: the map moves a little on every
# frame, so it redraws every frame. `inPage`: 1,000 changes a second are fed to the page's own
# update path (LiveState.applyChanges), in 4 batches, without the server.
MEASURE = """async ([seconds, pan, inPage]) => {
    const { map, live, index } = window.vigie;
    let redraws = 0;
    let frames = 0;
    const count = () => { redraws += 1; };
    map.on('render', count);
    let running = true;
    let step = 0;
    const frame = () => {
        if (!running) return;
        frames += 1;
        step += 1;
        if (pan) map.panBy([Math.sin(step / 30) * 3, Math.cos(step / 30) * 3], { duration: 0 });
        requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
    let feeder = null;
    if (inPage) {
        const lights = window.benchLights.map((id) => index.byId.get(id));
        let flip = 0;
        feeder = setInterval(() => {
            flip += 1;
            const ts = new Date().toISOString();
            const batch = [];
            const quarter = lights.length / 4;
            for (let n = 0; n < quarter; n += 1) {
                const i = lights[((flip % 4) * quarter + n) % lights.length];
                const value = Math.floor(flip / 4) % 2 ? 40 : 100;
                const id = index.ids[i];
                batch.push({ asset_id: id, metric: 'dim_pct', value, value_text: null, ts });
            }
            live.applyChanges(batch);
        }, 250);
    }
    const before = live.changesApplied;
    const started = performance.now();
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    const elapsed = (performance.now() - started) / 1000;
    running = false;
    if (feeder) clearInterval(feeder);
    map.off('render', count);
    return {
        fps: frames / elapsed,
        redraws_per_s: redraws / elapsed,
        changes_per_s: (live.changesApplied - before) / elapsed,
    };
}"""


def _open(page: Page, server: Server, token: str) -> float:
    """Navigate to the control room already logged in; seconds to the first full render."""
    page.goto(server.base_url + "/login")
    page.evaluate(f"sessionStorage.setItem('vigie.token', '{token}')")
    page.goto(server.base_url + "/")
    page.wait_for_function("document.body.dataset.ready === 'true'", timeout=60_000)
    ready_ms: float = page.evaluate("window.vigie.readyAtMs")
    return ready_ms / 1000


def _assets_on_map(page: Page) -> int:
    count: int = page.evaluate(
        """async () => {
            let n = 0;
            for (const s of ['lights', 'points', 'vehicles', 'links']) {
                n += (await window.vigie.map.getSource(s).getData()).features.length;
            }
            return n;
        }"""
    )
    return count


def _focus(page: Page) -> list[str]:
    """Zoom on the centre; the ids of the 1,000 lights nearest to it."""
    lights: list[str] = page.evaluate(
        """([lon, lat, zoom, count]) => new Promise((resolve) => {
            const { map, index } = window.vigie;
            map.jumpTo({ center: [lon, lat], zoom });
            const near = index.members.lights
                .map((i) => [((index.lon[i] - lon) * 0.68) ** 2 + (index.lat[i] - lat) ** 2, i])
                .sort((a, b) => a[0] - b[0]).slice(0, count).map(([, i]) => index.ids[i]);
            window.benchLights = near;
            map.once('idle', () => resolve(near));
            setTimeout(() => resolve(near), 20000);
        })""",
        [*FOCUS, FOCUS_ZOOM, CHANGES_PER_S],
    )
    return lights


class Feeder(threading.Thread):
    """Posts CHANGES_PER_S dimming changes a second as device telemetry."""

    def __init__(self, server: Server, token: str, lights: list[str]) -> None:
        super().__init__(daemon=True)
        self.server, self.token, self.lights = server, token, lights
        self.stop = threading.Event()
        self.posted = 0

    def run(self) -> None:
        per_batch = CHANGES_PER_S // BATCHES_PER_S
        period = 1.0 / BATCHES_PER_S
        flip = 0
        next_at = time.monotonic()
        while not self.stop.is_set():
            flip += 1
            start = (flip * per_batch) % len(self.lights)
            chosen = [self.lights[(start + n) % len(self.lights)] for n in range(per_batch)]
            ts = (datetime.now(UTC) - timedelta(milliseconds=1)).isoformat()
            level = 40 if (flip // BATCHES_PER_S) % 2 else 100
            level = level if flip % 2 else 140 - level
            self.server.post_telemetry(
                self.token,
                [{"asset": a, "ts": ts, "metrics": {"dim_pct": level}} for a in chosen],
            )
            self.posted += per_batch
            next_at += period
            self.stop.wait(max(0.0, next_at - time.monotonic()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="shorter measurements")
    parser.add_argument("--screenshots", type=Path, help="also save PNG screenshots here")
    args = parser.parse_args()
    seconds = 4.0 if args.quick else 10.0
    reloads = 1 if args.quick else 3

    with (
        tempfile.TemporaryDirectory(prefix="vigie-bench-ui-") as scratch,
        control_room(Path(scratch), viewport=VIEWPORT) as room,
    ):
        page, server, twin, token = room.page, room.server, room.twin, room.token
        cold = _open(page, server, token)
        warm = [_open(page, server, token) for _ in range(reloads)]
        assets = _assets_on_map(page)
        print(f"first render: cold {cold:.2f} s, warm {warm}", flush=True)
        lights = _focus(page)
        runs: dict[str, dict[str, float]] = {}
        runs["idle"] = page.evaluate(MEASURE, [seconds, False, False])
        runs["in_page"] = page.evaluate(MEASURE, [seconds, False, True])
        runs["pan"] = page.evaluate(MEASURE, [seconds, True, False])
        feeder = Feeder(server, twin.device_token, lights)
        feeder.start()
        time.sleep(1.0)
        runs["pushed"] = page.evaluate(MEASURE, [seconds, False, False])
        runs["pushed_pan"] = page.evaluate(MEASURE, [seconds, True, False])
        feeder.stop.set()
        feeder.join(timeout=10)
        canvas = page.evaluate(
            "[window.vigie.map.getCanvas().width, window.vigie.map.getCanvas().height]"
        )
        for name, run in runs.items():
            print(f"{name}: {run}", flush=True)
        if args.screenshots:
            take_screenshots(page, server, twin, args.screenshots)

    result: dict[str, Any] = {
        "first_render_s": round(cold, 2),
        "first_render_warm_s": round(statistics.median(warm), 2),
        "fps_under_1000_changes": round(runs["pushed"]["fps"], 1),
        "changes_applied_per_s": round(runs["pushed"]["changes_per_s"]),
        "map_redraws_per_s_under_1000_changes": round(runs["pushed"]["redraws_per_s"], 1),
        "fps_under_1000_changes_in_page": round(runs["in_page"]["fps"], 1),
        "fps_panning_under_1000_changes": round(runs["pushed_pan"]["redraws_per_s"], 1),
        "fps_panning_no_change": round(runs["pan"]["redraws_per_s"], 1),
        "canvas_px": canvas,
        "assets_on_map": assets,
        "quick": args.quick,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
