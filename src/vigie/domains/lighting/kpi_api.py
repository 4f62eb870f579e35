"""Contract KPIs: `GET /api/v1/kpi/lighting-energy` — baseline, metered energy and savings
of street lighting (IPMVP, method in the answer) per month and municipality, within the
caller's municipalities."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

import msgspec
from fastapi import APIRouter, Depends, Query
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from vigie.api.dependencies import StoreEngine, require
from vigie.api.problems import ProblemError
from vigie.auth.principal import Principal
from vigie.auth.roles import Permission
from vigie.domains.lighting.energy_kpi import lighting_energy

router = APIRouter(prefix="/api/v1/kpi", tags=["kpi"])
Reader = Annotated[Principal, Depends(require(Permission.ASSETS_READ))]
MAX_DAYS = 3 * 366


def _day(text: str, name: str) -> datetime:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ProblemError(
            400, f"{name} must be a date YYYY-MM-DD", kind="bad-filter", parameter=name
        ) from None
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


@router.get("/lighting-energy", summary="Street lighting energy savings (IPMVP)")
async def lighting_energy_kpi(
    engine: StoreEngine,
    principal: Reader,
    from_: Annotated[str, Query(alias="from", description="first day (UTC), YYYY-MM-DD")],
    to: Annotated[str, Query(description="the day after the last, YYYY-MM-DD")],
    municipality: Annotated[list[str] | None, Query(description="INSEE codes")] = None,
) -> Response:
    start, end = _day(from_, "from"), _day(to, "to")
    if not 0 < (end - start).days <= MAX_DAYS:
        raise ProblemError(
            400, f"to must be after from, at most {MAX_DAYS} days", kind="bad-filter"
        )
    codes = principal.visible_municipalities(municipality)

    def compute() -> dict[str, object]:
        with engine.begin() as conn:
            return lighting_energy(conn, start, end, municipalities=codes).to_json()

    body = await run_in_threadpool(compute)
    return Response(msgspec.json.encode(body), media_type="application/json")
