"""`vigie serve`: the API and the operator UI on one HTTP server, with the background
services of its runtime."""

from __future__ import annotations

from collections.abc import Sequence

import typer

from vigie.core.service import Service
from vigie.core.settings import Settings, SettingsError, load_settings


def serve(
    host: str | None = typer.Option(
        None, help="Address to listen on [VIGIE_HTTP_HOST or 127.0.0.1]."
    ),
    port: int | None = typer.Option(None, help="TCP port [VIGIE_HTTP_PORT or 8000]."),
    access_log: bool = typer.Option(True, help="Log every request."),
) -> None:
    """Serve the control centre over HTTP (migrating the store first)."""
    try:
        settings = load_settings()
    except SettingsError as error:
        raise typer.BadParameter(str(error)) from None
    run_server(settings, host=host, port=port, access_log=access_log)


def run_server(
    settings: Settings,
    *,
    host: str | None = None,
    port: int | None = None,
    access_log: bool = True,
    services: Sequence[Service] = (),
) -> None:
    """Migrate the store and serve until interrupted; `services` join the app's runtime."""
    import uvicorn

    from vigie.runtime.store import open_store
    from vigie.server.app import create_app

    engine = open_store(settings)
    uvicorn.run(
        create_app(settings, engine=engine, services=services),
        host=host or settings.http_host,
        port=port or settings.http_port,
        log_level="info",
        access_log=access_log,
    )
