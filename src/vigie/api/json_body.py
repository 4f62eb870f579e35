"""Request bodies decoded and checked by msgspec, refused as problem+json when malformed."""

from __future__ import annotations

import asyncio
from typing import Any, TypeVar

import msgspec
from fastapi import Request

from vigie.api.problems import ProblemError

T = TypeVar("T")

MAX_BODY_BYTES = 1_000_000
#: What an oversized body keeps of its beginning, for its dead letter.
HEAD_BYTES = 65_536


class BodyTooLarge(Exception):
    """A body past the limit: refused before more of it was read (`head`: its beginning)."""

    def __init__(self, limit: int, seen: int, head: bytes) -> None:
        super().__init__(f"bodies are limited to {limit} bytes")
        self.limit = limit
        self.seen = seen
        self.head = head


async def read_body(request: Request, limit: int) -> bytes:
    """The request's body, read only while it stays within `limit` bytes: a declared
    Content-Length past it is refused before anything is read, a body that streams past it is
    refused at the first chunk over (a client cannot make the server hold more), and a body
    whose next part does not come within the settings' `http_body_timeout_s` is a 408."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(limit, int(declared), b"")
    settings = getattr(request.app.state, "settings", None)
    timeout_s = settings.http_body_timeout_s if settings is not None else 30.0
    chunks: list[bytes] = []
    size = 0
    stream = request.stream().__aiter__()
    while True:
        try:
            chunk = await asyncio.wait_for(stream.__anext__(), timeout_s)
        except StopAsyncIteration:
            break
        except TimeoutError:
            raise ProblemError(
                408, f"the body stalled: nothing came for {timeout_s:g} s", kind="body-timeout"
            ) from None
        size += len(chunk)
        if size > limit:
            head = b"".join(chunks)[:HEAD_BYTES]
            raise BodyTooLarge(limit, size, head)
        chunks.append(chunk)
    return b"".join(chunks)


async def decode_body(request: Request, shape: type[T]) -> T:
    content_type = request.headers.get("content-type", "application/json").split(";")[0].strip()
    if content_type not in ("application/json", "application/merge-patch+json"):
        raise ProblemError(415, f"send JSON, not {content_type}", kind="unsupported-media-type")
    try:
        raw = await read_body(request, MAX_BODY_BYTES)
    except BodyTooLarge as error:
        raise ProblemError(413, str(error), kind="too-large") from None
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
    except UnicodeError:
        raise ProblemError(400, "the body is not UTF-8", kind="malformed-json") from None
    except RecursionError:
        raise ProblemError(
            400, "the body's JSON is nested too deep", kind="malformed-json"
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
