"""The municipal fleet's manifest: geotagged vehicles, live tracking, nearest vehicle, geofences."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter

from vigie.domains.fleet import assets
from vigie.domains.fleet.metrics import FLEET_VEHICLE_METRICS
from vigie.domains.fleet.tables import geofences
from vigie.integration import Integration


def _routers() -> tuple[APIRouter, ...]:
    from vigie.domains.fleet import api, geofences_api

    return (api.router, geofences_api.router)


INTEGRATION = Integration(
    name="fleet",
    title="Municipal fleet",
    asset_types=assets.ASSET_TYPES,
    metrics={assets.FLEET_VEHICLE: FLEET_VEHICLE_METRICS},
    alarm_rules=Path(__file__).with_name("alarm_rules.toml"),
    routers=_routers,
    tables=(geofences,),
)
