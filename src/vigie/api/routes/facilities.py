"""`GET /api/v1/kpi`: the contract KPIs the installed facilities compute, and where to read
each one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from vigie.api.dependencies import require
from vigie.auth.principal import Principal
from vigie.auth.roles import Permission
from vigie.integration import installed

router = APIRouter(prefix="/api/v1/kpi", tags=["kpi"])
Reader = Annotated[Principal, Depends(require(Permission.ASSETS_READ))]


@router.get("", summary="The contract KPIs of the installed facilities")
def list_kpis(principal: Reader) -> dict[str, list[dict[str, str]]]:
    return {
        "kpis": [
            {
                "key": kpi.key,
                "title": kpi.title,
                "domain": integration.name,
                "path": kpi.path,
                "description": kpi.description,
            }
            for integration in installed()
            for kpi in integration.kpis
        ]
    }
