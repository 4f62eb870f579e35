"""The API client with users of every role (from tests/api) for the command tests."""

from tests.api.conftest import client, clock

__all__ = ["client", "clock"]
