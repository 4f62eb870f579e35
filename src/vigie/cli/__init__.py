"""The `vigie` command line (typer + rich)."""
