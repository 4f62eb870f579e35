"""Small helpers of the browser tests: timestamps, finding and clicking assets on the map."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from playwright.sync_api import Page

STATE_CODES = {
    name: code
    for code, name in enumerate(
        ("nodata", "ok", "dimmed", "off", "offline", "alarm", "maintenance")
    )
}


def iso(minutes_ago: float = 0.0) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes_ago)).isoformat()


def lights_of(page: Page, municipality: str, count: int, skip: int = 0) -> list[str]:
    """Ids of some streetlights of a municipality, as the page knows them."""
    ids: list[str] = page.evaluate(
        """([prefix, count, skip]) => window.vigie.index.ids
            .filter((id) => id.startsWith(prefix)).slice(skip, skip + count)""",
        [f"urn:ngsi-ld:Streetlight:{municipality}:", count, skip],
    )
    return ids


def feature_state(page: Page, asset_id: str) -> dict[str, Any]:
    state: dict[str, Any] = page.evaluate(
        """(id) => {
            const { map, index } = window.vigie;
            const i = index.byId.get(id);
            return map.getFeatureState({ source: index.source[i], id: index.fid[i] });
        }""",
        asset_id,
    )
    return state


def wait_for_state(page: Page, asset_id: str, state: str, timeout_ms: int = 5_000) -> None:
    page.wait_for_function(
        """([id, code]) => {
            const { map, index } = window.vigie;
            const i = index.byId.get(id);
            return map.getFeatureState({ source: index.source[i], id: index.fid[i] }).s === code;
        }""",
        arg=[asset_id, STATE_CODES[state]],
        timeout=timeout_ms,
    )


def show_on_map(page: Page, asset_id: str, zoom: float = 18.5) -> tuple[float, float] | None:
    """Centre the map on an asset; its position on the screen if a click there hits it first."""
    page.evaluate(
        """([id, zoom]) => new Promise((resolve) => {
            const { map, index } = window.vigie;
            const i = index.byId.get(id);
            map.once('idle', resolve);
            map.jumpTo({ center: [index.lon[i], index.lat[i]], zoom });
            setTimeout(resolve, 20000); // never wait forever
        })""",
        [asset_id, zoom],
    )
    hit: dict[str, float] | None = page.evaluate(
        """(id) => {
            const { map, index } = window.vigie;
            const i = index.byId.get(id);
            const point = map.project([index.lon[i], index.lat[i]]);
            const layers = ['lights', 'points-lighting', 'points-traffic', 'points-cctv',
                'points-bollards', 'points-buildings', 'points-network', 'vehicles-transit',
                'vehicles-fleet', 'links'];
            const hits = map.queryRenderedFeatures(point, { layers });
            if (!hits.length || hits[0].properties.i !== i) return null;
            const box = map.getCanvas().getBoundingClientRect();
            return { x: box.left + point.x, y: box.top + point.y };
        }""",
        asset_id,
    )
    return None if hit is None else (hit["x"], hit["y"])


def click_asset(page: Page, candidates: list[str]) -> str:
    """Click the first of these assets that no other feature covers; its id."""
    for asset_id in candidates:
        position = show_on_map(page, asset_id)
        if position is not None:
            page.mouse.click(*position)
            return asset_id
    raise AssertionError(f"none of {candidates} can be clicked alone")
