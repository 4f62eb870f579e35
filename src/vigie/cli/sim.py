"""`vigie sim run`: the city simulator — every asset of the twin reporting like a real device,
through the device protocol only (HTTP batches or MQTT), with faults and commands."""

from __future__ import annotations

import os
import re
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from vigie.core.settings import Settings
from vigie.runtime.store import open_store

if TYPE_CHECKING:  # the lab is imported by the command itself, when it runs
    from vigie.lab.runner import Progress

app = typer.Typer(help="The city simulator.", no_args_is_help=True)
console = Console(stderr=True)


@app.callback()
def simulator() -> None:
    """The city simulator: the twin's devices reporting through the device protocol."""


_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(d|h|min|m|s)", re.IGNORECASE)
_UNIT_S = {"d": 86_400.0, "h": 3_600.0, "m": 60.0, "min": 60.0, "s": 1.0}
DEFAULT_MQTT_URL = "mqtt://127.0.0.1:1883"


class Via(StrEnum):
    HTTP = "http"
    MQTT = "mqtt"


def parse_duration(text: str) -> timedelta:
    """`10h`, `90m`, `1h30m`, `2d`, `45s` (or plain seconds) as a timedelta."""
    cleaned = text.strip().lower()
    try:
        seconds = float(cleaned)
    except ValueError:
        parts = _DURATION.findall(cleaned)
        if not parts or _DURATION.sub("", cleaned).strip():
            raise ValueError(f"not a duration: {text!r} (try 10h, 90m, 1h30m, 2d)") from None
        seconds = sum(float(n) * _UNIT_S[unit] for n, unit in parts)
    if not seconds > 0:
        raise ValueError(f"the duration must be positive, not {text!r}")
    return timedelta(seconds=seconds)


def _show(progress: Progress) -> None:
    lag = f", {progress.lag_s:,.0f} s behind" if progress.lag_s > 5 else ""
    rate = progress.readings / progress.wall_s if progress.wall_s > 0 else 0.0
    console.print(
        f"{progress.sim_time:%Y-%m-%d %H:%M:%S}Z  {progress.readings:,} readings "
        f"({rate:,.0f}/s){lag}  faults {progress.faults} ({progress.active_faults} active)",
        highlight=False,
        soft_wrap=True,
    )


@app.command("run")
def run_command(
    speed: float = typer.Option(1.0, min=0.001, help="Simulated seconds per wall second."),
    via: Via = typer.Option(Via.HTTP, help="How devices talk to Vigie."),
    faults: str = typer.Option(
        "1", help="Fault rate multiplier (0 = none) or a TOML/JSON file of rates."
    ),
    duration: str | None = typer.Option(
        None, help="Simulated time to run (10h, 90m, 2d); default: until Ctrl-C."
    ),
    start: str | None = typer.Option(
        None,
        help="Simulated start (RFC 3339); default: now at speed 1, else now minus the "
        "duration (a fast run never gets ahead of the wall clock).",
    ),
    url: str | None = typer.Option(
        None, help="Vigie's base URL for --via http [VIGIE_SIM_URL or the local server]."
    ),
    token: str | None = typer.Option(
        None, envvar="VIGIE_SIM_TOKEN", help="Bearer machine token for --via http."
    ),
    mqtt_url: str | None = typer.Option(
        None, help=f"Broker for --via mqtt and commands [VIGIE_MQTT_URL or {DEFAULT_MQTT_URL}]."
    ),
    commands: bool | None = typer.Option(
        None,
        "--commands/--no-commands",
        help="Obey commands from MQTT (default: with --via mqtt, or when --mqtt-url is given).",
    ),
    seed: int = typer.Option(2017, min=0, help="Same seed, same readings and faults."),
    ground_truth: Path | None = typer.Option(
        None, help="JSON Lines file of injected faults [var/sim/ground_truth.jsonl]."
    ),
    totals: Path | None = typer.Option(None, help="Write the run's totals (JSON) here."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress lines."),
) -> None:
    """Make every asset of the twin report at its real rate and behaviour, with faults."""
    from vigie.lab.faults.config import parse_faults
    from vigie.lab.runner import RunConfig, run
    from vigie.lab.transport import CommandChannel, HttpSender, MqttLink, MqttSender, Sender

    settings = Settings.from_env()
    try:
        fault_config = parse_faults(faults)
        span = parse_duration(duration) if duration else None
        began = datetime.fromisoformat(start) if start else None
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None
    if began is not None and began.tzinfo is None:
        raise typer.BadParameter("give the start with its UTC offset", param_hint="--start")
    broker = mqtt_url or settings.mqtt_url or DEFAULT_MQTT_URL
    if via is Via.HTTP and not token:
        console.print(
            "[red]--via http needs a machine token[/red] (--token or VIGIE_SIM_TOKEN): "
            "`vigie users add sim --role device` then `vigie users token sim --name simulator`."
        )
        raise typer.Exit(2)
    config = RunConfig(
        seed=seed,
        speed=speed,
        start=began,
        duration=span,
        faults=fault_config,
        ground_truth=ground_truth or settings.var_dir / "sim" / "ground_truth.jsonl",
        totals=totals,
    )
    listen = commands if commands is not None else (via is Via.MQTT or mqtt_url is not None)
    engine = open_store(settings)
    link: MqttLink | None = None
    try:
        if via is Via.MQTT or listen:
            try:
                link = MqttLink(broker, client_id=f"vigie-sim-{os.getpid()}", commands=listen)
            except (OSError, ConnectionError) as error:
                console.print(f"[red]Cannot reach the MQTT broker {broker}: {error}[/red]")
                raise typer.Exit(1) from None
        sender: Sender
        if via is Via.MQTT:
            assert link is not None
            sender = MqttSender(link)
        else:
            base = url or settings.sim_url or (f"http://{settings.http_host}:{settings.http_port}")
            sender = HttpSender.to(base, token)
        channel: CommandChannel | None = link if listen else None
        result = run(engine, config, sender, commands=channel, on_progress=None if quiet else _show)
    finally:
        if link is not None and via is not Via.MQTT:
            link.close()  # the MQTT sender closes its own link
        engine.dispose()
    delivery = result["delivery"]
    energy = result["energy_wh"]["by_type"]
    console.print(
        f"Simulated {result['start']} → {result['end']}: {result['readings']:,} readings, "
        f"{delivery['readings_delivered']:,} delivered, {delivery['readings_failed']:,} failed; "
        f"faults injected: {result['faults']['injected']}; ground truth: {config.ground_truth}",
        highlight=False,
        soft_wrap=True,
    )
    for kind, wh in energy.items():
        console.print(f"  energy {kind}: {wh / 1000:,.3f} kWh", highlight=False)
    if delivery["last_error"]:
        console.print(f"[yellow]last delivery error: {delivery['last_error']}[/yellow]")
