"""A lighting override sent from the map on a drawn polygon reaches every luminaire in it:
a real server dispatching over a real Mosquitto to the running simulator, whose luminaire
nodes acknowledge; the operator follows the per-device progress on the page."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from shapely.geometry import Point, Polygon

from tests.web.conftest import log_in
from tests.web.server import Server, start_server
from tests.web.twin import Twin, build_twin
from vigie.adapters.mqtt.broker import LocalBroker, find_mosquitto

#: A twin a twentieth of Dijon's: enough lights in a polygon, a light load for the machine.
SCALE = 0.05
SIM_START_TIMEOUT_S = 60.0


class LiveCity:
    def __init__(self, twin: Twin, server: Server, simulator: subprocess.Popen[bytes]) -> None:
        self.twin = twin
        self.server = server
        self.simulator = simulator


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveCity]:
    if find_mosquitto() is None:
        pytest.fail("mosquitto is not installed: `make test` installs it (system-packages.sh)")
    root = tmp_path_factory.mktemp("lit-city")
    twin = build_twin(root / "var", scale=SCALE)
    with LocalBroker(root / "mosquitto") as broker:
        server = start_server(twin.var_dir, twin.database_url, {"VIGIE_MQTT_URL": broker.url})
        log = (root / "sim.log").open("wb")
        simulator = subprocess.Popen(
            [sys.executable, "-m", "vigie.cli.main", "sim", "run", "--via", "mqtt",
             "--mqtt-url", broker.url, "--faults", "0", "--speed", "1", "--quiet"],
            env={**os.environ, "VIGIE_DATABASE_URL": twin.database_url,
                 "VIGIE_VAR_DIR": str(twin.var_dir)},
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            _wait_for_first_reports(server, twin, simulator, root / "sim.log")
            yield LiveCity(twin, server, simulator)
        finally:
            simulator.terminate()
            try:
                simulator.wait(timeout=20)
            except subprocess.TimeoutExpired:
                simulator.kill()
            log.close()
            server.stop()


def _wait_for_first_reports(server: Server, twin: Twin, sim: subprocess.Popen[bytes],
                            log: Path) -> None:  # fmt: skip
    """Until the simulator's boot reports are in the twin (it is then subscribed to commands)."""
    token = server.login("ada", "correct horse battery")
    deadline = time.monotonic() + SIM_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if sim.poll() is not None:
            raise RuntimeError(f"the simulator exited: {log.read_text()[-2000:]}")
        status, body = server.request("GET", "/api/v1/assets?type=Streetlight&limit=1", token=token)
        assert status == 200, body
        light = body["items"][0]["id"] if body.get("items") else None
        if light is not None:
            status, state = server.request("GET", f"/api/v1/assets/{light}/state", token=token)
            if status == 200 and state.get("metrics"):
                return
        time.sleep(0.5)
    raise RuntimeError(f"no report from the simulator in {SIM_START_TIMEOUT_S} s")


def _draw_polygon(page: Page) -> list[list[float]]:
    """Draw a polygon over most of the map around the centre of Dijon; its ring in lon/lat."""
    box = page.evaluate(
        """() => new Promise((resolve) => {
            const { map } = window.vigie;
            const done = () => {
                const r = map.getCanvas().getBoundingClientRect();
                resolve({ left: r.left, top: r.top, width: r.width, height: r.height });
            };
            map.once('idle', done);
            map.jumpTo({ center: [5.0415, 47.3220], zoom: 13.5 });
            setTimeout(done, 20000);
        })"""
    )
    page.click("#select-polygon")
    cx, cy = box["left"] + box["width"] / 2, box["top"] + box["height"] / 2
    dx, dy = box["width"] * 0.4, box["height"] * 0.4
    corners = [(cx - dx, cy - dy), (cx + dx, cy - dy * 0.8), (cx + dx * 0.9, cy + dy),
               (cx - dx * 0.8, cy + dy * 0.9)]  # fmt: skip
    for x, y in corners:
        page.mouse.click(x, y)
    page.mouse.dblclick(*corners[-1])
    ring: list[list[float]] = page.evaluate(
        """(points) => points.map(([x, y]) => {
            const r = window.vigie.map.getCanvas().getBoundingClientRect();
            const p = window.vigie.map.unproject([x - r.left, y - r.top]);
            return [p.lng, p.lat];
        })""",
        corners,
    )
    return ring


def test_an_override_on_a_drawn_polygon_reaches_every_luminaire_in_it(
    page: Page, city: LiveCity
) -> None:
    server = city.server
    log_in(page, server, "olga")
    ring = _draw_polygon(page)
    lights = page.evaluate(
        """() => { const { index } = window.vigie;
            return index.members.lights.map((i) => [index.ids[i], index.lon[i], index.lat[i]]); }"""
    )
    polygon = Polygon(ring)
    inside = {asset for asset, lon, lat in lights if polygon.contains(Point(lon, lat))}
    assert inside, "the polygon holds no light: draw it elsewhere"
    expect(page.locator("#selection-count")).to_have_text(str(len(inside)))

    page.fill("#override-level", "100")
    page.select_option("#override-duration", "3600")
    page.click("#override-send")

    progress = page.locator("#command-progress")
    expect(progress).to_be_visible()
    expect(page.locator("#command-counts")).to_contain_text(
        f"{len(inside)} / {len(inside)}", timeout=60_000
    )
    command_id = progress.get_attribute("data-command-id")
    assert command_id
    token = server.login("olga", "correct horse battery")
    status, command = server.request("GET", f"/api/v1/commands/{command_id}", token=token)
    assert status == 200, command
    assert (
        command["target"] == {"polygon": [list(p) for p in ring]} or "polygon" in command["target"]
    )
    status, page_of_devices = server.request(
        "GET", f"/api/v1/commands/{command_id}/devices?limit=5000", token=token
    )
    assert status == 200, page_of_devices
    devices = {d["asset_id"]: d["status"] for d in page_of_devices["items"]}
    assert set(devices) == inside
    assert set(devices.values()) == {"acknowledged"}


def test_a_refused_override_says_why_in_french(page: Page, city: LiveCity) -> None:
    log_in(page, city.server, "olga")
    _draw_polygon(page)
    page.fill("#override-level", "5")  # below every lighting class's floor
    page.click("#override-send")
    toast = page.locator("#toast")
    expect(toast).to_contain_text("Commande refusée : 5 % est sous le plancher de la classe")
    expect(toast).not_to_contain_text("below the floor")


def test_a_viewer_is_not_offered_commands(page: Page, city: LiveCity) -> None:
    log_in(page, city.server, "vic")
    expect(page.locator("#override-form")).to_be_hidden()


def test_the_asset_panel_overrides_one_light(page: Page, city: LiveCity) -> None:
    log_in(page, city.server, "olga")
    light = "urn:ngsi-ld:Streetlight:21231:1"
    page.evaluate(f"window.vigie.panel.open(window.vigie.index.byId.get('{light}'))")
    page.click("#panel-override")  # at the form's level: 100 % by default
    expect(page.locator("#command-counts")).to_contain_text("1 / 1", timeout=60_000)
    command_id = page.locator("#command-progress").get_attribute("data-command-id")
    token = city.server.login("olga", "correct horse battery")
    status, body = city.server.request("GET", f"/api/v1/commands/{command_id}/devices", token=token)
    assert status == 200, body
    assert [(d["asset_id"], d["status"]) for d in body["items"]] == [(light, "acknowledged")]
