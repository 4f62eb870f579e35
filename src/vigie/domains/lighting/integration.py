"""Street lighting's manifest: luminaires, cabinets, dimming, lamp alarms, the energy KPI."""

from __future__ import annotations

from pathlib import Path

import typer
from fastapi import APIRouter

from vigie.alarms.kinds import Kind, only
from vigie.domains.lighting import assets
from vigie.domains.lighting.actions import ACTIONS
from vigie.domains.lighting.alarm_conditions import (
    DayBurner,
    DayBurnerParams,
    DimmingFailure,
    DimmingFailureParams,
    LampFailure,
    LampFailureParams,
)
from vigie.domains.lighting.metrics import CABINET_METRICS, STREETLIGHT_METRICS
from vigie.domains.lighting.store import group_members
from vigie.domains.lighting.tables import (
    lighting_calendar_exceptions,
    lighting_groups,
    lighting_programs,
)
from vigie.integration import Integration, Kpi

LIGHTS = only(assets.STREETLIGHT)


def _routers() -> tuple[APIRouter, ...]:
    from vigie.domains.lighting import api, kpi_api

    return (api.router, kpi_api.router)


def _cli() -> typer.Typer:
    from vigie.domains.lighting.cli import app

    return app


INTEGRATION = Integration(
    name="lighting",
    title="Street lighting",
    asset_types=assets.ASSET_TYPES,
    metrics={
        assets.STREETLIGHT: STREETLIGHT_METRICS,
        assets.STREETLIGHT_CONTROL_CABINET: CABINET_METRICS,
    },
    actions=ACTIONS,
    command_groups=group_members,
    alarm_kinds={
        "lamp_failure": Kind(LampFailureParams, LampFailure, LIGHTS),
        "dimming_failure": Kind(DimmingFailureParams, DimmingFailure, LIGHTS),
        "day_burner": Kind(DayBurnerParams, DayBurner, LIGHTS),
    },
    alarm_rules=Path(__file__).with_name("alarm_rules.toml"),
    routers=_routers,
    kpis=(
        Kpi(
            "lighting-energy",
            "Street lighting energy savings (IPMVP)",
            "/api/v1/kpi/lighting-energy",
            "baseline, metered energy and savings per month and municipality",
        ),
    ),
    tables=(lighting_programs, lighting_groups, lighting_calendar_exceptions),
    cli=_cli,
    ui_dir=Path(__file__).with_name("ui"),
)
