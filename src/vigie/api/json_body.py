"""Request bodies decoded and checked by msgspec, refused as problem+json when malformed."""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec
from fastapi import Request

from vigie.api.problems import ProblemError

T = TypeVar("T")

MAX_BODY_BYTES = 1_000_000


async def decode_body(request: Request, shape: type[T]) -> T:
    content_type = request.headers.get("content-type", "application/json").split(";")[0].strip()
    if content_type not in ("application/json", "application/merge-patch+json"):
        raise ProblemError(415, f"send JSON, not {content_type}", kind="unsupported-media-type")
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise ProblemError(413, f"bodies are limited to {MAX_BODY_BYTES} bytes", kind="too-large")
    if b"\\u0000" in raw:
        # PostgreSQL cannot store NUL in text; refuse it up front on every store alike.
        raise ProblemError(400, "NUL characters (\\u0000) are not accepted", kind="nul-character")
    try:
        return msgspec.json.decode(raw, type=shape)
    except msgspec.ValidationError as error:
        text = str(error)
        field = text.rpartition(" - at `$")[2].rstrip("`").lstrip(".") if " - at `$" in text else ""
        reason = text.rpartition(" - at `$")[0] if field else text
        raise ProblemError(
            422, text, kind="invalid-input", errors=[{"field": field, "reason": reason}]
        ) from None
    except msgspec.DecodeError as error:
        raise ProblemError(
            400, f"the body is not valid JSON: {error}", kind="malformed-json"
        ) from None


def openapi_body(shape: type[Any]) -> dict[str, Any]:
    """`openapi_extra` documenting a msgspec-decoded JSON body."""
    (schema,), components = msgspec.json.schema_components(
        [shape], ref_template="#/components/schemas/{name}"
    )
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": schema}},
        },
        "x-components": components,
    }
