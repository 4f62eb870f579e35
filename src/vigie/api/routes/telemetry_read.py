"""Reading telemetry: an asset's live state (the twin), its time series (raw readings or
hourly / daily rollups) and the readings the ingest refused (dead letters).

    GET /api/v1/assets/{id}/state
    GET /api/v1/assets/{id}/readings?metric=&from=&to=&resolution=raw|hour|day&tz=&limit=&cursor=
    GET /api/v1/telemetry/rejected?since=&asset=&limit=&cursor=

`{id}` is an asset, or a meter (a part of a building, which gives it its municipality).
Everything is read from the store, so any API process answers the same.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

import msgspec
from fastapi import APIRouter, Depends, Query
from sqlalchemy import and_, func, literal, or_, select, tuple_
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement
from starlette.responses import Response

from vigie.api.cursor import decode_cursor, encode_cursor
from vigie.api.dependencies import CurrentClock, ReadConnection, require
from vigie.api.problems import ProblemError
from vigie.api.query_params import split_list
from vigie.api.telemetry_params import (
    parse_instant,
    read_series_cursor,
    series_cursor,
    time_range,
)
from vigie.api.telemetry_views import (
    AssetState,
    BucketItem,
    MetricState,
    RawItem,
    ReadingsPage,
    RejectedItem,
    subject_of,
    wire_value,
)
from vigie.auth.principal import Principal
from vigie.auth.roles import Permission
from vigie.store.schema import asset_parts, assets, dead_letters, twin_state
from vigie.telemetry.catalogue import METRICS
from vigie.telemetry.metrics import MetricDescription
from vigie.timeseries.local_days import PARIS, local_days
from vigie.timeseries.series import Bucket, buckets, raw_points

router = APIRouter(tags=["telemetry"])

Reader = Annotated[Principal, Depends(require(Permission.ASSETS_READ))]
RejectedReader = Annotated[Principal, Depends(require(Permission.TELEMETRY_READ_REJECTED))]
MAX_PAGE = 10_000
#: How much of a refused payload a list shows; the store keeps up to 64 KiB of it.
PAYLOAD_PREVIEW_CHARS = 2_000


def _json(body: object) -> Response:
    return Response(msgspec.json.encode(body), media_type="application/json")


@router.get("/api/v1/assets/{asset_id}/state", summary="The live state of an asset or meter")
def read_state(asset_id: str, conn: ReadConnection, principal: Reader) -> Response:
    subject = subject_of(conn, asset_id, principal)
    descriptions = METRICS.get(subject.type, {})
    rows = conn.execute(
        select(twin_state).where(twin_state.c.asset_id == asset_id).order_by(twin_state.c.metric)
    ).all()
    metrics = {}
    for row in rows:
        description = descriptions.get(row.metric)
        metrics[row.metric] = MetricState(
            wire_value(description, row.value, row.value_text),
            description.unit if description else None,
            row.ts,
            row.changed_at,
        )
    last_seen = max((row.ts for row in rows), default=None)
    return _json(
        AssetState(subject.id, subject.type, subject.municipality_code, last_seen, metrics)
    )


@router.get(
    "/api/v1/assets/{asset_id}/readings",
    summary="The time series of an asset or meter: raw readings or hourly / daily rollups",
)
def read_readings(
    asset_id: str,
    conn: ReadConnection,
    principal: Reader,
    clock: CurrentClock,
    metric: Annotated[
        list[str] | None, Query(description="Metric(s), comma-separated or repeated; required")
    ] = None,
    from_: Annotated[
        str | None, Query(alias="from", description="RFC 3339 with offset; default to - 24 h")
    ] = None,
    to: Annotated[str | None, Query(description="RFC 3339 with offset; default now")] = None,
    resolution: Annotated[Literal["raw", "hour", "day"], Query()] = "raw",
    tz: Annotated[
        str,
        Query(
            description="Days of this zone (resolution=day): UTC, or the territory's zone "
            "(VIGIE_TIMEZONE) for local days in reports"
        ),
    ] = "UTC",
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1_000,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
) -> Response:
    subject = subject_of(conn, asset_id, principal)
    descriptions = METRICS.get(subject.type, {})
    metrics = list(dict.fromkeys(split_list(metric) or ()))
    if not metrics:
        raise ProblemError(400, "name at least one metric", kind="bad-filter", parameter="metric")
    unknown = [m for m in metrics if m not in descriptions]
    if unknown:
        raise ProblemError(
            400,
            f"unknown metric for {subject.type}: {', '.join(unknown)}; "
            f"one of {', '.join(sorted(descriptions))}",
            kind="unknown-metric",
            parameter="metric",
        )
    if tz not in ("UTC", PARIS.key):
        raise ProblemError(400, f"tz is UTC or {PARIS.key}", kind="bad-filter", parameter="tz")
    local = tz != "UTC"
    if local and resolution != "day":
        raise ProblemError(400, "tz applies to resolution=day", kind="bad-filter", parameter="tz")
    if resolution != "raw":
        text_metrics = [m for m in metrics if not descriptions[m].is_numeric]
        if text_metrics:
            raise ProblemError(
                400,
                f"{', '.join(text_metrics)} are text: only raw readings exist",
                kind="not-rolled-up",
                parameter="resolution",
            )
    from_ts, to_ts = time_range(from_, to, clock.now(), "local_day" if local else resolution)
    start_index, after = read_series_cursor(cursor, metrics) if cursor else (0, None)

    items: list[RawItem] | list[BucketItem]
    if resolution == "raw":
        items, more = _raw_page(
            conn, subject.id, metrics, descriptions, from_ts, to_ts, start_index, after, limit
        )
        last_key = (items[-1].metric, items[-1].ts) if items else None
    else:
        items, more = _bucket_page(
            conn, subject.id, metrics, resolution, local, from_ts, to_ts, start_index, after, limit
        )
        last_key = (items[-1].metric, items[-1].start) if items else None
    page = ReadingsPage(
        subject.id,
        subject.type,
        resolution,
        tz,
        from_ts,
        to_ts,
        {m: descriptions[m].unit for m in metrics},
        items,
        series_cursor(*last_key) if more and last_key else None,
    )
    return _json(page)


def _raw_page(
    conn: Connection,
    asset_id: str,
    metrics: list[str],
    descriptions: dict[str, MetricDescription],
    from_ts: datetime,
    to_ts: datetime,
    start_index: int,
    after: datetime | None,
    limit: int,
) -> tuple[list[RawItem], bool]:
    items: list[RawItem] = []
    for index in range(start_index, len(metrics)):
        points = raw_points(
            conn,
            asset_id,
            metrics[index],
            from_ts,
            to_ts,
            after_ts=after if index == start_index else None,
            limit=limit + 1 - len(items),
        )
        description = descriptions[metrics[index]]
        items += [RawItem(p.metric, p.ts, wire_value(description, p.value, p.text)) for p in points]
        if len(items) > limit:
            return items[:limit], True
    return items, False


def _bucket_page(
    conn: Connection,
    asset_id: str,
    metrics: list[str],
    resolution: Literal["hour", "day"],
    local: bool,
    from_ts: datetime,
    to_ts: datetime,
    start_index: int,
    after: datetime | None,
    limit: int,
) -> tuple[list[BucketItem], bool]:
    items: list[BucketItem] = []
    for index in range(start_index, len(metrics)):
        wanted = limit + 1 - len(items)
        since = after if index == start_index else None
        if local:
            items += _local_day_items(conn, asset_id, metrics[index], from_ts, to_ts, since, wanted)
        else:
            # Buckets that overlap [from, to): from the start of the one holding `from`.
            floor = _bucket_floor(from_ts, resolution)
            rows = buckets(
                conn,
                resolution,
                asset_id,
                metrics[index],
                floor,
                to_ts,
                after_ts=since,
                limit=wanted,
            )
            items += [_bucket_item(row) for row in rows]
        if len(items) > limit:
            return items[:limit], True
    return items, False


def _bucket_floor(ts: datetime, resolution: Literal["hour", "day"]) -> datetime:
    hour = ts.replace(minute=0, second=0, microsecond=0)
    return hour if resolution == "hour" else hour.replace(hour=0)


def _bucket_item(row: Bucket, day: str | None = None) -> BucketItem:
    return BucketItem(
        row.metric,
        row.bucket_start,
        row.reading_count,
        row.min_value,
        row.max_value,
        row.sum_value / row.reading_count,
        row.first_value,
        row.first_ts,
        row.last_value,
        row.last_ts,
        row.increase,
        day,
    )


def _local_day_items(
    conn: Connection,
    asset_id: str,
    metric: str,
    from_ts: datetime,
    to_ts: datetime,
    after: datetime | None,
    wanted: int,
) -> list[BucketItem]:
    """Local days overlapping [from, to), summed from the hourly rollups; at most
    `wanted` of them (one per day), after the day that starts at `after`."""
    first = from_ts.astimezone(PARIS).date()
    if after is not None:
        first = max(first, after.astimezone(PARIS).date() + timedelta(days=1))
    last = min(
        (to_ts - timedelta(microseconds=1)).astimezone(PARIS).date(),
        first + timedelta(days=wanted - 1),
    )
    found = local_days(conn, first, last, metrics=[metric], asset_ids=[asset_id])
    return [
        _bucket_item(
            Bucket(
                d.metric,
                d.start,
                d.reading_count,
                d.min_value,
                d.max_value,
                d.sum_value,
                d.first_ts,
                d.first_value,
                d.last_ts,
                d.last_value,
                d.increase,
            ),
            d.day.isoformat(),
        )
        for d in found
    ]


@router.get(
    "/api/v1/telemetry/rejected",
    summary="Readings the ingest refused (dead letters), newest first",
)
def read_rejected(
    conn: ReadConnection,
    principal: RejectedReader,
    since: Annotated[str | None, Query(description="Only those received from (RFC 3339)")] = None,
    asset: Annotated[str | None, Query(description="Only those naming this asset id")] = None,
    limit: Annotated[int, Query(ge=1, le=1_000)] = 100,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
) -> Response:
    preview = func.substr(dead_letters.c.payload, 1, PAYLOAD_PREVIEW_CHARS + 1)
    query = (
        select(
            dead_letters.c.id,
            dead_letters.c.received_at,
            dead_letters.c.source,
            dead_letters.c.topic,
            dead_letters.c.asset_id,
            dead_letters.c.metric,
            dead_letters.c.reason,
            preview,
            dead_letters.c.payload_bytes,
            dead_letters.c.refusals,
        )
        .order_by(dead_letters.c.received_at.desc(), dead_letters.c.id.desc())
        .limit(limit + 1)
    )
    since_ts = parse_instant(since, "since")
    if since_ts is not None:
        query = query.where(dead_letters.c.received_at >= since_ts)
    if asset is not None:
        query = query.where(dead_letters.c.asset_id == asset)
    if cursor is not None:
        received_at, last_id = _read_rejected_cursor(cursor)
        after = tuple_(literal(received_at, dead_letters.c.received_at.type), literal(last_id))
        query = query.where(tuple_(dead_letters.c.received_at, dead_letters.c.id) < after)
    if principal.municipalities is not None:
        query = query.where(_in_municipalities(principal.municipalities))
    rows = conn.execute(query).all()
    page = [
        RejectedItem(
            *row[:7],
            payload=row[7][:PAYLOAD_PREVIEW_CHARS],
            payload_bytes=row[8],
            payload_truncated=len(row[7]) > PAYLOAD_PREVIEW_CHARS,
            refusals=row[9],
        )
        for row in rows[:limit]
    ]
    more = len(rows) > limit
    next_cursor = (
        encode_cursor(f"{page[-1].received_at.isoformat()}|{page[-1].id}") if more else None
    )
    return _json({"items": page, "next_cursor": next_cursor})


def _read_rejected_cursor(cursor: str) -> tuple[datetime, int]:
    stamp, _, last_id = decode_cursor(cursor).rpartition("|")
    try:
        received_at, number = datetime.fromisoformat(stamp), int(last_id)
    except ValueError:
        received_at, number = None, 0
    if received_at is None or received_at.tzinfo is None:
        raise ProblemError(400, "the cursor is not one this API gave out", kind="bad-cursor")
    return received_at.astimezone(UTC), number


def _in_municipalities(codes: frozenset[str]) -> ColumnElement[bool]:
    """Dead letters naming an asset, or a meter of a building, of these municipalities (a
    caller limited to some municipalities sees nothing of unknown devices)."""
    asset_ids = select(assets.c.id).where(assets.c.municipality_code.in_(sorted(codes)))
    meter_ids = (
        select(asset_parts.c.id)
        .join(assets, assets.c.id == asset_parts.c.asset_id)
        .where(assets.c.municipality_code.in_(sorted(codes)))
    )
    return and_(
        dead_letters.c.asset_id.is_not(None),
        or_(dead_letters.c.asset_id.in_(asset_ids), dead_letters.c.asset_id.in_(meter_ids)),
    )
