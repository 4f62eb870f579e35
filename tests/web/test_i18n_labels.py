"""The UI's dictionaries: French and English have the same keys, and every metric and asset
attribute the server sends has a label in both (the panel shows labels, not field names)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from vigie.registry.asset_types import ASSET_TYPES
from vigie.registry.importing.mapping import attribute_names
from vigie.telemetry.catalogue import METRICS

I18N = Path(__file__).parents[2] / "src" / "vigie" / "web" / "static" / "js" / "i18n"
KEY = re.compile(r"^\s*'([\w.]+)':", re.MULTILINE)


def _keys(language: str) -> set[str]:
    return set(KEY.findall((I18N / f"{language}.js").read_text(encoding="utf-8")))


def test_french_and_english_have_the_same_keys() -> None:
    assert _keys("fr") == _keys("en")


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_metric_and_attribute_has_a_label(language: str) -> None:
    keys = _keys(language)
    metrics = {f"metric.{m}" for by_type in METRICS.values() for m in by_type}
    attributes = {f"attribute.{a}" for t in ASSET_TYPES for a in attribute_names(t)}
    assert sorted(metrics - keys) == [] and sorted(attributes - keys) == []
