"""The API client of tests/api (real store on SQLite and PostgreSQL, users of every role)."""

from tests.api.conftest import client, clock

__all__ = ["client", "clock"]
