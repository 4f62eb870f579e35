"""A facility's manifest, and installing it into the core's registries.

Each domain package (`vigie.domains.<name>`) describes everything it brings in one
`Integration` value: its asset types, what its devices report, the commands they take, its
alarm condition kinds and rule file, its API routers, CLI sub-commands, KPIs, tables and
operator-UI modules. The
core never imports a domain by name: the entry points (`vigie` command, tests, benchmarks) hand
the manifests to `install`, which registers each part with the package that owns the concept.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Table

from vigie.alarms.kinds import KINDS, Kind, register_kind, unregister_kind
from vigie.alarms.ruleset import RULE_FILES
from vigie.commands.targets import GroupResolver, register_groups, unregister_groups
from vigie.commands.validation import ActionSpec, actions, register, unregister
from vigie.registry.asset_types import ASSET_TYPES, AssetTypeSpec, register_type, unregister_type
from vigie.store.schema import metadata
from vigie.telemetry.catalogue import METRICS
from vigie.telemetry.metrics import MetricDescription
from vigie.timeseries.counters import mixed_counter_keys

if TYPE_CHECKING:
    import typer
    from fastapi import APIRouter


@dataclass(frozen=True)
class Kpi:
    """A contract KPI a domain computes, listed by `GET /api/v1/kpi` with where to read it."""

    key: str
    title: str
    path: str  # the API path that computes it
    description: str = ""


@dataclass(frozen=True)
class Integration:
    """Everything one facility brings to Vigie; see the module's docstring."""

    name: str
    title: str
    asset_types: tuple[AssetTypeSpec, ...] = ()
    #: reporter type (an asset type or a part's URN type) -> metric key -> description
    metrics: Mapping[str, Mapping[str, MetricDescription]] = field(default_factory=dict)
    actions: tuple[ActionSpec, ...] = ()
    #: command target groups of the domain (e.g. lighting groups), by the resolver's domain
    command_groups: GroupResolver | None = None
    alarm_kinds: Mapping[str, Kind] = field(default_factory=dict)
    #: the domain's alarm rule file (TOML), installed under the name `<name>.toml`
    alarm_rules: Path | None = None
    #: builds the domain's API routers (called when the app is built)
    routers: Callable[[], tuple[APIRouter, ...]] | None = None
    #: builds the domain's `vigie <cli_name> …` sub-commands
    cli: Callable[[], typer.Typer] | None = None
    #: the name of its command group (default: the integration's name)
    cli_name: str | None = None
    kpis: tuple[Kpi, ...] = ()
    #: the domain's operator-UI modules (ES modules), served at `/ui/<name>/`
    ui_dir: Path | None = None
    #: the domain's own tables; they must be declared on the store's metadata (so that its
    #: migrations and the schema drift check cover them): install refuses any other
    tables: tuple[Table, ...] = ()


_INSTALLED: dict[str, Integration] = {}


class IntegrationConflict(ValueError):
    """Two integrations claim the same name, asset type, metric type, action or kind."""


def install(*integrations: Integration) -> None:
    """Register each integration's parts with the core; installing one twice is a no-op."""
    for integration in integrations:
        if _INSTALLED.get(integration.name) is integration:
            continue
        if integration.name in _INSTALLED:
            raise IntegrationConflict(f"an integration named {integration.name!r} is installed")
        _check_free(integration)
        for spec in integration.asset_types:
            register_type(spec)
        for reporter_type, metrics in integration.metrics.items():
            METRICS[reporter_type] = dict(metrics)
        for action in integration.actions:
            register(action)
        if integration.command_groups is not None:
            register_groups(integration.name, integration.command_groups)
        for key, kind in integration.alarm_kinds.items():
            register_kind(key, kind)
        if integration.alarm_rules is not None:
            RULE_FILES[f"{integration.name}.toml"] = integration.alarm_rules
        _INSTALLED[integration.name] = integration


def uninstall(name: str) -> None:
    """Remove an integration's parts again (for tests that install a made-up facility)."""
    integration = _INSTALLED.pop(name)
    for spec in integration.asset_types:
        unregister_type(spec.name)
    for reporter_type in integration.metrics:
        METRICS.pop(reporter_type, None)
    for action in integration.actions:
        unregister(action.domain, action.action)
    if integration.command_groups is not None:
        unregister_groups(integration.name)
    for key in integration.alarm_kinds:
        unregister_kind(key)
    RULE_FILES.pop(f"{integration.name}.toml", None)


def installed() -> tuple[Integration, ...]:
    """The installed integrations, in the order they were installed."""
    return tuple(_INSTALLED.values())


def _check_free(integration: Integration) -> None:
    taken_actions = {(a.domain, a.action) for a in actions()}
    clashes = [
        *(f"asset type {s.name}" for s in integration.asset_types if s.name in ASSET_TYPES),
        *(f"metrics of {t}" for t in integration.metrics if t in METRICS),
        *(
            f"action {a.domain}/{a.action}"
            for a in integration.actions
            if (a.domain, a.action) in taken_actions
        ),
        *(f"alarm kind {k}" for k in integration.alarm_kinds if k in KINDS),
        *(
            f"table {t.name} is not on the store's metadata"
            for t in integration.tables
            if t.metadata is not metadata
        ),
        *(
            f"metric {k} is a counter for some types only"
            for k in mixed_counter_keys({**METRICS, **integration.metrics})
        ),
    ]
    if clashes:
        raise IntegrationConflict(
            f"integration {integration.name!r} clashes with what is installed: "
            + ", ".join(clashes)
        )
