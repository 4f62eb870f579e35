"""`vigie traffic evaluate`: Vigie's bus priority against fixed time, in SUMO."""

from __future__ import annotations

import math

import typer
from rich.console import Console

from vigie.domains.traffic.priority import PriorityConfig

app = typer.Typer(help="Traffic signals and bus priority.", no_args_is_help=True)
console = Console(highlight=False)
errors = Console(stderr=True, highlight=False)


def lateness_threshold_s(text: str) -> float | None:
    if text.lower() in {"none", "off", "always"}:
        return None
    try:
        value = float(text)
    except ValueError:
        errors.print("[red]Refused:[/red] --lateness-threshold takes seconds or 'none'")
        raise typer.Exit(2) from None
    if not math.isfinite(value):
        errors.print("[red]Refused:[/red] --lateness-threshold must be finite")
        raise typer.Exit(2)
    return value


@app.command("priority")
def priority_command(
    mqtt_url: str = typer.Option(
        "mqtt://127.0.0.1:1883", envvar="VIGIE_MQTT_URL", help="The broker of the device protocol."
    ),
    lateness_threshold: str = typer.Option(
        "0", help="Buses at least this late (s) ask for priority; 'none': every bus."
    ),
) -> None:
    """Live bus priority: buses' positions from the broker, requests to the controllers on
    their `.../priority` topics, until Ctrl-C."""
    import threading
    from datetime import UTC, datetime

    from vigie.domains.traffic.priority_link.mqtt import PriorityLink
    from vigie.domains.traffic.priority_link.wiring import build_live_priority
    from vigie.runtime import Runtime
    from vigie.runtime.store import open_store

    engine = open_store()
    live = build_live_priority(
        engine,
        datetime.now(UTC),
        PriorityConfig(lateness_threshold_s=lateness_threshold_s(lateness_threshold)),
    )
    engine.dispose()
    link = PriorityLink(mqtt_url, live)
    runtime = Runtime([link])
    runtime.start()
    console.print(
        f"Bus priority: {len(live.server.intersections())} equipped junctions on "
        f"{len(live.tracker.lines)} lines; listening on {mqtt_url}"
    )
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        runtime.stop()
        console.print(f"{link.published} requests sent")
