"""Access bollards' manifest: bollards, their state and fault alarms."""

from __future__ import annotations

from pathlib import Path

from vigie.domains.bollards import assets
from vigie.domains.bollards.metrics import BOLLARD_METRICS
from vigie.integration import Integration

INTEGRATION = Integration(
    name="bollards",
    title="Access bollards",
    asset_types=assets.ASSET_TYPES,
    metrics={assets.BOLLARD: BOLLARD_METRICS},
    alarm_rules=Path(__file__).with_name("alarm_rules.toml"),
)
