"""Public transport's manifest: buses, off-route alarms, GTFS and GTFS-realtime feeds."""

from __future__ import annotations

from pathlib import Path

import typer
from fastapi import APIRouter

from vigie.alarms.kinds import Kind, only
from vigie.domains.transit import assets
from vigie.domains.transit.alarm_conditions import OffRoute, OffRouteParams
from vigie.domains.transit.metrics import BUS_METRICS
from vigie.domains.transit.tables import gtfs_feeds
from vigie.integration import Integration


def _routers() -> tuple[APIRouter, ...]:
    from vigie.domains.transit import gtfs_api

    return (gtfs_api.router,)


def _cli() -> typer.Typer:
    from vigie.domains.transit.cli import app

    return app


INTEGRATION = Integration(
    name="transit",
    title="Buses",
    asset_types=assets.ASSET_TYPES,
    metrics={assets.BUS: BUS_METRICS},
    alarm_kinds={"off_route": Kind(OffRouteParams, OffRoute, only(assets.BUS))},
    alarm_rules=Path(__file__).with_name("alarm_rules.toml"),
    routers=_routers,
    tables=(gtfs_feeds,),
    cli=_cli,
    cli_name="gtfs",
)
