"""`vigie assets ...`."""

from __future__ import annotations

import typer

app = typer.Typer(help="assets", no_args_is_help=True)
