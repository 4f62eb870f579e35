"""`vigie demo`: the control centre on the generated Dijon twin, ready to log in to."""

from __future__ import annotations

import secrets
import signal
import subprocess
import sys
import threading
import urllib.request

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.engine import Connection
from tenacity import (
    RetryError,
    Retrying,
    retry_if_exception_type,
    stop_after_delay,
    stop_when_event_set,
    wait_fixed,
)

from vigie.adapters.mqtt.broker import LocalBroker, find_mosquitto
from vigie.auth.roles import Role
from vigie.auth.tokens import issue_token
from vigie.auth.users import add_user
from vigie.cli import city
from vigie.core.clock import SystemClock
from vigie.core.service import Health
from vigie.core.settings import Settings, SettingsError, load_settings
from vigie.registry.assets import count_assets
from vigie.runtime.store import open_store
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
    try:
        settings = load_settings()
    except SettingsError as error:
        raise typer.BadParameter(str(error)) from None
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
    from vigie.cli.serve import run_server

    broker = _command_broker(settings) if simulator_token else None
    if broker is not None:
        # The server's ingest and dispatcher use it: told through its settings.
        settings = settings.model_copy(update={"mqtt_url": broker.url})
    services = (
        [_SimulatorBeside(settings, base, simulator_token, broker.url if broker else None)]
        if simulator_token
        else []
    )
    try:
        # Without the simulator's hundreds of requests a minute in the console.
        run_server(settings, access_log=not simulate, services=services)
    finally:
        if broker is not None:
            broker.stop()


def _command_broker(settings: Settings) -> LocalBroker | None:
    """A private Mosquitto on loopback for commands to the simulated devices (the server's
    dispatcher and the devices' acknowledgements), when one is installed and no broker is
    configured; without it the demo runs, but commands stay pending."""
    if settings.mqtt_url:
        return None
    if find_mosquitto() is None:
        print("No mosquitto installed: commands to the simulated devices will stay pending "
              "(`apt-get install mosquitto`, or set VIGIE_MQTT_URL).", flush=True)  # fmt: skip
        return None
    broker = LocalBroker(settings.var_dir / "mosquitto")
    broker.start()
    print(
        f"Devices and commands go through a private Mosquitto at {broker.anonymous_url} "
        "(no anonymous access: `vigie devices credentials ASSET` issues a device's)",
        flush=True,
    )
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
    """`vigie sim run` in a child process, started once the server answers, stopped with it
    (a `Service` of the server's runtime). With a broker, the simulated devices also take
    commands from it and acknowledge them."""

    name = "simulator"

    def __init__(
        self, settings: Settings, base_url: str, token: str, mqtt_url: str | None = None
    ) -> None:
        self._settings = settings
        self._base_url = base_url
        self._token = token
        self._mqtt = ["--mqtt-url", mqtt_url] if mqtt_url else []
        self._process: subprocess.Popen[bytes] | None = None
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._start_when_ready, daemon=True)
        self._thread.start()

    def health(self) -> Health:
        process = self._process
        if process is None:
            return Health(self.name, True, "waiting for the server")
        code = process.poll()
        return Health(self.name, code is None, "" if code is None else f"exited with {code}")

    def _pause(self, seconds: float) -> None:
        self._stopped.wait(seconds)

    def _start_when_ready(self) -> None:
        try:
            for attempt in Retrying(
                retry=retry_if_exception_type(OSError),
                wait=wait_fixed(0.5),
                stop=stop_after_delay(120) | stop_when_event_set(self._stopped),
                sleep=self._pause,
            ):
                with attempt, urllib.request.urlopen(f"{self._base_url}/healthz", timeout=2):
                    pass
        except RetryError:
            pass  # as before: start it anyway, unless stopping
        if self._stopped.is_set():
            return
        print("Starting the city simulator (vigie sim run --via http, real time)…", flush=True)
        self._process = subprocess.Popen(
            [sys.executable, "-m", "vigie.cli.main", "sim", "run", "--via", "http",
             "--url", self._base_url, *self._mqtt, "--quiet"],
            env=self._settings.child_env(VIGIE_SIM_TOKEN=self._token),
        )  # fmt: skip

    def stop(self) -> None:
        self._stopped.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGINT)
            try:
                self._process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self._process.kill()
