"""SQLite's write-ahead-log checkpoints, moved off the ingest's commits.

In WAL mode SQLite copies the log back into the database ("checkpoints") from inside the commit
that made the log pass 1,000 pages, and syncs the file to disk there. Under a steady stream of
ingest batches that is nearly every commit: measured on the simulator's stream, the commits took
81 ms each, 3 ms once the checkpoints were taken away. A checkpoint does not need the write lock,
so here a thread of its own runs it (PASSIVE: it never waits for readers nor writers) about once
a second, while every connection of the store has automatic checkpoints off for as long as the
thread runs: the ingest's commits, and the alarm engine's, rollups' and commands' too (each of
those used to copy the whole log back inline, holding up the ingest behind it).
Durability is unchanged: a commit is as durable in the log as in the database file.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from vigie.core.service import Health

log = logging.getLogger(__name__)

#: How often the checkpoint thread looks for new commits to copy back.
CHECKPOINT_EVERY_S = 1.0
#: A log this long (pages), once all copied back, is truncated (64 MiB).
TRUNCATE_FRAMES = 16_384
#: How long truncating may hold writers back.
TRUNCATE_WAIT_MS = 50
#: SQLite's own automatic checkpoint threshold (pages), given back when the thread stops.
SQLITE_AUTOCHECKPOINT_PAGES = 1_000


class WalCheckpointer:
    """Runs the checkpoints of an SQLite store in a daemon thread (`start`, `stop`); on any
    other store it does nothing. A `Service`."""

    name = "wal-checkpointer"

    def __init__(self, engine: Engine, every_s: float = CHECKPOINT_EVERY_S) -> None:
        self.engine = engine
        self.every_s = every_s
        self.enabled = engine.dialect.name == "sqlite" and engine.url.database not in (
            None,
            "",
            ":memory:",
        )
        self.checkpoints = 0
        self.failures = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if not self.enabled or self._thread is not None:
            return
        self._stop.clear()
        event.listen(self.engine, "checkout", self._on_checkout)
        event.listen(self.engine, "checkin", self._on_checkin)
        self._thread = threading.Thread(
            target=self._loop, name="vigie-wal-checkpoints", daemon=True
        )
        self._thread.start()

    def stop(self, timeout_s: float = 30.0) -> None:
        """Stop the thread after a last checkpoint."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        event.remove(self.engine, "checkout", self._on_checkout)
        event.remove(self.engine, "checkin", self._on_checkin)
        self._stop.set()
        thread.join(timeout_s)

    def health(self) -> Health:
        running = self._thread is not None and self._thread.is_alive()
        if not self.enabled:
            return Health(self.name, True, "not an SQLite file: nothing to do")
        return Health(
            self.name,
            running,
            "" if running else "not running",
            {"checkpoints": self.checkpoints, "failures": self.failures},
        )

    def _on_checkout(self, dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        """A connection taken from the pool while the thread runs: its commits only append."""
        dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")

    def _on_checkin(self, dbapi_connection: Any, _record: Any) -> None:
        """A connection back in the pool is as SQLite makes it, for whoever uses it next."""
        with contextlib.suppress(sqlite3.Error):  # a broken connection: the pool discards it
            dbapi_connection.execute(f"PRAGMA wal_autocheckpoint={SQLITE_AUTOCHECKPOINT_PAGES}")

    def _loop(self) -> None:
        while not self._stop.wait(self.every_s):
            self._checkpoint()
        self._checkpoint()

    def _checkpoint(self) -> None:
        try:
            with self.engine.connect() as conn:
                cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
                busy, log_frames, copied = cursor.execute(
                    "PRAGMA wal_checkpoint(PASSIVE)"
                ).fetchone()
                if not busy and log_frames >= TRUNCATE_FRAMES and copied == log_frames:
                    _truncate(cursor)
                cursor.close()
            self.checkpoints += 1
        except Exception:
            # The next round tries again; meanwhile the log only grows.
            self.failures += 1
            log.exception("WAL checkpoint failed")


def _truncate(cursor: Any, wait_ms: int = TRUNCATE_WAIT_MS) -> None:
    """Empty a log that is all copied back. SQLite rewinds the log only when a commit finds
    it entirely copied and unread, which a steady stream of commits rarely lets happen: it
    grew past 700 MB under the simulator. Truncating stops writers while it runs, so it waits
    for them (and for readers of the log) only `wait_ms`, and otherwise tries next time."""
    waited_ms = cursor.execute("PRAGMA busy_timeout").fetchone()[0]
    cursor.execute(f"PRAGMA busy_timeout={wait_ms}")
    try:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        cursor.execute(f"PRAGMA busy_timeout={int(waited_ms)}")


#: How long `rewind_log` may hold writers back while it copies the rest of the log.
REWIND_WAIT_MS = 2_000


def rewind_log(engine: Engine) -> None:
    """Copy the whole log back and empty it now, waiting up to `REWIND_WAIT_MS` for readers
    and writers. For a process whose own readers are never all idle when the checkpoint
    thread looks (the lighting proof's back-to-back rollups): its log otherwise only grew
    (3 GB in two simulated months), and every page read searched the log's index first."""
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as conn:
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            _truncate(cursor, REWIND_WAIT_MS)
        finally:
            cursor.close()
