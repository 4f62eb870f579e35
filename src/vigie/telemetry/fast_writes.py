"""The two hot writes of the ingest, sent as plain driver SQL.

SQLAlchemy Core spends more time preparing each row's parameters than SQLite spends storing
it; readings and twin rows are simple enough to bind directly (timestamps converted the way
`vigie.store.types.UtcDateTime` stores them), which roughly doubles the ingest rate.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.engine import Connection

from vigie.store.types import HOUR_US

#: (asset, metric, ts, ts in µs since the epoch, value, text): the µs are computed once per
#: reading by the pipeline, the form SQLite keeps (see `vigie.store.types.UtcDateTime`).
ReadingRow = tuple[str, str, datetime, int, float | None, str | None]
#: (asset, metric, value, text, ts, ts in µs, changed_at, changed_at in µs).
TwinRow = tuple[str, str, float | None, str | None, datetime, int, datetime, int]

_CHUNK = 5_000

_READINGS_SQLITE = (
    "INSERT INTO readings (ts_hour, asset_id, metric, ts, value, value_text) "
    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (ts_hour, asset_id, metric, ts) DO NOTHING"
)
_TWIN_SQLITE = (
    "INSERT INTO twin_state (asset_id, metric, value, value_text, ts, changed_at) "
    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (asset_id, metric) DO UPDATE SET "
    "value = excluded.value, value_text = excluded.value_text, ts = excluded.ts, "
    "changed_at = excluded.changed_at WHERE excluded.ts >= twin_state.ts"
)
_TWIN_POSTGRES = _TWIN_SQLITE.replace("?", "%s")


def append_readings(conn: Connection, rows: Sequence[ReadingRow]) -> int:
    """Insert readings not already stored; how many were new."""
    if not rows:
        return 0
    stored = 0
    if conn.dialect.name == "sqlite":
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        for start in range(0, len(rows), _CHUNK):
            cursor.executemany(
                _READINGS_SQLITE,
                [
                    (us // HOUR_US, a, m, us, v, t)
                    for a, m, _, us, v, t in rows[start : start + _CHUNK]
                ],
            )
            stored += max(cursor.rowcount, 0)
        return stored
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start : start + _CHUNK]
        # One multi-row statement per chunk, with RETURNING to count what was new (psycopg's
        # executemany gives no row count).
        values = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(chunk))
        cursor.execute(
            "INSERT INTO readings (ts_hour, asset_id, metric, ts, value, value_text) "
            f"VALUES {values} ON CONFLICT (ts_hour, asset_id, metric, ts) DO NOTHING "
            "RETURNING 1",
            [field for a, m, ts, us, v, t in chunk for field in (us // HOUR_US, a, m, ts, v, t)],
        )
        stored += len(cursor.fetchall())
    return stored


def upsert_twin(conn: Connection, rows: Sequence[TwinRow]) -> None:
    """Move each (asset, metric) forward to the given value, never back in time."""
    if not rows:
        return
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    if conn.dialect.name == "sqlite":
        cursor.executemany(
            _TWIN_SQLITE, [(a, m, v, t, us, ch_us) for a, m, v, t, _, us, _, ch_us in rows]
        )
    else:
        cursor.executemany(
            _TWIN_POSTGRES, [(a, m, v, t, ts, ch) for a, m, v, t, ts, _, ch, _ in rows]
        )
