"""What the installed facilities bring, for the UI and for integrators:
`GET /api/v1/facilities` (each integration: its asset types, metrics, command actions, KPIs)
and `GET /api/v1/kpi` (the contract KPIs, and where to read each one)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from vigie.api.dependencies import require
from vigie.auth.principal import Principal
from vigie.auth.roles import Permission
from vigie.integration import installed

router = APIRouter(prefix="/api/v1", tags=["facilities"])
Reader = Annotated[Principal, Depends(require(Permission.ASSETS_READ))]


@router.get("/facilities", summary="The installed facilities and what each brings")
def list_facilities(principal: Reader) -> dict[str, list[dict[str, Any]]]:
    return {
        "facilities": [
            {
                "name": integration.name,
                "title": integration.title,
                "asset_types": [spec.name for spec in integration.asset_types],
                "metrics": {
                    reporter: sorted(metrics) for reporter, metrics in integration.metrics.items()
                },
                "actions": [
                    {"action": f"{a.domain}/{a.action}", "description": a.description}
                    for a in integration.actions
                ],
                "kpis": [kpi.key for kpi in integration.kpis],
            }
            for integration in installed()
        ]
    }


@router.get("/kpi", tags=["kpi"], summary="The contract KPIs of the installed facilities")
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
