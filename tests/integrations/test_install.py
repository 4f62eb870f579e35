"""Installing an integration refuses what would make the core ambiguous, and leaves nothing of
the refused integration behind."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, MetaData, String, Table

from tests.integrations.fountain.integration import FOUNTAIN, FOUNTAIN_INTEGRATION
from vigie.integration import Integration, IntegrationConflict, install, installed, uninstall
from vigie.registry.asset_types import ASSET_TYPES
from vigie.telemetry.catalogue import METRICS
from vigie.telemetry.metrics import by_key, number
from vigie.timeseries.counters import counter_metrics


def test_a_metric_that_is_a_counter_elsewhere_is_refused() -> None:
    # energy_wh is the lights' energy counter: as a plain number here, rollups could not
    # tell which series to integrate.
    clash = Integration(
        name="meters_as_numbers",
        title="Clash",
        metrics={"Gauge": by_key(number("energy_wh", "Wh", 0, 1e9, 60.0))},
    )
    with pytest.raises(IntegrationConflict, match="energy_wh is a counter for some types only"):
        install(clash)
    assert "Gauge" not in METRICS
    assert "meters_as_numbers" not in {i.name for i in installed()}
    assert "energy_wh" in counter_metrics()


def test_an_asset_type_another_integration_declares_is_refused() -> None:
    twice = Integration(
        name="fountain_again",
        title="Clash",
        asset_types=FOUNTAIN_INTEGRATION.asset_types,
    )
    install(FOUNTAIN_INTEGRATION)
    try:
        with pytest.raises(IntegrationConflict, match=f"asset type {FOUNTAIN}"):
            install(twice)
    finally:
        uninstall(FOUNTAIN_INTEGRATION.name)
    assert FOUNTAIN not in ASSET_TYPES


def test_a_table_outside_the_stores_metadata_is_refused() -> None:
    stray = Table("fountain_basins", MetaData(), Column("id", String(80), primary_key=True))
    with pytest.raises(IntegrationConflict, match="table fountain_basins is not on the store"):
        install(Integration(name="stray_tables", title="Clash", tables=(stray,)))
    assert "stray_tables" not in {i.name for i in installed()}
