"""The ASGI application: API routes, problem+json errors, the store and the clock."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import msgspec
from fastapi import FastAPI
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.engine import Engine
from starlette.responses import PlainTextResponse, Response
from starlette.staticfiles import StaticFiles

from vigie import __version__, web
from vigie.alarms.wiring import AlarmService
from vigie.api.problems import RefuseNulInUrl, install_problem_handlers
from vigie.api.routes import (
    alarms,
    assets_read,
    assets_write,
    audit,
    auth,
    commands,
    facilities,
    municipalities,
    telemetry_ingest,
    telemetry_read,
)
from vigie.core.bus import EventBus
from vigie.core.clock import Clock, SystemClock
from vigie.core.heap import freeze_long_lived_objects
from vigie.core.service import Service
from vigie.core.settings import Settings, load_settings
from vigie.integration import installed
from vigie.runtime import Runtime
from vigie.runtime.server import server_services
from vigie.store.engine import make_engine
from vigie.telemetry.pipeline import Pipeline


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    clock: Clock | None = None,
    services: Sequence[Service] = (),
) -> FastAPI:
    """The control centre's HTTP application; the store must already be migrated.
    `services`: more background services for its runtime (a domain's link, the demo's
    simulator), started after the server's own and stopped before them."""
    settings = settings or load_settings()
    app = FastAPI(
        lifespan=_lifespan,
        title="Vigie",
        version=__version__,
        summary="Connected control centre for the public facilities of a metropolitan area",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine or make_engine(settings.database_url)
    app.state.clock = clock or SystemClock()
    app.state.bus = EventBus()
    app.state.pipeline = Pipeline(app.state.engine, app.state.clock, app.state.bus)
    app.state.extra_services = list(services)
    app.state.runtime = None
    install_problem_handlers(app)
    app.add_middleware(RefuseNulInUrl)
    for module in (
        auth,
        municipalities,
        assets_read,
        assets_write,
        audit,
        telemetry_ingest,
        telemetry_read,
        alarms,
        commands,
        facilities,
    ):
        app.include_router(module.router)
    for integration in installed():  # each facility's own routes and UI modules
        for router in integration.routers() if integration.routers is not None else ():
            app.include_router(router)
        if integration.ui_dir is not None:
            app.mount(
                f"/ui/{integration.name}",
                StaticFiles(directory=integration.ui_dir),
                name=f"ui-{integration.name}",
            )
    app.include_router(web.router)  # the operator UI, its map layer and live state stream

    _merge_body_schemas_into_openapi(app)

    @app.get(
        "/metrics", tags=["health"], summary="Prometheus counters", response_class=PlainTextResponse
    )
    def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @app.get(
        "/healthz", tags=["health"], summary="Liveness, store reachability, background services"
    )
    def health() -> dict[str, Any]:
        return _health_report(app)

    @app.get(
        "/readyz",
        tags=["health"],
        summary="Readiness: 200 when the store answers and every service is healthy, else 503",
        responses={503: {"description": "a service is unwell (its detail says which and why)"}},
    )
    def ready() -> Response:
        report = _health_report(app)
        return Response(
            msgspec.json.encode(report),
            status_code=200 if report["status"] == "ok" else 503,
            media_type="application/json",
        )

    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """The server's background services (see `vigie.runtime.server`), started by one
    runtime before the first request and stopped in reverse after the last."""
    clock = app.state.clock
    runtime = Runtime(
        server_services(
            app.state.settings,
            engine=app.state.engine,
            clock=clock,
            bus=app.state.bus,
            pipeline=app.state.pipeline,
            real_time=isinstance(clock, SystemClock),
            extra=app.state.extra_services,
        )
    )
    runtime.start()
    app.state.runtime = runtime
    alarms = runtime.get(AlarmService.name)
    app.state.alarm_engine = alarms.engine if isinstance(alarms, AlarmService) else None
    freeze_long_lived_objects()
    try:
        yield
    finally:
        app.state.runtime = None
        runtime.stop()


def _health_report(app: FastAPI) -> dict[str, Any]:
    """The store's answer and every background service's health (each intake's connection,
    backlog, last reading stored and last error): liveness reads it, readiness judges it."""
    with app.state.engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1")
    runtime: Runtime | None = app.state.runtime
    services = runtime.health() if runtime is not None else []
    return {
        "status": "ok" if all(s.ok for s in services) else "degraded",
        "version": __version__,
        "services": [s.to_json() for s in services],
    }


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
