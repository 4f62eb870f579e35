"""CCTV's manifest: cameras, their health and recording alarms."""

from __future__ import annotations

from pathlib import Path

from vigie.domains.cctv import assets
from vigie.domains.cctv.metrics import CAMERA_METRICS
from vigie.integration import Integration

INTEGRATION = Integration(
    name="cctv",
    title="CCTV",
    asset_types=assets.ASSET_TYPES,
    metrics={assets.CAMERA: CAMERA_METRICS},
    alarm_rules=Path(__file__).with_name("alarm_rules.toml"),
)
