"""`vigie serve`: the API (and later the operator UI) on one HTTP server."""

from __future__ import annotations

import typer


def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="TCP port."),
) -> None:
    """Serve the control centre over HTTP."""
    import uvicorn

    from vigie.api.app import create_app

    uvicorn.run(create_app(), host=host, port=port, log_level="info")
