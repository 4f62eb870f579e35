"""Submitting a command: resolve the targets, check the caller's scope and the domain's
rules, then store it with its devices and audit entry in one transaction. Refused as a whole
(CommandRefused, or OutOfScope) with nothing written."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine

from vigie.commands.model import Command, CommandRequest, Policy
from vigie.commands.store import create_command
from vigie.commands.targets import TargetSpec, describe, resolve
from vigie.commands.validation import check_request, spec_for


class OutOfScope(PermissionError):
    def __init__(self, codes: Iterable[str]) -> None:
        self.codes = sorted(codes)
        super().__init__(f"targets in municipalities outside your scope: {', '.join(self.codes)}")


@dataclass(frozen=True)
class Caller:
    actor: str
    #: None: every municipality.
    municipalities: frozenset[str] | None


def submit(
    engine: Engine,
    caller: Caller,
    *,
    domain: str,
    action: str,
    params: dict[str, Any],
    target: TargetSpec,
    policy: Policy,
    now: datetime,
) -> Command:
    spec = spec_for(domain, action)
    with engine.begin() as conn:
        if spec.prepare is not None:
            params = spec.prepare(conn, dict(params))
        areas = sorted(spec.area_types) if spec.area_types is not None else None
        targets = resolve(conn, domain, target, sorted(spec.asset_types), areas)
        if caller.municipalities is not None:
            outside = {t.municipality_code for t in targets} - caller.municipalities
            if outside:
                raise OutOfScope(outside)
        request = check_request(
            CommandRequest(domain, action, params, targets, describe(target), policy)
        )
        return create_command(conn, request, caller.actor, now)
