"""Selecting luminaires: a drawn polygon, a click, a cabinet's group; the command controls
are usable only while something is selected (sending: test_lighting_commands.py)."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from shapely.geometry import Point, Polygon

from tests.web.conftest import log_in
from tests.web.server import Server

CENTRE = (5.0415, 47.3220)


def _screen_box(page: Page) -> dict[str, float]:
    box: dict[str, float] = page.evaluate(
        """([lon, lat]) => new Promise((resolve) => {
            const { map } = window.vigie;
            const done = () => {
                const r = map.getCanvas().getBoundingClientRect();
                resolve({ left: r.left, top: r.top, width: r.width, height: r.height });
            };
            map.once('idle', done);
            map.jumpTo({ center: [lon, lat], zoom: 16 });
            setTimeout(done, 20000); // never wait forever
        })""",
        list(CENTRE),
    )
    return box


def test_a_drawn_polygon_selects_every_light_inside_it(page: Page, server: Server) -> None:
    log_in(page, server, "olga")
    box = _screen_box(page)
    page.click("#select-polygon")
    expect(page.locator("#polygon-hint")).to_be_visible()
    cx, cy = box["left"] + box["width"] / 2, box["top"] + box["height"] / 2
    corners = [
        (cx - 150, cy - 100),
        (cx + 160, cy - 120),
        (cx + 120, cy + 130),
        (cx - 140, cy + 90),
    ]
    for x, y in corners:
        page.mouse.click(x, y)
    page.mouse.dblclick(*corners[-1])
    ring = page.evaluate(
        """(points) => points.map(([x, y]) => {
            const r = window.vigie.map.getCanvas().getBoundingClientRect();
            const p = window.vigie.map.unproject([x - r.left, y - r.top]);
            return [p.lng, p.lat];
        })""",
        corners,
    )
    lights = page.evaluate(
        """() => { const { index } = window.vigie;
            return index.members.lights.map((i) => [index.ids[i], index.lon[i], index.lat[i]]); }"""
    )
    polygon = Polygon(ring)
    inside = {asset for asset, lon, lat in lights if polygon.contains(Point(lon, lat))}
    assert len(inside) > 20
    selected = set(page.evaluate("window.vigie.lighting.ids()"))
    assert selected == inside
    expect(page.locator("#selection-count")).to_have_text(str(len(inside)))
    # Selected lights are outlined on the map.
    first = sorted(inside)[0]
    assert page.evaluate(
        f"""(() => {{ const {{ map, index }} = window.vigie; const i = index.byId.get('{first}');
            return map.getFeatureState({{ source: 'lights', id: index.fid[i] }}).sel; }})()"""
    )
    expect(page.locator("#override-send")).to_be_enabled()
    page.click("#select-clear")
    expect(page.locator("#selection-count")).to_have_text("0")
    expect(page.locator("#override-send")).to_be_disabled()


def test_a_cabinet_selects_the_lights_it_feeds(page: Page, server: Server) -> None:
    log_in(page, server, "olga")
    cabinet = "urn:ngsi-ld:StreetlightControlCabinet:21231:5"
    page.evaluate(f"window.vigie.panel.open(window.vigie.index.byId.get('{cabinet}'))")
    page.click("#select-cabinet")
    fed: int = page.evaluate(f"window.vigie.index.lightsOfCabinet('{cabinet}').length")
    assert fed > 0
    expect(page.locator("#selection-count")).to_have_text(str(fed))
