"""One router for the UI: its pages and static files, the compact map layer and the live
state stream (`/api/v1/map/assets`, `/api/v1/stream/state`)."""

from __future__ import annotations

from fastapi import APIRouter

from vigie.web import map_assets, pages, state_stream

router = APIRouter()
router.include_router(pages.router)
router.include_router(map_assets.router)
router.include_router(state_stream.router)
