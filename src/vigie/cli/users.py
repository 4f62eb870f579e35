"""`vigie users ...`: accounts, roles, municipality scope and machine tokens."""

from __future__ import annotations

import getpass

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from vigie.audit.log import AuditEntry, record
from vigie.auth.roles import Role
from vigie.auth.tokens import issue_token
from vigie.auth.users import UserError, add_user, list_users
from vigie.core.clock import SystemClock
from vigie.runtime.store import open_store
from vigie.store.schema import users

app = typer.Typer(help="User accounts and machine tokens.", no_args_is_help=True)
console = Console()
errors = Console(stderr=True)


def _cli_actor() -> str:
    return f"cli:{getpass.getuser()}"


@app.command("add")
def add(
    username: str = typer.Argument(..., help="Login name."),
    role: Role = typer.Option(..., help="What the user may do."),
    municipality: list[str] = typer.Option(
        [], "--municipality", "-m", help="INSEE code the user is limited to (repeat for several)."
    ),
    password: str | None = typer.Option(
        None,
        help="Password (at least 8 characters); asked for when omitted.",
        envvar="VIGIE_NEW_PASSWORD",
    ),
    display_name: str | None = typer.Option(None, help="Full name shown in the UI."),
) -> None:
    """Create a user with a role, optionally limited to some municipalities."""
    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    engine = open_store()
    try:
        with engine.begin() as conn:
            user = add_user(
                conn,
                username=username,
                password=password,
                role=role,
                municipality_codes=municipality,
                display_name=display_name,
                actor=_cli_actor(),
                now=SystemClock().now(),
            )
    except UserError as error:
        errors.print(f"[red]Refused:[/red] {error}")
        raise typer.Exit(2) from None
    finally:
        engine.dispose()
    scope = ", ".join(user.municipalities) or "all municipalities"
    console.print(f"[green]User {user.username}[/green] ({user.role.value}) on {scope}")


@app.command("list")
def list_command() -> None:
    """Show every user, its role and scope."""
    engine = open_store()
    with engine.connect() as conn:
        found = list_users(conn)
    engine.dispose()
    table = Table("username", "role", "municipalities", "active")
    for user in found:
        table.add_row(
            user.username,
            user.role.value,
            ", ".join(user.municipalities) or "all",
            str(user.active),
        )
    console.print(table)


@app.command("token")
def token(
    username: str = typer.Argument(..., help="The (service) user the machine acts as."),
    name: str = typer.Option(..., help="What the token is for, e.g. 'cabinet gateway 12'."),
) -> None:
    """Issue a long-lived bearer token for a machine; it is printed once, keep it safe."""
    engine = open_store()
    with engine.begin() as conn:
        user_id = conn.scalar(select(users.c.id).where(users.c.username == username))
        if user_id is None:
            errors.print(f"[red]No user {username!r}[/red]")
            raise typer.Exit(2)
        now = SystemClock().now()
        issued, _ = issue_token(
            conn, user_id=user_id, kind="machine", name=name, now=now, lifetime=None
        )
        record(
            conn,
            [
                AuditEntry(
                    at=now,
                    actor=_cli_actor(),
                    action="token.issue",
                    entity_type="User",
                    entity_id=username,
                    detail=f"machine token {name!r}",
                )
            ],
        )
    engine.dispose()
    print(issued)
