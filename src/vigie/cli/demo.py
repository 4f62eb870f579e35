"""`vigie demo`: the control centre on the generated Dijon twin, ready to log in to."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from vigie.auth.roles import Role
from vigie.auth.users import add_user
from vigie.cli import city
from vigie.cli.store import open_store
from vigie.config import Settings
from vigie.core.clock import SystemClock
from vigie.registry.assets import count_assets
from vigie.store.schema import users

#: Demo accounts, created only when missing. The server listens on loopback only.
DEMO_USERS: tuple[tuple[str, str, Role, tuple[str, ...]], ...] = (
    ("admin", "vigie-admin", Role.ADMIN, ()),
    ("operateur", "vigie-operateur", Role.OPERATOR, ()),
    ("talant", "vigie-talant", Role.MUNICIPAL_AGENT, ("21617",)),
)


def demo(
    seed: int = typer.Option(
        2017, help="Seed of the generated city (used only if the store is empty)."
    ),
    serve: bool = typer.Option(True, help="Serve after setting up (--no-serve only sets up)."),
) -> None:
    """Set up the embedded store with the Dijon twin and demo users, then serve it."""
    console = Console()
    settings = Settings.from_env()
    engine = open_store(settings)
    with engine.connect() as conn:
        empty = count_assets(conn) == 0
    if empty:
        console.print("[bold]Generating the digital twin of Dijon Métropole…[/bold]")
        city.generate(scale="dijon", seed=seed, replace=False)
    with engine.begin() as conn:
        existing = set(conn.scalars(select(users.c.username)))
        for username, password, role, scope in DEMO_USERS:
            if username not in existing:
                add_user(
                    conn,
                    username=username,
                    password=password,
                    role=role,
                    municipality_codes=scope,
                    actor="demo",
                    now=SystemClock().now(),
                )
    engine.dispose()

    base = f"http://{settings.http_host}:{settings.http_port}"
    table = Table(title="Demo accounts")
    for column in ("username", "password", "role", "scope"):
        table.add_column(column)
    for username, password, role, scope in DEMO_USERS:
        table.add_row(username, password, role.value, ", ".join(scope) or "all 23 communes")
    console.print(table)
    # Plain lines, never wrapped, so they can be copied into a shell.
    print(f"API and its documentation: {base}/docs")
    print(
        f"Log in: curl -s -X POST {base}/api/v1/auth/token -H 'content-type: application/json' "
        """-d '{"username":"admin","password":"vigie-admin"}'"""
    )
    print(
        "Then send the token as 'Authorization: Bearer <token>', for example to "
        f"{base}/api/v1/assets?type=Streetlight&municipality=21617&format=geojson"
    )
    if serve:
        from vigie.cli.serve import serve as serve_command

        serve_command(host=None, port=None)
