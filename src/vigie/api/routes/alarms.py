"""Alarms: the console's list (filters, cursors, scope), one alarm with its consequences and
comments, and what operators do to them (acknowledge, shelve, comment, close), each audited.
The live stream is in alarm_stream.py, mounted here."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, TypeVar

import msgspec
from fastapi import APIRouter, Depends, Path, Query, Request
from sqlalchemy.engine import Connection
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from vigie.alarms import actions
from vigie.alarms.events import AlarmChanged
from vigie.alarms.model import Alarm, AlarmState, Comment, Severity
from vigie.alarms.queries import AlarmFilter, count_alarms, list_alarms
from vigie.alarms.store import comments_of, get_alarm
from vigie.api.alarm_titles import localized, localized_all, titles_of
from vigie.api.cursor import decode_cursor, encode_cursor
from vigie.api.dependencies import (
    CurrentClock,
    ReadConnection,
    StoreEngine,
    ensure_in_scope,
    require,
)
from vigie.api.json_body import decode_body, openapi_body
from vigie.api.language import Language
from vigie.api.problems import ProblemError
from vigie.api.query_params import split_list
from vigie.api.routes import alarm_stream
from vigie.auth.principal import Principal
from vigie.auth.roles import Permission
from vigie.core.bus import EventBus

router = APIRouter(prefix="/api/v1/alarms", tags=["alarms"])
# Before /{alarm_id}, which would otherwise take "stream" for an id.
router.include_router(alarm_stream.router)

Reader = Annotated[Principal, Depends(require(Permission.ALARMS_READ))]
Actor = Annotated[Principal, Depends(require(Permission.ALARMS_ACT))]
MAX_PAGE = 1_000
MAX_CHILDREN = 1_000
#: Ids are 64-bit in the store: anything larger is simply not an alarm.
AlarmId = Annotated[int, Path(ge=1, le=2**63 - 1)]
T = TypeVar("T")
Act = Callable[[Connection, Alarm], tuple[T, list[AlarmChanged]]]


class ShelveBody(msgspec.Struct, forbid_unknown_fields=True):
    until: datetime


class CommentBody(msgspec.Struct, forbid_unknown_fields=True):
    text: str


def _json(body: Any, status: int = 200) -> Response:
    return Response(msgspec.json.encode(body), status_code=status, media_type="application/json")


def _check_values(values: tuple[str, ...] | None, allowed: list[str], name: str) -> None:
    unknown = sorted(set(values or ()) - set(allowed))
    if unknown:
        raise ProblemError(
            400,
            f"unknown {name}: {', '.join(unknown)}; one of {', '.join(allowed)}",
            kind="bad-filter",
            parameter=name,
        )


@router.get("", summary="List alarms, newest first", response_description="A page of alarms")
def list_(
    request: Request,
    conn: ReadConnection,
    principal: Reader,
    language: Language,
    state: Annotated[list[str] | None, Query(description="raised, acknowledged, …")] = None,
    severity: Annotated[list[str] | None, Query(description="minor, major, critical")] = None,
    municipality: Annotated[list[str] | None, Query(description="INSEE code(s)")] = None,
    asset: Annotated[str | None, Query(description="Asset (or meter) id")] = None,
    rule: Annotated[list[str] | None, Query(description="Rule id(s)")] = None,
    top_level_only: Annotated[bool, Query(description="Hide consequences of roots")] = False,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
) -> Response:
    states = split_list(state)
    _check_values(states, [s.value for s in AlarmState], "state")
    severities = split_list(severity)
    _check_values(severities, [s.value for s in Severity], "severity")
    requested = split_list(municipality)
    for code in requested or ():
        ensure_in_scope(principal, code)
    where = AlarmFilter(
        states=states,
        severities=severities,
        municipality_codes=principal.visible_municipalities(requested),
        asset_id=asset,
        rule_ids=split_list(rule),
        top_level_only=top_level_only,
    )
    before_id = None
    if cursor:
        key = decode_cursor(cursor)
        if not key.isdigit() or len(key) > 18:
            raise ProblemError(400, "the cursor is not one this API gave out", kind="bad-cursor")
        before_id = int(key)
    found = list_alarms(conn, where, before_id=before_id, limit=limit + 1)
    page, more = found[:limit], len(found) > limit
    next_cursor = encode_cursor(str(page[-1].id)) if more else None
    items = localized_all(page, titles_of(request), language)
    return _json({"items": items, "next_cursor": next_cursor})


def _load(conn: Connection, alarm_id: int, principal: Principal, *, lock: bool = False) -> Alarm:
    alarm = get_alarm(conn, alarm_id, lock=lock)
    if alarm is None:
        raise ProblemError(404, f"no alarm {alarm_id}", kind="not-found")
    ensure_in_scope(principal, alarm.municipality_code)
    return alarm


@router.get("/{alarm_id}", summary="One alarm, with its consequences and comments")
def read(
    alarm_id: AlarmId, request: Request, conn: ReadConnection, principal: Reader, language: Language
) -> Response:
    alarm = _load(conn, alarm_id, principal)
    where = AlarmFilter(
        caused_by=alarm.id, municipality_codes=principal.visible_municipalities(None)
    )
    children = list_alarms(conn, where, limit=MAX_CHILDREN)
    titles = titles_of(request)
    body = localized(alarm, titles, language)
    body["children"] = localized_all(children, titles, language)
    body["children_total"] = (
        len(children) if len(children) < MAX_CHILDREN else count_alarms(conn, where)
    )
    body["comments"] = msgspec.to_builtins(comments_of(conn, alarm.id))
    return _json(body)


def _publish(request: Request, changes: list[AlarmChanged]) -> None:
    bus: EventBus = request.app.state.bus
    bus.publish_all(changes)


async def _act(
    request: Request,
    engine: StoreEngine,
    alarm_id: int,
    principal: Principal,
    act: Act[T],
) -> tuple[Alarm, T]:
    """Load (locked), check scope, act, commit; then publish the changes."""

    def write() -> tuple[Alarm, T, list[AlarmChanged]]:
        with engine.begin() as conn:
            alarm = _load(conn, alarm_id, principal, lock=True)
            try:
                extra, changes = act(conn, alarm)
            except actions.ActionRefused as refused:
                raise ProblemError(refused.status, refused.detail, kind=refused.kind) from None
            after = next((c.alarm for c in changes if c.alarm.id == alarm_id), alarm)
            return after, extra, changes

    after, extra, changes = await run_in_threadpool(write)
    _publish(request, changes)
    return after, extra


@router.post("/{alarm_id}/acknowledge", summary="Acknowledge (with its consequences)")
async def acknowledge(
    alarm_id: AlarmId,
    request: Request,
    engine: StoreEngine,
    clock: CurrentClock,
    principal: Actor,
    language: Language,
) -> Response:
    def act(conn: Connection, alarm: Alarm) -> tuple[None, list[AlarmChanged]]:
        return None, actions.acknowledge(conn, alarm, principal.actor, clock.now())

    after, _ = await _act(request, engine, alarm_id, principal, act)
    return _json(localized(after, titles_of(request), language))


@router.post(
    "/{alarm_id}/shelve",
    summary="Shelve until a time: out of the way, not notified, not escalated",
    openapi_extra=openapi_body(ShelveBody),
)
async def shelve(
    alarm_id: AlarmId,
    request: Request,
    engine: StoreEngine,
    clock: CurrentClock,
    principal: Actor,
    language: Language,
) -> Response:
    body = await decode_body(request, ShelveBody)

    def act(conn: Connection, alarm: Alarm) -> tuple[None, list[AlarmChanged]]:
        return None, actions.shelve(conn, alarm, body.until, principal.actor, clock.now())

    after, _ = await _act(request, engine, alarm_id, principal, act)
    return _json(localized(after, titles_of(request), language))


@router.post(
    "/{alarm_id}/comment",
    status_code=201,
    summary="Add a comment",
    openapi_extra=openapi_body(CommentBody),
)
async def comment(
    alarm_id: AlarmId, request: Request, engine: StoreEngine, clock: CurrentClock, principal: Actor
) -> Response:
    body = await decode_body(request, CommentBody)

    def act(conn: Connection, alarm: Alarm) -> tuple[Comment, list[AlarmChanged]]:
        return actions.comment(conn, alarm, body.text, principal.actor, clock.now())

    _, added = await _act(request, engine, alarm_id, principal, act)
    return _json(added, 201)


@router.post("/{alarm_id}/close", summary="Close: off the console for good")
async def close(
    alarm_id: AlarmId,
    request: Request,
    engine: StoreEngine,
    clock: CurrentClock,
    principal: Actor,
    language: Language,
) -> Response:
    def act(conn: Connection, alarm: Alarm) -> tuple[None, list[AlarmChanged]]:
        return None, actions.close(conn, alarm, principal.actor, clock.now())

    after, _ = await _act(request, engine, alarm_id, principal, act)
    return _json(localized(after, titles_of(request), language))
