"""Query parameters of the telemetry reading endpoints: instants, time ranges, cursors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from vigie.api.cursor import decode_cursor, encode_cursor
from vigie.api.problems import ProblemError

#: Longest range one request may ask for, per resolution: raw pages walk the readings
#: themselves, rollups are 24 (hour) or 1 (day) rows per series and day.
MAX_RANGE: dict[str, timedelta] = {
    "raw": timedelta(days=31),
    "hour": timedelta(days=366),
    "day": timedelta(days=3_660),
    "local_day": timedelta(days=366),
}
DEFAULT_RANGE = timedelta(hours=24)


def parse_instant(text: str | None, name: str) -> datetime | None:
    """An RFC 3339 instant with its UTC offset (`Z` or `+01:00`), in UTC; None when absent."""
    if text is None:
        return None
    try:
        parsed = datetime.fromisoformat(text.strip().replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise ProblemError(
            400,
            f"{name} must be an RFC 3339 time with its UTC offset, e.g. 2026-03-02T08:00:00Z",
            kind="bad-time",
            parameter=name,
        )
    return parsed.astimezone(UTC)


def time_range(
    from_text: str | None, to_text: str | None, now: datetime, resolution: str
) -> tuple[datetime, datetime]:
    """[from, to) from the query, by default the last 24 hours up to now."""
    to_ts = parse_instant(to_text, "to") or now
    from_ts = parse_instant(from_text, "from") or to_ts - DEFAULT_RANGE
    if from_ts > to_ts:
        raise ProblemError(400, "from is after to", kind="bad-range", parameter="from")
    longest = MAX_RANGE[resolution]
    if to_ts - from_ts > longest:
        raise ProblemError(
            400,
            f"at most {longest.days} days at resolution {resolution.replace('_', ' ')}; "
            "ask for a coarser resolution or page through shorter ranges",
            kind="range-too-long",
            parameter="from",
        )
    return from_ts, to_ts


def series_cursor(metric: str, ts: datetime) -> str:
    """Where a page over several series stopped: the last item's metric and time."""
    return encode_cursor(f"{metric}|{ts.isoformat()}")


def read_series_cursor(cursor: str, metrics: list[str]) -> tuple[int, datetime]:
    """The index in `metrics` and the time a series cursor points after."""
    metric, _, stamp = decode_cursor(cursor).rpartition("|")
    try:
        ts = datetime.fromisoformat(stamp)
    except ValueError:
        ts = None
    if metric not in metrics or ts is None or ts.tzinfo is None:
        raise ProblemError(400, "the cursor is not one this API gave out", kind="bad-cursor")
    return metrics.index(metric), ts
