"""FastAPI dependencies: the store, the clock and the authenticated caller."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.engine import Connection, Engine

from vigie.api.problems import ProblemError
from vigie.auth.principal import Principal
from vigie.auth.roles import Permission
from vigie.auth.tokens import principal_for_token
from vigie.core.clock import Clock

_bearer = HTTPBearer(auto_error=False, description="A token from POST /api/v1/auth/token")


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def get_clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


def read_connection(engine: Annotated[Engine, Depends(get_engine)]) -> Iterator[Connection]:
    with engine.connect() as conn:
        yield conn


def current_principal(
    engine: Annotated[Engine, Depends(get_engine)],
    clock: Annotated[Clock, Depends(get_clock)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise ProblemError(401, "a bearer token is required", kind="not-authenticated")
    return _principal_of(engine, clock, credentials.credentials)


def require(permission: Permission) -> Callable[[Principal], Principal]:
    """A dependency that lets through only callers whose role grants `permission`."""

    def check(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        _ensure_permitted(principal, permission)
        return principal

    return check


def stream_principal(
    engine: Engine,
    clock: Clock,
    header_token: str | None,
    query_token: str | None,
    permission: Permission,
) -> Principal:
    """The caller of an event stream, whose role must grant `permission`. The token may come
    as `?token=`, since a browser's EventSource cannot send an Authorization header."""
    token = header_token or query_token
    if not token:
        raise ProblemError(
            401, "a bearer token is required (header or ?token=)", kind="not-authenticated"
        )
    principal = _principal_of(engine, clock, token)
    _ensure_permitted(principal, permission)
    return principal


def _principal_of(engine: Engine, clock: Clock, token: str) -> Principal:
    with engine.connect() as conn:
        principal = principal_for_token(conn, token, clock.now())
    if principal is None:
        raise ProblemError(
            401, "the token is unknown, expired or revoked", kind="not-authenticated"
        )
    return principal


def _ensure_permitted(principal: Principal, permission: Permission) -> None:
    if not principal.can(permission):
        raise ProblemError(
            403,
            f"role {principal.role.value} may not {permission.value}",
            kind="forbidden",
        )


def ensure_in_scope(principal: Principal, municipality_code: str) -> None:
    if not principal.may_touch(municipality_code):
        raise ProblemError(
            403,
            f"municipality {municipality_code} is outside your scope",
            kind="out-of-scope",
        )


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
ReadConnection = Annotated[Connection, Depends(read_connection)]
StoreEngine = Annotated[Engine, Depends(get_engine)]
CurrentClock = Annotated[Clock, Depends(get_clock)]
