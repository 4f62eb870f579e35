"""The fleet's live state from the store: each vehicle's last reported position and status
(the twin), and its trail (raw readings)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, FromClause, and_, select
from sqlalchemy.engine import Connection

from vigie.domains.fleet.assets import FLEET_VEHICLE
from vigie.domains.fleet.tracking import VehicleState
from vigie.store.schema import assets, readings, twin_state
from vigie.timeseries.sql import hours_of

_METRICS = ("lon", "lat", "speed_kmh", "ignition_on")


def fleet_states(
    conn: Connection, municipalities: Sequence[str] | None = None
) -> list[VehicleState]:
    """Every fleet vehicle that has reported a position (within `municipalities` if given)."""
    query = (
        select(
            assets.c.id,
            assets.c.name,
            assets.c.municipality_code,
            assets.c.attributes,
            twin_state.c.metric,
            twin_state.c.value,
            twin_state.c.ts,
        )
        .join(twin_state, twin_state.c.asset_id == assets.c.id)
        .where(assets.c.type == FLEET_VEHICLE, twin_state.c.metric.in_(_METRICS))
    )
    if municipalities is not None:
        query = query.where(assets.c.municipality_code.in_(list(municipalities)))
    values: dict[str, dict[str, float]] = {}
    seen: dict[str, datetime] = {}
    about: dict[str, tuple[str, str, dict[str, object]]] = {}
    for asset_id, name, code, attributes, metric, value, ts in conn.execute(query):
        if value is None:
            continue
        values.setdefault(asset_id, {})[metric] = float(value)
        seen[asset_id] = max(seen.get(asset_id, ts), ts)
        about[asset_id] = (name, code, attributes or {})
    states = []
    for asset_id in sorted(values):
        metrics = values[asset_id]
        if "lon" not in metrics or "lat" not in metrics:
            continue
        name, code, attributes = about[asset_id]
        ignition = metrics.get("ignition_on")
        skills = attributes.get("skills")
        service = attributes.get("service")
        states.append(
            VehicleState(
                id=asset_id,
                name=name,
                municipality_code=code,
                service=str(service) if service is not None else None,
                skills=tuple(str(s) for s in skills) if isinstance(skills, list) else (),
                lon=metrics["lon"],
                lat=metrics["lat"],
                speed_kmh=metrics.get("speed_kmh"),
                ignition_on=None if ignition is None else ignition >= 0.5,
                seen_at=seen[asset_id],
            )
        )
    return states


def same_position(lon: FromClause, lat: FromClause) -> ColumnElement[bool]:
    """Joins a `lon` reading to the `lat` reading of the same report (one primary-key seek)."""
    return and_(
        lat.c.ts_hour == lon.c.ts_hour,
        lat.c.asset_id == lon.c.asset_id,
        lat.c.metric == "lat",
        lat.c.ts == lon.c.ts,
    )


def trail(
    conn: Connection, vehicle_id: str, since: datetime, until: datetime, limit: int
) -> list[tuple[datetime, float, float]]:
    """(time, lon, lat) of the vehicle's reported positions, oldest first."""
    lon = readings.alias("lon")
    lat = readings.alias("lat")
    hours = hours_of(since, until)
    rows = conn.execute(
        select(lon.c.ts, lon.c.value, lat.c.value)
        .join(lat, same_position(lon, lat))
        .where(
            lon.c.ts_hour.in_(select(hours.c.h)),
            lon.c.asset_id == vehicle_id,
            lon.c.metric == "lon",
            lon.c.ts >= since,
            lon.c.ts < until,
        )
        .order_by(lon.c.ts)
        .limit(limit)
    ).all()
    return [(ts, float(x), float(y)) for ts, x, y in rows]
