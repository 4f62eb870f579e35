"""RFC 9457 problem details for every error the API returns; nothing escapes as a bare 500."""

from __future__ import annotations

import logging
from typing import Any

import msgspec
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from vigie.core.text import in_language

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://vigie.example/problems/"

log = logging.getLogger(__name__)

_TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Invalid input",
    500: "Internal error",
}


class ProblemError(Exception):
    """Raise to answer with a problem+json document. `detail` (and any string of the
    extensions) may be a `Text`: it is written in the language the request asks for."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        kind: str | None = None,
        title: str | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.kind = kind or _TITLES.get(status, "error").lower().replace(" ", "-")
        self.title = title or _TITLES.get(status, "Error")
        self.extensions = extensions


def problem_response(
    status: int,
    detail: str,
    *,
    kind: str,
    title: str,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> Response:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + kind,
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body.update(extensions)
    return Response(
        msgspec.json.encode(body),
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def _worded(value: Any, language: str) -> Any:
    """An extension's value with every Text in it written in `language`."""
    if isinstance(value, str):
        return in_language(value, language)
    if isinstance(value, list | tuple):
        return [_worded(v, language) for v in value]
    if isinstance(value, dict):
        return {k: _worded(v, language) for k, v in value.items()}
    return value


def install_problem_handlers(app: FastAPI) -> None:
    async def on_problem(request: Request, error: Exception) -> Response:
        assert isinstance(error, ProblemError)
        from vigie.api.language import asked_language  # it raises ProblemError itself

        # What was worded for people (a Text) in the language asked for; English otherwise.
        language = asked_language(request) or "en"
        headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else None
        if error.status == 503:
            headers = {"Retry-After": "1"}
        return problem_response(
            error.status,
            in_language(error.detail, language),
            kind=error.kind,
            title=error.title,
            instance=request.url.path,
            headers=headers,
            **{k: _worded(v, language) for k, v in error.extensions.items()},
        )

    async def on_http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, StarletteHTTPException)
        title = _TITLES.get(error.status_code, "Error")
        return problem_response(
            error.status_code,
            str(error.detail),
            kind=title.lower().replace(" ", "-"),
            title=title,
            instance=request.url.path,
            headers=getattr(error, "headers", None),
        )

    async def on_validation_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, RequestValidationError)
        problems = [
            {
                "field": ".".join(str(part) for part in e.get("loc", ()) if part != "body"),
                "reason": str(e.get("msg", "invalid")),
            }
            for e in error.errors()
        ]
        return problem_response(
            422,
            "; ".join(f"{p['field']}: {p['reason']}" for p in problems),
            kind="invalid-input",
            title="Invalid input",
            instance=request.url.path,
            errors=problems,
        )

    async def on_unexpected(request: Request, error: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return problem_response(
            500,
            "The server failed to handle this request; it has been logged.",
            kind="internal-error",
            title="Internal error",
            instance=request.url.path,
        )

    app.add_exception_handler(ProblemError, on_problem)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(Exception, on_unexpected)


class RefuseNulInUrl:
    """Answer 400 to any URL carrying a NUL character, which no store can hold as text."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (
            "\x00" in scope.get("path", "") or b"%00" in scope.get("query_string", b"")
        ):
            response = problem_response(
                400,
                "NUL characters are not accepted in URLs",
                kind="nul-character",
                title="Bad request",
                instance=scope.get("path", "").replace("\x00", ""),
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
