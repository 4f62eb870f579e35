"""A made-up "fountain" facility, written as a real domain would be: one asset type, its
metrics, one command action with its check, one alarm rule file. Only its own folder and one
`install` call bring it into Vigie."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import msgspec

from vigie.commands.model import Target
from vigie.commands.validation import ActionSpec, Checked
from vigie.integration import Integration
from vigie.registry.asset_types import AssetTypeSpec, Attributes
from vigie.telemetry.metrics import bool_metric, by_key, number

FOUNTAIN = "Fountain"


class FountainAttributes(Attributes):
    basin_volume_m3: Annotated[float, msgspec.Meta(gt=0, le=10_000)]


def check_run(params: dict[str, Any], targets: Sequence[Target]) -> Checked:
    reasons = [] if params.get("on") in (True, False) else ["on must be true or false"]
    return Checked(reasons, params)


FOUNTAIN_INTEGRATION = Integration(
    name="fountain",
    title="Fountains",
    asset_types=(AssetTypeSpec(FOUNTAIN, FountainAttributes, "Point"),),
    metrics={
        FOUNTAIN: by_key(
            bool_metric("pump_on", 60.0, "pump running"),
            number("flow_l_min", "L/min", 0, 5_000, 60.0, "water flow through the nozzles"),
        )
    },
    actions=(ActionSpec("fountain", "run", frozenset({FOUNTAIN}), check_run, "pump on or off"),),
    alarm_rules=Path(__file__).with_name("alarm_rules.toml"),
)
