"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Integer
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

#: JSON on SQLite, JSONB on PostgreSQL; Python None is SQL NULL (no JSON "null" to decode).
JsonDocument = JSON(none_as_null=True).with_variant(
    postgresql.JSONB(none_as_null=True), "postgresql"
)

#: 64-bit autoincrementing key; SQLite only autoincrements INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
#: An hour in microseconds: `readings.ts_hour` is a reading's time in µs divided by it.
HOUR_US = 3_600_000_000


def micros(ts: datetime) -> int:
    """A timestamp as SQLite keeps it: integer microseconds since the Unix epoch."""
    return (ts - EPOCH) // MICROSECOND


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes in, timezone-aware UTC datetimes out, on every dialect.

    PostgreSQL keeps them as `timestamptz`. SQLite has no date type: they are kept there as
    integer microseconds since the Unix epoch, which sort and compare as numbers and read back
    an order of magnitude faster than parsed ISO strings (a map page holds 34,000 assets).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; timestamps are UTC-aware")
        if dialect.name == "sqlite":
            return micros(value)
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, int):
            return EPOCH + timedelta(microseconds=value)
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
