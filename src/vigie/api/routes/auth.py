"""Logging in and out, and who am I."""

from __future__ import annotations

from datetime import timedelta

import msgspec
from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from vigie.api.dependencies import CurrentClock, CurrentPrincipal, StoreEngine
from vigie.api.json_body import decode_body, openapi_body
from vigie.api.problems import ProblemError
from vigie.audit.log import AuditEntry, record
from vigie.auth.tokens import issue_token, revoke_token
from vigie.auth.users import authenticate

router = APIRouter(prefix="/api/v1", tags=["auth"])


class Credentials(msgspec.Struct, forbid_unknown_fields=True):
    username: str
    password: str


@router.post(
    "/auth/token",
    summary="Exchange a username and password for a bearer token",
    openapi_extra=openapi_body(Credentials),
)
async def login(request: Request, engine: StoreEngine, clock: CurrentClock) -> Response:
    credentials = await decode_body(request, Credentials)
    lifetime = timedelta(seconds=request.app.state.settings.token_lifetime_s)

    def check() -> dict[str, object]:
        now = clock.now()
        with engine.begin() as conn:
            principal = authenticate(conn, credentials.username, credentials.password)
            record(
                conn,
                [
                    AuditEntry(
                        at=now,
                        actor=credentials.username[:120],
                        action="auth.login" if principal else "auth.login_failed",
                        entity_type="User",
                        entity_id=credentials.username[:200],
                    )
                ],
            )
            if principal is None:
                return {}
            token, expires_at = issue_token(
                conn,
                user_id=principal.user_id,
                kind="session",
                name="login",
                now=now,
                lifetime=lifetime,
            )
        assert expires_at is not None
        return {
            "access_token": token,
            "token_type": "bearer",
            "expires_at": expires_at.isoformat(),
            "role": principal.role.value,
            "municipalities": sorted(principal.municipalities)
            if principal.municipalities
            else None,
        }

    body = await run_in_threadpool(check)
    if not body:
        raise ProblemError(401, "wrong username or password", kind="bad-credentials")
    return Response(msgspec.json.encode(body), media_type="application/json")


@router.post("/auth/logout", status_code=204, summary="Revoke the token used for this request")
def logout(
    request: Request, principal: CurrentPrincipal, engine: StoreEngine, clock: CurrentClock
) -> Response:
    token = request.headers["authorization"].split(" ", 1)[1].strip()
    with engine.begin() as conn:
        revoke_token(conn, token, clock.now())
    return Response(status_code=204)


@router.get("/me", summary="The authenticated caller, its role and scope")
def me(principal: CurrentPrincipal) -> dict[str, object]:
    return {
        "username": principal.username,
        "role": principal.role.value,
        "municipalities": sorted(principal.municipalities) if principal.municipalities else None,
        "token_kind": principal.token_kind,
    }
