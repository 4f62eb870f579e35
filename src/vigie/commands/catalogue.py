"""The domains whose command actions are known: importing each registers its actions (and
target groups). A domain adds its module here."""

from __future__ import annotations

import importlib
from functools import cache

DOMAIN_ACTION_MODULES = ("vigie.domains.lighting.actions", "vigie.domains.traffic.actions")


@cache
def load_domain_actions() -> None:
    for name in DOMAIN_ACTION_MODULES:
        importlib.import_module(name)
