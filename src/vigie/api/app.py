"""The ASGI application: API routes, problem+json errors, the store and the clock."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from sqlalchemy.engine import Engine

from vigie import __version__
from vigie.api.problems import RefuseNulInUrl, install_problem_handlers
from vigie.api.routes import assets_read, assets_write, audit, auth, municipalities
from vigie.config import Settings
from vigie.core.clock import Clock, SystemClock
from vigie.store.engine import make_engine


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    clock: Clock | None = None,
) -> FastAPI:
    """The control centre's HTTP application; the store must already be migrated."""
    settings = settings or Settings.from_env()
    app = FastAPI(
        title="Vigie",
        version=__version__,
        summary="Connected control centre for the public facilities of a metropolitan area",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine or make_engine(settings.database_url)
    app.state.clock = clock or SystemClock()
    install_problem_handlers(app)
    app.add_middleware(RefuseNulInUrl)
    for module in (auth, municipalities, assets_read, assets_write, audit):
        app.include_router(module.router)

    _merge_body_schemas_into_openapi(app)

    @app.get("/healthz", tags=["health"], summary="Liveness and store reachability")
    def health() -> dict[str, str]:
        with app.state.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        return {"status": "ok", "version": __version__}

    return app


def _merge_body_schemas_into_openapi(app: FastAPI) -> None:
    """msgspec-described bodies carry their component schemas under `x-components`; move them
    into the document's components so /docs resolves their references."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = build()
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        for path in document.get("paths", {}).values():
            for operation in path.values():
                schemas.update(operation.pop("x-components", {}))
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
