"""The audit log, for supervisors and administrators."""

from __future__ import annotations

from typing import Annotated

import msgspec
from fastapi import APIRouter, Depends, Query
from starlette.responses import Response

from vigie.api.dependencies import ReadConnection, require
from vigie.api.problems import ProblemError
from vigie.audit.log import entries_for
from vigie.auth.principal import Principal
from vigie.auth.roles import Permission

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


@router.get("", summary="Audit entries, newest first; page with before_id")
def list_entries(
    conn: ReadConnection,
    principal: Annotated[Principal, Depends(require(Permission.AUDIT_READ))],
    entity_id: str | None = None,
    actor: str | None = None,
    before_id: int | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Response:
    if principal.municipalities is not None:
        raise ProblemError(
            403,
            "the whole audit log is for users of the whole metropolis; "
            "read an asset's trail at /api/v1/assets/{id}/audit",
            kind="out-of-scope",
        )
    entries = entries_for(conn, entity_id=entity_id, actor=actor, before_id=before_id, limit=limit)
    next_before = entries[-1].id if len(entries) == limit else None
    return Response(
        msgspec.json.encode({"items": entries, "next_before_id": next_before}),
        media_type="application/json",
    )
