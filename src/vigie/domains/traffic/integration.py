"""Traffic signals' manifest: controllers, timing-plan commands, plan mismatch alarms."""

from __future__ import annotations

from pathlib import Path

import typer

from vigie.alarms.kinds import Kind, only
from vigie.domains.traffic import assets
from vigie.domains.traffic.actions import ACTIONS
from vigie.domains.traffic.alarm_conditions import PlanMismatch, PlanMismatchParams
from vigie.domains.traffic.metrics import CONTROLLER_METRICS
from vigie.integration import Integration


def _cli() -> typer.Typer:
    from vigie.domains.traffic.cli import app

    return app


INTEGRATION = Integration(
    name="traffic",
    title="Traffic signals and bus priority",
    asset_types=assets.ASSET_TYPES,
    metrics={assets.TRAFFIC_SIGNAL_CONTROLLER: CONTROLLER_METRICS},
    actions=ACTIONS,
    alarm_kinds={
        "plan_mismatch": Kind(
            PlanMismatchParams, PlanMismatch, only(assets.TRAFFIC_SIGNAL_CONTROLLER)
        ),
    },
    alarm_rules=Path(__file__).with_name("alarm_rules.toml"),
    cli=_cli,
)
