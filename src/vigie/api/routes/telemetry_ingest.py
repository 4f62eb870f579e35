"""`POST /api/v1/telemetry`: readings from gateways and devices over HTTP, with a machine token."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import msgspec
from fastapi import APIRouter, Depends, Request
from sqlalchemy.exc import OperationalError
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from vigie.api.dependencies import require
from vigie.api.json_body import BodyTooLarge, read_body
from vigie.api.problems import ProblemError
from vigie.auth.principal import Principal
from vigie.auth.roles import Permission
from vigie.telemetry.pipeline import Pipeline, RawMessage

router = APIRouter(prefix="/api/v1", tags=["telemetry"])

#: A batch of a few thousand readings is ~1 MB; more than this is refused (and dead-lettered).
MAX_HTTP_BODY_BYTES = 16 * 1_048_576
_FORMATS = {"application/json": "json", "application/x-ndjson": "ndjson"}

Reporter = Annotated[Principal, Depends(require(Permission.TELEMETRY_WRITE))]

_BODY_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["asset", "ts", "metrics"],
                        "properties": {
                            "asset": {
                                "type": "string",
                                "example": "urn:ngsi-ld:Streetlight:21231:17",
                            },
                            "ts": {"type": "string", "format": "date-time"},
                            "metrics": {"type": "object", "example": {"on": True, "dim_pct": 70}},
                        },
                    },
                }
            },
            "application/x-ndjson": {
                "schema": {"type": "string", "description": "one reading per line"}
            },
        },
    }
}


@router.post(
    "/telemetry",
    status_code=202,
    summary="Report readings (JSON array or NDJSON); needs a machine token",
    openapi_extra=_BODY_DOC,
)
async def post_telemetry(request: Request, principal: Reporter) -> Response:
    if principal.token_kind != "machine":
        raise ProblemError(
            403, "telemetry is reported with a machine token (vigie users token)", kind="forbidden"
        )
    content_type = request.headers.get("content-type", "application/json").split(";")[0].strip()
    body_format = _FORMATS.get(content_type)
    if body_format is None:
        raise ProblemError(
            415, "send application/json or application/x-ndjson", kind="unsupported-media-type"
        )
    pipeline: Pipeline = request.app.state.pipeline
    try:
        body = await read_body(request, MAX_HTTP_BODY_BYTES)
    except BodyTooLarge as too_large:
        oversized = RawMessage("http", too_large.head, pipeline.clock.now(), body_format="ndjson")
        await run_in_threadpool(
            pipeline.dead_letter,
            oversized,
            f"oversized: {too_large.seen}+ bytes > {MAX_HTTP_BODY_BYTES} (refused while read)",
        )
        raise ProblemError(413, str(too_large), kind="too-large") from None
    received_at = pipeline.clock.now()
    message = RawMessage(
        "http",
        body,
        received_at,
        body_format=body_format,  # type: ignore[arg-type]
        scope=principal.municipalities,  # a device token reports for its municipalities only
    )
    try:
        # The pipeline's writer thread ingests it with the other requests waiting, in one
        # transaction; the answer comes after that commit.
        result = await asyncio.wrap_future(pipeline.submit([message]))
    except OperationalError as error:
        # The store is busy (SQLite's single writer held too long) or unreachable: nothing of
        # the batch was kept, so the client must send it again.
        raise ProblemError(
            503,
            f"the store cannot take the batch now, send it again: {error.orig}",
            kind="store-busy",
        ) from None
    counts: dict[str, Any] = {
        "stored": result.stored,
        "duplicates": result.duplicates,
        "rejected": result.rejected,
        "reasons": result.reasons,
    }
    if result.rejected and not (result.stored or result.duplicates) and result.unreadable:
        raise ProblemError(
            400,
            "; ".join(result.reasons) or "unreadable body",
            kind="unreadable-telemetry",
            **counts,
        )
    return Response(msgspec.json.encode(counts), status_code=202, media_type="application/json")
