"""`vigie devices ...`: a device's MQTT credentials (issue, rotate, revoke) and the accounts of
Vigie's own services on the broker. Each change rewrites the broker's password and ACL files
(`VIGIE_MQTT_ACCESS_DIR`) and asks the broker to re-read them (docs/security.md)."""

from __future__ import annotations

import getpass
import secrets
from pathlib import Path

import typer
from rich.console import Console

from vigie.adapters.mqtt import access
from vigie.audit.log import AuditEntry, record
from vigie.core.clock import SystemClock
from vigie.core.settings import load_settings
from vigie.runtime.store import open_store

app = typer.Typer(help="Device credentials on the MQTT broker.", no_args_is_help=True)
console = Console(highlight=False)
errors = Console(stderr=True, highlight=False)


def _access_dir() -> Path:
    directory = load_settings().mqtt_access_dir
    assert directory is not None  # the settings give it a default
    return directory


@app.command("credentials")
def credentials(
    asset: str = typer.Argument(..., help="The device's (or gateway's) URN."),
    revoke: bool = typer.Option(False, "--revoke", help="Revoke its credentials."),
) -> None:
    """Issue a device's MQTT credentials, or new ones (the old password stops working), or
    revoke them; the broker applies the change within seconds."""
    actor = f"cli:{getpass.getuser()}"
    now = SystemClock().now()
    engine = open_store()
    try:
        with engine.begin() as conn:
            if revoke:
                if not access.revoke(conn, asset, now):
                    errors.print(f"{asset} has no credentials in force")
                    raise typer.Exit(1)
                issued = None
            else:
                try:
                    issued = access.issue(conn, asset, actor, now)
                except access.UnknownDevice as error:
                    errors.print(str(error))
                    raise typer.Exit(1) from None
            record(
                conn,
                [
                    AuditEntry(
                        at=now,
                        actor=actor,
                        action="device.credentials." + ("revoke" if revoke else "issue"),
                        entity_type="device_credentials",
                        entity_id=asset,
                        after=None if issued is None else {"username": issued[0]},
                    )
                ],
            )
            devices = access.devices_in_force(conn)
    finally:
        engine.dispose()
    _apply(devices)
    if issued is not None:
        console.print(f"username: {issued[0]}\npassword: {issued[1]}")
        console.print("The password is shown once: give it to the device now.")
    else:
        console.print(f"Revoked: {asset} can no longer connect nor publish.")


@app.command("service-account")
def service_account(
    name: str = typer.Argument(..., help="The account's name, e.g. vigie-ingest."),
) -> None:
    """An account for one of Vigie's own services (the whole `vigie/` tree); prints a URL."""
    password = secrets.token_urlsafe(24)
    directory = _access_dir()
    access.add_service_account(directory, name, password)
    engine = open_store()
    try:
        with engine.connect() as conn:
            devices = access.devices_in_force(conn)
    finally:
        engine.dispose()
    _apply(devices)
    console.print(f"VIGIE_MQTT_URL=mqtt://{name}:{password}@<broker host>:1883")


def _apply(devices: list[access.DeviceAccess]) -> None:
    directory = _access_dir()
    access.write_access_files(directory, devices)
    if access.reload_broker(directory):
        console.print(f"The broker re-read {directory}.")
    else:
        console.print(
            f"Files written in {directory}: reload the broker (SIGHUP, or "
            "`systemctl reload mosquitto`) for them to apply."
        )
