"""`vigie city ...`."""

from __future__ import annotations

import typer

app = typer.Typer(help="city", no_args_is_help=True)
