"""Street lighting: programmes, groups and calendar exceptions (lighting.manage), and the
incident boost: 100% within a radius for a duration, a `set_level` command whose override
expires by itself on every luminaire (commands.send)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

import msgspec
from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from vigie.api.dependencies import (
    CurrentClock,
    ReadConnection,
    StoreEngine,
    ensure_in_scope,
    require,
)
from vigie.api.json_body import decode_body, openapi_body
from vigie.api.problems import ProblemError
from vigie.api.routes.commands import CommandBody, send_command
from vigie.auth.principal import Principal
from vigie.auth.roles import Permission
from vigie.commands.targets import Near, TargetSpec
from vigie.domains.lighting import store
from vigie.domains.lighting.groups import GroupError
from vigie.domains.lighting.programs import ProgramError

router = APIRouter(prefix="/api/v1/lighting", tags=["lighting"])
Reader = Annotated[Principal, Depends(require(Permission.COMMANDS_READ))]
Manager = Annotated[Principal, Depends(require(Permission.LIGHTING_MANAGE))]
Sender = Annotated[Principal, Depends(require(Permission.COMMANDS_SEND))]
MAX_BOOST_S = 12 * 3_600.0


class ProgramBody(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    steps: list[dict[str, Any]]


class GroupBody(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    kind: str
    selector: dict[str, Any]
    municipality_code: str | None = None
    program_id: str | None = None
    holiday_program_id: str | None = None
    priority: int = 0


class ExceptionBody(msgspec.Struct, forbid_unknown_fields=True):
    night: date
    program_id: str
    reason: str
    group_id: str | None = None


class BoostBody(msgspec.Struct, forbid_unknown_fields=True):
    lon: float
    lat: float
    radius_m: float
    duration_s: float
    reason: str = "incident"


def _json(body: Any, status: int = 200) -> Response:
    return Response(msgspec.json.encode(body), status_code=status, media_type="application/json")


def _refused(error: Exception) -> ProblemError:
    return ProblemError(422, str(error), kind="invalid-input", errors=[{"reason": str(error)}])


@router.get("/programs", summary="Lighting programmes")
def programs(conn: ReadConnection, _principal: Reader) -> Response:
    return _json({"items": store.list_programs(conn)})


@router.put("/programs/{program_id}", summary="Create or replace a programme",
            openapi_extra=openapi_body(ProgramBody))  # fmt: skip
async def put_program(
    program_id: str, request: Request, engine: StoreEngine, clock: CurrentClock, who: Manager
) -> Response:
    body = await decode_body(request, ProgramBody)

    def save() -> dict[str, Any]:
        with engine.begin() as conn:
            program = store.save_program(conn, program_id, body.name, body.steps, who.actor,
                                         clock.now())  # fmt: skip
        return {"id": program.id, "name": body.name, "steps": program.to_json()}

    try:
        return _json(await run_in_threadpool(save))
    except ProgramError as error:
        raise _refused(error) from None


@router.get("/groups", summary="Lighting groups")
def groups(conn: ReadConnection, _principal: Reader) -> Response:
    return _json({"items": store.list_groups(conn)})


@router.put("/groups/{group_id}", summary="Create or replace a group",
            openapi_extra=openapi_body(GroupBody))  # fmt: skip
async def put_group(
    group_id: str, request: Request, engine: StoreEngine, clock: CurrentClock, who: Manager
) -> Response:
    body = await decode_body(request, GroupBody)
    if body.municipality_code is not None:
        ensure_in_scope(who, body.municipality_code)
    elif who.municipalities is not None:
        raise ProblemError(403, "metropolitan groups are outside your scope", kind="out-of-scope")

    def save() -> None:
        with engine.begin() as conn:
            store.save_group(conn, group_id, name=body.name, kind=body.kind,
                             selector=body.selector, municipality_code=body.municipality_code,
                             program_id=body.program_id,
                             holiday_program_id=body.holiday_program_id,
                             priority=body.priority, actor=who.actor, now=clock.now())  # fmt: skip

    try:
        await run_in_threadpool(save)
    except GroupError as error:
        raise _refused(error) from None
    return _json({"id": group_id, **msgspec.to_builtins(body)})


@router.post("/exceptions", status_code=201, summary="A calendar exception",
             openapi_extra=openapi_body(ExceptionBody))  # fmt: skip
async def add_exception(
    request: Request, engine: StoreEngine, clock: CurrentClock, who: Manager
) -> Response:
    body = await decode_body(request, ExceptionBody)

    def save() -> None:
        with engine.begin() as conn:
            store.add_exception(conn, body.night, body.program_id, body.group_id, body.reason,
                                who.actor, clock.now())  # fmt: skip

    try:
        await run_in_threadpool(save)
    except GroupError as error:
        raise _refused(error) from None
    return _json(msgspec.to_builtins(body), 201)


@router.post("/boost", status_code=202, summary="Incident boost: 100% within a radius",
             openapi_extra=openapi_body(BoostBody))  # fmt: skip
async def boost(
    request: Request, engine: StoreEngine, clock: CurrentClock, who: Sender
) -> Response:
    body = await decode_body(request, BoostBody)
    if not 0 < body.duration_s <= MAX_BOOST_S:
        raise ProblemError(422, "duration_s must be above 0 and at most 12 h",
                           kind="invalid-input")  # fmt: skip
    now = clock.now()
    until = now + timedelta(seconds=body.duration_s)
    command = CommandBody(
        domain="lighting",
        action="set_level",
        target=TargetSpec(near=Near(body.lon, body.lat, body.radius_m)),
        params={"level_pct": 100, "until": until.isoformat()},
        # Delivered while it still matters: a boost that arrives late is no use.
        expires_in_s=min(300.0, body.duration_s),
        max_attempts=5,
        retry_after_s=10.0,
    )
    found = await run_in_threadpool(send_command, engine, who, now, command)
    return _json(found.to_json(), 202)
