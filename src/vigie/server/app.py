"""The ASGI application: API routes, problem+json errors, the store and the clock."""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.engine import Engine
from starlette.responses import PlainTextResponse, Response

from vigie import __version__, web
from vigie.alarms.wiring import start_alarm_engine
from vigie.api.problems import RefuseNulInUrl, install_problem_handlers
from vigie.api.routes import (
    alarms,
    assets_read,
    assets_write,
    audit,
    auth,
    commands,
    kpis,
    municipalities,
    telemetry_ingest,
    telemetry_read,
)
from vigie.commands.wiring import start_dispatcher
from vigie.config import Settings
from vigie.core.bus import EventBus
from vigie.core.clock import Clock, SystemClock
from vigie.core.heap import freeze_long_lived_objects
from vigie.integration import installed
from vigie.store.engine import make_engine
from vigie.telemetry.pipeline import Pipeline
from vigie.timeseries.maintenance import Maintenance


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    clock: Clock | None = None,
) -> FastAPI:
    """The control centre's HTTP application; the store must already be migrated."""
    settings = settings or Settings.from_env()
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
    app.state.pipeline = Pipeline(
        app.state.engine, app.state.clock, app.state.bus, background_checkpoints=True
    )
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
        kpis,
    ):
        app.include_router(module.router)
    for integration in installed():  # each facility's own routes
        for router in integration.routers() if integration.routers is not None else ():
            app.include_router(router)
    app.include_router(web.router)  # the operator UI, its map layer and live state stream

    _merge_body_schemas_into_openapi(app)

    @app.get(
        "/metrics", tags=["health"], summary="Prometheus counters", response_class=PlainTextResponse
    )
    def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @app.get("/healthz", tags=["health"], summary="Liveness and store reachability")
    def health() -> dict[str, str]:
        with app.state.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        return {"status": "ok", "version": __version__}

    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """The server's companions: the alarm engine on the pipeline's bus (ticked every second
    on real time; a simulated clock is ticked by whoever moves it), and, when
    VIGIE_MQTT_URL is set, an MQTT ingest worker feeding the same pipeline; and the time
    series upkeep (rollups every minute, retention every hour)."""
    clock = app.state.clock
    alarm_engine = start_alarm_engine(
        app.state.engine,
        clock,
        app.state.bus,
        tick_every_s=1.0 if isinstance(clock, SystemClock) else None,
    )
    app.state.alarm_engine = alarm_engine
    # Rollups and retention on real time; a simulated run rolls up when its clock says.
    maintenance = Maintenance(app.state.engine, clock) if isinstance(clock, SystemClock) else None
    if maintenance is not None:
        maintenance.start()
    worker = None
    dispatcher = None
    if os.environ.get("VIGIE_MQTT_URL"):
        from vigie.adapters.mqtt.settings import MqttSettings
        from vigie.adapters.mqtt.worker import IngestWorker

        # Its own session, apart from any `vigie ingest` worker on the same host.
        client_id = os.environ.get("VIGIE_MQTT_CLIENT_ID") or f"vigie-serve-{socket.gethostname()}"
        worker = IngestWorker(app.state.pipeline, MqttSettings.from_env(client_id=client_id[:64]))
        worker.start()
        dispatcher = start_dispatcher(app.state.engine, clock, client_id[:50] + "-commands")
    freeze_long_lived_objects()
    try:
        yield
    finally:
        if dispatcher is not None:
            dispatcher.stop()
        if worker is not None:
            worker.stop()
        if maintenance is not None:
            maintenance.stop()
        app.state.pipeline.close()  # its writer thread, after the batches in hand
        alarm_engine.close()


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
