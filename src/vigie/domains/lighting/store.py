"""Lighting programmes, groups and calendar exceptions in the store (each write audited in
its transaction), and the luminaires with what groups, floors and savings need of them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import msgspec
from sqlalchemy import select
from sqlalchemy.engine import Connection

from vigie.audit.log import AuditEntry, record
from vigie.commands.model import CommandRefused
from vigie.core.text import Text
from vigie.domains.lighting.assets import STREETLIGHT
from vigie.domains.lighting.calendar import Assignment, Exception_
from vigie.domains.lighting.groups import GroupError, Light, members, parse_selector
from vigie.domains.lighting.programs import Program, Step, make_program
from vigie.domains.lighting.tables import (
    lighting_calendar_exceptions,
    lighting_groups,
    lighting_programs,
)
from vigie.registry.asset_types import Relation
from vigie.store.schema import asset_links, asset_parts, assets

LIGHT = STREETLIGHT
PROGRAM_ID_REFUSED = Text("program_id must name a programme", "program_id doit nommer un programme")


def _audit(conn: Connection, actor: str, now: datetime, action: str, kind: str, key: str,
           after: dict[str, Any]) -> None:  # fmt: skip
    record(conn, [AuditEntry(at=now, actor=actor, action=action, entity_type=kind,
                             entity_id=key, after=after)])  # fmt: skip


def save_program(
    conn: Connection, program_id: str, name: str, raw_steps: Any, actor: str, now: datetime
) -> Program:
    """Create or replace a programme (ProgramError if its steps are refused)."""
    program = make_program(program_id, raw_steps)
    steps = program.to_json()
    exists = conn.execute(
        select(lighting_programs.c.id).where(lighting_programs.c.id == program_id)
    ).first()
    if exists is None:
        conn.execute(
            lighting_programs.insert(),
            {"id": program_id, "name": name, "steps": steps, "created_by": actor,
             "created_at": now, "updated_at": now},
        )  # fmt: skip
    else:
        conn.execute(
            lighting_programs.update()
            .where(lighting_programs.c.id == program_id)
            .values(name=name, steps=steps, updated_at=now)
        )
    _audit(conn, actor, now, "lighting.program.save", "lighting_program", program_id,
           {"name": name, "steps": steps})  # fmt: skip
    return program


def get_program(conn: Connection, program_id: str) -> Program | None:
    row = conn.execute(
        select(lighting_programs.c.steps).where(lighting_programs.c.id == program_id)
    ).first()
    if row is None:
        return None
    return Program(program_id, tuple(Step(**s) for s in row.steps))


def list_programs(conn: Connection) -> list[dict[str, Any]]:
    query = select(lighting_programs).order_by(lighting_programs.c.id)
    return [
        {"id": r.id, "name": r.name, "steps": r.steps, "updated_at": r.updated_at.isoformat()}
        for r in conn.execute(query)
    ]


def save_group(
    conn: Connection,
    group_id: str,
    *,
    name: str,
    kind: str,
    selector: Any,
    municipality_code: str | None,
    program_id: str | None,
    holiday_program_id: str | None,
    priority: int,
    actor: str,
    now: datetime,
) -> None:
    """Create or replace a group; GroupError for a bad selector or an unknown programme."""
    parsed = parse_selector(kind, selector)
    for wanted in (program_id, holiday_program_id):
        if wanted is not None and get_program(conn, wanted) is None:
            raise GroupError(f"unknown programme: {wanted}")
    row = {
        "name": name, "kind": kind, "selector": {k: v for k, v in _builtins(parsed).items()
                                                 if v is not None},
        "municipality_code": municipality_code, "program_id": program_id,
        "holiday_program_id": holiday_program_id, "priority": priority, "updated_at": now,
    }  # fmt: skip
    exists = conn.execute(
        select(lighting_groups.c.id).where(lighting_groups.c.id == group_id)
    ).first()
    if exists is None:
        conn.execute(lighting_groups.insert(), {"id": group_id, "created_at": now, **row})
    else:
        conn.execute(lighting_groups.update().where(lighting_groups.c.id == group_id).values(row))
    _audit(conn, actor, now, "lighting.group.save", "lighting_group", group_id,
           {k: v for k, v in row.items() if k != "updated_at"})  # fmt: skip


def _builtins(value: Any) -> dict[str, Any]:
    found: dict[str, Any] = msgspec.to_builtins(value)
    return found


def list_groups(conn: Connection) -> list[dict[str, Any]]:
    query = select(lighting_groups).order_by(lighting_groups.c.id)
    return [
        {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in r._mapping.items()}
        for r in conn.execute(query)
    ]


def load_lights(conn: Connection) -> list[Light]:
    """Every installed luminaire, with the cabinet that feeds it (through its feeder)."""
    cabinet_of_feeder = {
        r[0]: r[1] for r in conn.execute(select(asset_parts.c.id, asset_parts.c.asset_id))
    }
    feeder_of = {
        r[0]: r[1]
        for r in conn.execute(
            select(asset_links.c.asset_id, asset_links.c.target_id).where(
                asset_links.c.relation == Relation.FED_BY.value
            )
        )
    }
    query = select(
        assets.c.id, assets.c.municipality_code, assets.c.lon, assets.c.lat, assets.c.attributes
    ).where(assets.c.type == LIGHT, assets.c.status.in_(("active", "maintenance", "faulty")))
    return [
        Light(
            r.id,
            r.municipality_code,
            cabinet_of_feeder.get(feeder_of.get(r.id, "")),
            str(r.attributes["lighting_class"]),
            r.lon,
            r.lat,
            float(r.attributes["rated_power_w"]),
            float(r.attributes["baseline_power_w"]),
        )
        for r in conn.execute(query.order_by(assets.c.id))
    ]


def group_members(conn: Connection, group_id: str) -> list[str] | None:
    """Ids of the group's luminaires; None for an unknown group."""
    row = conn.execute(select(lighting_groups).where(lighting_groups.c.id == group_id)).first()
    if row is None:
        return None
    return members(row.kind, parse_selector(row.kind, row.selector), load_lights(conn))


def memberships(conn: Connection, lights: list[Light]) -> dict[str, list[Assignment]]:
    """Luminaire id → the groups it is in (with their programmes)."""
    found: dict[str, list[Assignment]] = {light.id: [] for light in lights}
    for row in conn.execute(select(lighting_groups)):
        assignment = Assignment(row.id, row.priority, row.program_id, row.holiday_program_id)
        for light_id in members(row.kind, parse_selector(row.kind, row.selector), lights):
            found[light_id].append(assignment)
    return found


def add_exception(
    conn: Connection, night: date, program_id: str, group_id: str | None, reason: str,
    actor: str, now: datetime,
) -> None:  # fmt: skip
    if get_program(conn, program_id) is None:
        raise GroupError(f"unknown programme: {program_id}")
    if group_id is not None and group_members(conn, group_id) is None:
        raise GroupError(f"unknown group: {group_id}")
    conn.execute(
        lighting_calendar_exceptions.insert(),
        {"night": night, "group_id": group_id, "program_id": program_id, "reason": reason,
         "created_by": actor, "created_at": now},
    )  # fmt: skip
    _audit(conn, actor, now, "lighting.exception.add", "lighting_calendar", night.isoformat(),
           {"group_id": group_id, "program_id": program_id, "reason": reason})  # fmt: skip


def exceptions_between(conn: Connection, first: date, last: date) -> list[Exception_]:
    t = lighting_calendar_exceptions
    query = select(t.c.night, t.c.program_id, t.c.group_id).where(t.c.night.between(first, last))
    return [Exception_(r.night, r.program_id, r.group_id) for r in conn.execute(query)]


def prepare_assign_program(conn: Connection, params: dict[str, Any]) -> dict[str, Any]:
    """assign_program names a stored programme: its steps go with the command."""
    program_id = params.get("program_id")
    if not isinstance(program_id, str):
        raise CommandRefused([PROGRAM_ID_REFUSED])
    program = get_program(conn, program_id)
    if program is None:
        raise CommandRefused(
            [Text(f"unknown programme: {program_id}", f"programme inconnu : {program_id}")]
        )
    return {"program_id": program_id, "steps": program.to_json()}
