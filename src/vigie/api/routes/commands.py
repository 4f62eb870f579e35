"""Commands to devices: send one (to assets, a municipality, an area, a circle or a group),
list them, and see each device's status (pending, sent, acknowledged, failed, expired).
A refused command (bad parameters, a level below a class floor, unknown group, targets
outside the caller's scope) is answered with every reason and nothing is stored or sent."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

import msgspec
from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from vigie.api.cursor import decode_cursor, encode_cursor
from vigie.api.dependencies import CurrentClock, ReadConnection, StoreEngine, require
from vigie.api.json_body import decode_body, openapi_body
from vigie.api.problems import ProblemError
from vigie.auth.principal import Principal
from vigie.auth.roles import Permission
from vigie.commands.model import Command, CommandRefused, DeviceStatus, Policy
from vigie.commands.service import Caller, OutOfScope, submit
from vigie.commands.store import device_states, get_command, list_commands
from vigie.commands.targets import TargetSpec
from vigie.core.text import Text

router = APIRouter(prefix="/api/v1/commands", tags=["commands"])
Reader = Annotated[Principal, Depends(require(Permission.COMMANDS_READ))]
Sender = Annotated[Principal, Depends(require(Permission.COMMANDS_SEND))]


class CommandBody(msgspec.Struct, forbid_unknown_fields=True):
    domain: str
    action: str
    target: TargetSpec
    params: dict[str, Any] = msgspec.field(default_factory=dict)
    expires_in_s: float = 300.0
    max_attempts: int = 3
    retry_after_s: float = 20.0


def _json(body: Any, status: int = 200) -> Response:
    return Response(msgspec.json.encode(body), status_code=status, media_type="application/json")


def send_command(engine: Any, principal: Principal, now: datetime, body: CommandBody) -> Command:
    """Submit, answering refusals as problem+json (shared by the lighting routes)."""
    policy = Policy(
        timedelta(seconds=body.expires_in_s),
        body.max_attempts,
        timedelta(seconds=body.retry_after_s),
    )
    try:
        return submit(
            engine,
            Caller(principal.actor, principal.municipalities),
            domain=body.domain,
            action=body.action,
            params=body.params,
            target=body.target,
            policy=policy,
            now=now,
        )
    except CommandRefused as refused:
        raise ProblemError(
            422,
            Text.joined(refused.reasons, "; "),
            kind="command-refused",
            errors=[{"reason": r} for r in refused.reasons],
        ) from None
    except OutOfScope as outside:
        raise ProblemError(403, str(outside), kind="out-of-scope") from None


@router.post(
    "",
    status_code=202,
    summary="Send a command to devices",
    openapi_extra=openapi_body(CommandBody),
    response_description="The command as stored, all its devices pending",
)
async def create(
    request: Request, engine: StoreEngine, clock: CurrentClock, principal: Sender
) -> Response:
    body = await decode_body(request, CommandBody)
    command = await run_in_threadpool(send_command, engine, principal, clock.now(), body)
    return _json(command.to_json(), 202)


def _visible(command: Command | None, principal: Principal, command_id: str) -> Command:
    if command is None or (
        principal.municipalities is not None
        and not set(command.municipalities) & principal.municipalities
    ):
        raise ProblemError(404, f"no command {command_id}", kind="not-found")
    return command


@router.get("", summary="List commands, newest first")
def list_(
    conn: ReadConnection,
    principal: Reader,
    domain: str | None = None,
    status: Annotated[str | None, Query(description="active, completed or expired")] = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Response:
    before = None
    if cursor is not None:
        at, _, command_id = decode_cursor(cursor).partition("|")
        try:
            before = (datetime.fromisoformat(at), command_id)
        except ValueError:
            raise ProblemError(
                400, "the cursor is not one this API gave out", kind="bad-cursor"
            ) from None
    found = list_commands(
        conn,
        municipalities=principal.visible_municipalities(None),
        domain=domain,
        status=status,
        before=before,
        limit=limit + 1,
    )
    page = found[:limit]
    following = (
        encode_cursor(f"{page[-1].created_at.isoformat()}|{page[-1].id}")
        if len(found) > limit
        else None
    )
    return _json({"items": [c.to_json() for c in page], "next_cursor": following})


@router.get("/{command_id}", summary="One command with its device counts by status")
def show(command_id: str, conn: ReadConnection, principal: Reader) -> Response:
    command = _visible(get_command(conn, command_id), principal, command_id)
    return _json(command.to_json())


@router.get("/{command_id}/devices", summary="Each device's status, by asset id")
def devices(
    command_id: str,
    conn: ReadConnection,
    principal: Reader,
    status: str | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=5_000)] = 1_000,
) -> Response:
    _visible(get_command(conn, command_id), principal, command_id)
    if status is not None and status not in {s.value for s in DeviceStatus}:
        raise ProblemError(
            400,
            f"unknown status {status}; one of {', '.join(s.value for s in DeviceStatus)}",
            kind="bad-filter",
        )
    found = device_states(
        conn,
        command_id,
        status=status,
        municipalities=principal.visible_municipalities(None),
        after=decode_cursor(cursor) if cursor else None,
        limit=limit + 1,
    )
    page = found[:limit]
    following = encode_cursor(page[-1].asset_id) if len(found) > limit else None
    return _json({"items": [d.to_json() for d in page], "next_cursor": following})
