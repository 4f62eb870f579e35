"""A minimal Server-Sent Events reader over urllib, with a deadline on every read."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.client import HTTPResponse
from typing import Any


class EventReader:
    def __init__(self, response: HTTPResponse) -> None:
        self.response = response

    def next_event(self, timeout_s: float = 5.0) -> tuple[str, Any]:
        """The next named event (comments and retry lines skipped)."""
        deadline = time.monotonic() + timeout_s
        name, data = "message", ""
        while time.monotonic() < deadline:
            line = self.response.readline().decode()
            if line == "":
                raise EOFError("the stream ended")
            line = line.rstrip("\n")
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                data += line[6:]
            elif line == "" and data:
                return name, json.loads(data)
        raise TimeoutError(f"no event within {timeout_s} s")

    def next_named(self, wanted: str, timeout_s: float = 5.0) -> Any:
        deadline = time.monotonic() + timeout_s
        while True:
            name, body = self.next_event(max(0.05, deadline - time.monotonic()))
            if name == wanted:
                return body


@contextmanager
def open_stream(url: str, timeout_s: float = 10.0) -> Iterator[EventReader]:
    with urllib.request.urlopen(url, timeout=timeout_s) as response:
        yield EventReader(response)
