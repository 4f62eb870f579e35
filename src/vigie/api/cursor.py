"""Opaque pagination cursors: the key of the last item of a page, base64url-encoded."""

from __future__ import annotations

import base64
import binascii

from vigie.api.problems import ProblemError


def encode_cursor(last_key: str) -> str:
    return base64.urlsafe_b64encode(last_key.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = base64.b64decode(padded.encode("ascii"), altchars=b"-_", validate=True).decode()
        if not key:
            raise ValueError("empty cursor")
        return key
    except (binascii.Error, UnicodeError, ValueError):
        raise ProblemError(
            400, "the cursor is not one this API gave out", kind="bad-cursor"
        ) from None
