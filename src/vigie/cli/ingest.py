"""`vigie ingest`: one MQTT ingest worker, until SIGTERM or Ctrl-C.

Run several (on one host or many), each with its own `--worker` number (or `--client-id`):
they share the telemetry subscription and the broker splits the stream between them. Two
workers given the same id would take the session from each other in turn.
"""

from __future__ import annotations

import logging
import signal
import time
from types import FrameType

import typer

from vigie.adapters.mqtt.settings import MqttSettings, MqttSettingsError
from vigie.core.heap import freeze_long_lived_objects
from vigie.core.settings import SettingsError, load_settings
from vigie.runtime import Runtime

log = logging.getLogger("vigie.ingest")


def ingest(
    url: str | None = typer.Option(
        None,
        help="Broker, mqtt://host:port or mqtt://user:password@host:port (mqtts:// for TLS) "
        "[VIGIE_MQTT_URL or mqtt://127.0.0.1:1883].",
    ),
    client_id: str | None = typer.Option(
        None,
        help="Fixed MQTT client id of this worker: its session survives restarts "
        "[VIGIE_MQTT_CLIENT_ID or vigie-ingest-<host name>-<worker>].",
    ),
    number: int = typer.Option(
        1,
        "--worker",
        min=1,
        max=999,
        help="This worker's number on its host, for its default client id.",
    ),
    batch_size: int | None = typer.Option(
        None, help="Most messages per store transaction [VIGIE_MQTT_BATCH_SIZE or 1000]."
    ),
    batch_ms: int | None = typer.Option(
        None,
        help="Longest wait for a batch to fill, from its first message "
        "[VIGIE_MQTT_BATCH_MS or 10].",
    ),
    inflight: int | None = typer.Option(
        None,
        help="Most unacknowledged deliveries (MQTT 5 Receive Maximum) "
        "[VIGIE_MQTT_INFLIGHT or 10000].",
    ),
) -> None:
    """Ingest device telemetry from the MQTT broker into the store (acknowledging each message
    only once it is committed)."""
    from vigie.adapters.mqtt.worker import IngestWorker
    from vigie.core.bus import EventBus
    from vigie.core.clock import SystemClock
    from vigie.runtime.store import open_store
    from vigie.telemetry.pipeline import Pipeline

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        configured = load_settings()
        settings = MqttSettings.from_settings(
            configured,
            url=url,
            client_id=client_id,
            worker=number,
            batch_size=batch_size,
            batch_ms=batch_ms,
            inflight=inflight,
        )
    except (MqttSettingsError, SettingsError) as error:
        raise typer.BadParameter(str(error)) from None

    stop_requested: list[int] = []

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        # Only note it: a signal handler that takes locks can deadlock the thread it interrupts.
        stop_requested.append(signum)

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)

    engine = open_store(configured)
    pipeline = Pipeline(engine, SystemClock(), EventBus())
    freeze_long_lived_objects()
    worker = IngestWorker(pipeline, settings)
    runtime = Runtime([pipeline, worker])
    log.info(
        "ingest worker %s: broker %s, batches of up to %d messages or %d ms, %d known reporters",
        settings.client_id,
        settings.broker,
        settings.batch_size,
        settings.batch_ms,
        len(pipeline.reporters),
    )
    runtime.start()
    try:
        while not stop_requested and worker.running:
            time.sleep(0.2)
        if stop_requested:
            log.info("stopping (signal %d): finishing the batch in hand", stop_requested[0])
    finally:
        runtime.stop()
        engine.dispose()
    stats = worker.stats
    log.info(
        "stopped: %d messages in %d batches, %d readings stored, %d duplicates, %d rejected, "
        "%d acknowledged",
        stats.ingested,
        stats.batches,
        stats.stored,
        stats.duplicates,
        stats.rejected,
        stats.acknowledged,
    )
    if not stop_requested:
        raise typer.Exit(1)  # the ingest thread died: let the supervisor restart the process
