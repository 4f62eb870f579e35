"""`vigie demo`: the control centre on the generated Dijon twin, ready to log in to."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.engine import Connection

from vigie.adapters.mqtt.broker import LocalBroker, find_mosquitto
from vigie.auth.roles import Role
from vigie.auth.tokens import issue_token
from vigie.auth.users import add_user
from vigie.cli import city
from vigie.cli.store import open_store
from vigie.config import Settings
from vigie.core.clock import SystemClock
from vigie.registry.assets import count_assets
from vigie.store.schema import users

SIMULATOR_USER = "simulateur"

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
    simulate: bool = typer.Option(
        True, help="Run the city simulator beside the server, so the city lives."
    ),
) -> None:
    """Set up the embedded store with the Dijon twin and demo users, then serve it with the
    city simulator reporting to it over HTTP like real devices."""
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
        simulator_token = _simulator_token(conn) if serve and simulate else None
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
    if not serve:
        return
    from vigie.cli.serve import serve as serve_command

    broker = _command_broker(settings.var_dir) if simulator_token else None
    mqtt_url = broker.url if broker is not None else None
    simulator = _SimulatorBeside(base, simulator_token, mqtt_url) if simulator_token else None
    try:
        # Without the simulator's hundreds of requests a minute in the console.
        serve_command(host=None, port=None, access_log=not simulate)
    finally:
        if simulator is not None:
            simulator.stop()
        if broker is not None:
            broker.stop()


def _command_broker(var_dir: Path) -> LocalBroker | None:
    """A private Mosquitto on loopback for commands to the simulated devices (the server's
    dispatcher and the devices' acknowledgements), when one is installed and no broker is
    configured; without it the demo runs, but commands stay pending."""
    if os.environ.get("VIGIE_MQTT_URL"):
        return None
    if find_mosquitto() is None:
        print("No mosquitto installed: commands to the simulated devices will stay pending "
              "(`apt-get install mosquitto`, or set VIGIE_MQTT_URL).", flush=True)  # fmt: skip
        return None
    broker = LocalBroker(var_dir / "mosquitto")
    broker.start()
    os.environ["VIGIE_MQTT_URL"] = broker.url  # read by the server's start-up
    print(f"Commands to devices go through a private Mosquitto at {broker.url}", flush=True)
    return broker


def _simulator_token(conn: Connection) -> str:
    """A fresh machine token for the demo's simulated devices (user `simulateur`, role device)."""
    now = SystemClock().now()
    user_id = conn.scalar(select(users.c.id).where(users.c.username == SIMULATOR_USER))
    if user_id is None:
        user_id = add_user(
            conn,
            username=SIMULATOR_USER,
            password=secrets.token_urlsafe(24),
            role=Role.DEVICE,
            actor="demo",
            now=now,
        ).id
    token, _ = issue_token(
        conn, user_id=user_id, kind="machine", name="demo simulator", now=now, lifetime=None
    )
    return token


class _SimulatorBeside:
    """`vigie sim run` in a child process, started once the server answers, stopped with it.
    With a broker, the simulated devices also take commands from it and acknowledge them."""

    def __init__(self, base_url: str, token: str, mqtt_url: str | None = None) -> None:
        self._base_url = base_url
        self._token = token
        self._mqtt = ["--mqtt-url", mqtt_url] if mqtt_url else []
        self._process: subprocess.Popen[bytes] | None = None
        self._stopped = threading.Event()
        threading.Thread(target=self._start_when_ready, daemon=True).start()

    def _start_when_ready(self) -> None:
        deadline = time.monotonic() + 120
        while not self._stopped.is_set() and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self._base_url}/healthz", timeout=2):
                    break
            except OSError:
                time.sleep(0.5)
        if self._stopped.is_set():
            return
        print("Starting the city simulator (vigie sim run --via http, real time)…", flush=True)
        self._process = subprocess.Popen(
            [sys.executable, "-m", "vigie.cli.main", "sim", "run", "--via", "http",
             "--url", self._base_url, *self._mqtt, "--quiet"],
            env={**os.environ, "VIGIE_SIM_TOKEN": self._token},
        )  # fmt: skip

    def stop(self) -> None:
        self._stopped.set()
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGINT)
            try:
                self._process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self._process.kill()
