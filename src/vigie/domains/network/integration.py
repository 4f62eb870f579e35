"""The fibre network's manifest: nodes and links, their health and cut alarms."""

from __future__ import annotations

from pathlib import Path

from vigie.domains.network import assets
from vigie.domains.network.metrics import FIBRE_LINK_METRICS, NETWORK_NODE_METRICS
from vigie.integration import Integration

INTEGRATION = Integration(
    name="network",
    title="Fibre network",
    asset_types=assets.ASSET_TYPES,
    metrics={assets.NETWORK_NODE: NETWORK_NODE_METRICS, assets.FIBRE_LINK: FIBRE_LINK_METRICS},
    alarm_rules=Path(__file__).with_name("alarm_rules.toml"),
)
