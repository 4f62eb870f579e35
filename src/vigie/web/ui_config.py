"""What the pages are told when they load: the base map style, what each role may do, and how
often each type of device should report (to tell a silent device from a quiet one), and the
territory: its name, time zone and the map's initial view."""

from __future__ import annotations

from typing import Any

from vigie import __version__
from vigie.auth.roles import ROLE_PERMISSIONS
from vigie.core.settings import Settings
from vigie.telemetry.catalogue import METRICS, expected_interval_s

#: A MapLibre style URL for production tiles; unset, the built-in offline base is used.
STYLE_URL_VARIABLE = "VIGIE_MAP_STYLE_URL"
#: A device silent for this many of its expected intervals is shown offline.
SILENCE_FACTOR = 3.0


def ui_config(settings: Settings) -> dict[str, Any]:
    return {
        "version": __version__,
        "styleUrl": settings.map_style_url,
        "territory": settings.territory_name,
        "timeZone": settings.timezone,
        "mapCenter": [settings.map_center_lon, settings.map_center_lat],
        "mapZoom": settings.map_zoom,
        "permissions": {
            role.value: sorted(p.value for p in permissions)
            for role, permissions in ROLE_PERMISSIONS.items()
        },
        "offlineAfterS": {
            reporter: expected_interval_s(reporter) * SILENCE_FACTOR for reporter in METRICS
        },
        "defaultLanguage": "fr",
    }
