"""Public buildings' manifest: buildings and their meters, night consumption alarms."""

from __future__ import annotations

from pathlib import Path

from vigie.alarms.kinds import Kind, only
from vigie.domains.buildings import assets
from vigie.domains.buildings.alarm_conditions import NightConsumption, NightConsumptionParams
from vigie.domains.buildings.metrics import BUILDING_METRICS, METER_METRICS
from vigie.integration import Integration

INTEGRATION = Integration(
    name="buildings",
    title="Public buildings",
    asset_types=assets.ASSET_TYPES,
    metrics={assets.BUILDING: BUILDING_METRICS, assets.METER: METER_METRICS},
    alarm_kinds={
        "night_consumption": Kind(NightConsumptionParams, NightConsumption, only(assets.METER)),
    },
    alarm_rules=Path(__file__).with_name("alarm_rules.toml"),
)
