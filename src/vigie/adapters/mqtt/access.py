"""Who may do what on the broker: per-device credentials, and the Mosquitto password and ACL
files written from them.

Each device (or gateway) gets its own username and password (`vigie devices credentials`).
It may publish only its own telemetry, state and command answers, and those of the assets it
serves (a cabinet's lights, a network node's devices, a building's meters), and subscribe only
to their command topics. Vigie's own services use service accounts with the whole `vigie/`
tree. Anonymous clients are refused. The files are rewritten from the store after every
change and Mosquitto re-reads them on SIGHUP (`reload_broker`): a revocation takes effect
within seconds, for new connections and for every later message of a connected device.

Mosquitto keeps passwords as PBKDF2-SHA512 (`$7$<iterations>$<salt>$<hash>`, base64), the
format its `mosquitto_passwd` writes; only that hash is stored, never the password.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import signal
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from vigie.protocol.topics import ROOT, topic_for
from vigie.registry.asset_types import reporting_parts
from vigie.registry.ids import parse_urn
from vigie.store.schema import asset_links, asset_parts, assets, device_credentials

PASSWORD_FILE = "passwords"
SERVICES_FILE = "services"
ACL_FILE = "acl"
PID_FILE = "mosquitto.pid"
_ITERATIONS = 101  # what mosquitto_passwd uses
_SALT_BYTES = 12


class UnknownDevice(ValueError):
    """Credentials for an id the registry does not hold (or holds retired)."""


def broker_hash(password: str, salt: bytes | None = None) -> str:
    """`password` as Mosquitto's password file keeps it."""
    salt = salt if salt is not None else secrets.token_bytes(_SALT_BYTES)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, _ITERATIONS)
    return f"$7${_ITERATIONS}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def username_for(asset_id: str) -> str:
    """A device's MQTT username: its URN without the colons the password file separates on."""
    parsed = parse_urn(asset_id)
    if parsed is None:
        raise UnknownDevice(f"not a Vigie URN: {asset_id!r}")
    return ".".join(parsed)


def issue(conn: Connection, asset_id: str, actor: str, now: datetime) -> tuple[str, str]:
    """New credentials for a device (a first issue, or a rotation: the old password stops
    working at the next reload); (username, password). The password is shown only here."""
    found = conn.scalar(select(assets.c.status).where(assets.c.id == asset_id))
    if found is None or found == "retired":
        raise UnknownDevice(f"no device {asset_id} in the registry")
    username = username_for(asset_id)
    password = secrets.token_urlsafe(24)
    values = {"broker_hash": broker_hash(password), "issued_at": now, "issued_by": actor}
    changed = conn.execute(
        update(device_credentials)
        .where(device_credentials.c.asset_id == asset_id)
        .values(**values, revoked_at=None)
    ).rowcount
    if not changed:
        conn.execute(
            device_credentials.insert().values(asset_id=asset_id, username=username, **values)
        )
    return username, password


def revoke(conn: Connection, asset_id: str, now: datetime) -> bool:
    """Revoke a device's credentials; whether it had any in force."""
    result = conn.execute(
        update(device_credentials)
        .where(device_credentials.c.asset_id == asset_id, device_credentials.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return bool(result.rowcount)


def served_assets(conn: Connection, asset_ids: Iterable[str]) -> dict[str, list[str]]:
    """Each device with itself and what it forwards for: the assets fed by its parts (a
    cabinet's lights), those connected to it (a node's devices), its reporting parts."""
    wanted = sorted(set(asset_ids))
    served: dict[str, list[str]] = {a: [a] for a in wanted}
    if not wanted:
        return served
    fed = conn.execute(
        select(asset_parts.c.asset_id, asset_links.c.asset_id)
        .join(asset_links, asset_links.c.target_id == asset_parts.c.id)
        .where(asset_parts.c.asset_id.in_(wanted))
    )
    connected = conn.execute(
        select(asset_links.c.target_id, asset_links.c.asset_id).where(
            asset_links.c.target_id.in_(wanted), asset_links.c.relation == "connected_to"
        )
    )
    parts = conn.execute(
        select(asset_parts.c.asset_id, asset_parts.c.id).where(
            asset_parts.c.asset_id.in_(wanted),
            asset_parts.c.kind.in_([p.kind for p in reporting_parts()]),
        )
    )
    for owner, member in (*fed, *connected, *parts):
        served[owner].append(member)
    return served


@dataclass(frozen=True)
class DeviceAccess:
    """A device's entry in the broker's files: its account and the assets it speaks for."""

    username: str
    broker_hash: str
    assets: tuple[str, ...]


def devices_in_force(conn: Connection) -> list[DeviceAccess]:
    """The credentials not revoked, each with the assets its device speaks for."""
    rows = conn.execute(
        select(device_credentials.c.asset_id, device_credentials.c.username,
               device_credentials.c.broker_hash)
        .where(device_credentials.c.revoked_at.is_(None))
        .order_by(device_credentials.c.username)
    ).all()  # fmt: skip
    served = served_assets(conn, [r.asset_id for r in rows])
    return [DeviceAccess(r.username, r.broker_hash, tuple(served[r.asset_id])) for r in rows]


def add_service_account(directory: Path, name: str, password: str) -> None:
    """Give one of Vigie's own services (serve, ingest, the lab) an account with the whole
    `vigie/` tree, kept (hashed) in the directory's `services` file beside the others."""
    kept = _services(directory)
    kept[name] = broker_hash(password)
    directory.mkdir(parents=True, exist_ok=True)
    _replace(directory / SERVICES_FILE, "".join(f"{n}:{h}\n" for n, h in sorted(kept.items())))


def write_access_files(directory: Path, devices: Sequence[DeviceAccess] = ()) -> None:
    """Write the broker's password and ACL files for the service accounts of the directory
    and these devices, each file replaced whole (never half-written)."""
    services = _services(directory)
    passwords = [f"{name}:{hashed}" for name, hashed in sorted(services.items())]
    passwords += [f"{d.username}:{d.broker_hash}" for d in devices]
    acl = ["# Written by Vigie (vigie.adapters.mqtt.access): do not edit, it is rewritten."]
    for name in sorted(services):
        acl += ["", f"user {name}", f"topic readwrite {ROOT}/#"]
    for device in devices:
        acl += ["", f"user {device.username}"]
        for asset_id in device.assets:
            acl += [
                f"topic write {topic_for(asset_id, 'telemetry')}",
                f"topic write {topic_for(asset_id, 'state')}",
                f"topic write {topic_for(asset_id, 'cmd/ack')}",
                f"topic read {topic_for(asset_id, 'cmd')}",
            ]
    directory.mkdir(parents=True, exist_ok=True)
    _replace(directory / PASSWORD_FILE, "\n".join(passwords) + "\n")
    _replace(directory / ACL_FILE, "\n".join(acl) + "\n")


def _services(directory: Path) -> dict[str, str]:
    path = directory / SERVICES_FILE
    if not path.exists():
        return {}
    lines = path.read_text(encoding="utf-8").splitlines()
    return dict(line.split(":", 1) for line in lines if ":" in line)


def reload_broker(directory: Path) -> bool:
    """Ask the Mosquitto whose pid file is in `directory` to re-read its files; whether one
    was running there (an external broker is reloaded by its own service manager)."""
    try:
        pid = int((directory / PID_FILE).read_text().strip())
        os.kill(pid, signal.SIGHUP)
    except (OSError, ValueError):
        return False
    return True


def _replace(path: Path, text: str) -> None:
    fresh = path.with_suffix(".new")
    fresh.write_text(text, encoding="utf-8")
    fresh.chmod(0o600)
    fresh.replace(path)
