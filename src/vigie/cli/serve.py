"""`vigie serve`: the API (and later the operator UI) on one HTTP server."""

from __future__ import annotations

import typer

from vigie.config import Settings


def serve(
    host: str | None = typer.Option(
        None, help="Address to listen on [VIGIE_HTTP_HOST or 127.0.0.1]."
    ),
    port: int | None = typer.Option(None, help="TCP port [VIGIE_HTTP_PORT or 8000]."),
    access_log: bool = typer.Option(True, help="Log every request."),
) -> None:
    """Serve the control centre over HTTP (migrating the store first)."""
    import uvicorn

    from vigie.cli.store import open_store
    from vigie.server.app import create_app

    settings = Settings.from_env()
    engine = open_store(settings)
    uvicorn.run(
        create_app(settings, engine=engine),
        host=host or settings.http_host,
        port=port or settings.http_port,
        log_level="info",
        access_log=access_log,
    )
