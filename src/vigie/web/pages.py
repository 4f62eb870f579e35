"""The UI's pages (Jinja2 templates) and its static files (ES modules, CSS, vendored libraries).

Pages carry no data: the ES modules log in and read everything through the API with the
bearer token kept in sessionStorage.
"""

from __future__ import annotations

from pathlib import Path

import msgspec
from fastapi import APIRouter, Request
from fastapi.templating import Jinja2Templates
from starlette.background import BackgroundTask
from starlette.responses import Response
from starlette.staticfiles import StaticFiles

from vigie.web.map_assets import prepare_full_layer
from vigie.web.ui_config import ui_config

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
#: Built by `make web` (web/build.mjs) from the npm packages; not in git.
VENDOR_FILES = ("maplibre-gl.mjs", "maplibre-gl-worker.mjs", "maplibre-gl.css", "uPlot.esm.js")

router = APIRouter(include_in_schema=False)
router.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
templates = Jinja2Templates(directory=HERE / "templates")


def missing_vendor_files() -> list[str]:
    return [name for name in VENDOR_FILES if not (STATIC_DIR / "vendor" / name).is_file()]


def _page(request: Request, template: str, background: BackgroundTask | None = None) -> Response:
    missing = missing_vendor_files()
    if missing:
        return templates.TemplateResponse(
            request, "missing_build.html", {"missing": missing}, status_code=503
        )
    # Inside <script>: no "</" may close the element early.
    settings = request.app.state.settings
    config = msgspec.json.encode(ui_config(settings)).decode().replace("<", "\\u003c")
    return templates.TemplateResponse(request, template, {"config": config}, background=background)


@router.get("/")
def control_room(request: Request) -> Response:
    return _page(request, "index.html")


@router.get("/login")
def login(request: Request) -> Response:
    # While the user types, the map's layer is prepared (see map_assets.prepare_full_layer).
    # (after the page is sent, in the server's thread pool).
    return _page(
        request, "login.html", BackgroundTask(prepare_full_layer, request.app.state.engine)
    )
