"""The services of a Vigie server process, in start order.

    alarms → pipeline → time-series upkeep → MQTT ingest → command dispatcher → extra

Stopped in reverse: the domains' extra services and the MQTT edges first, then the upkeep,
then the pipeline (its writer finishes the batches in hand, heard by the alarm engine), then
the alarm engine.
"""

from __future__ import annotations

import socket
from collections.abc import Sequence

from sqlalchemy.engine import Engine

from vigie.adapters.mqtt.settings import MqttSettings, parse_broker_url
from vigie.adapters.mqtt.worker import IngestWorker
from vigie.alarms.wiring import AlarmService
from vigie.commands.wiring import CommandService
from vigie.core.bus import EventBus
from vigie.core.clock import Clock
from vigie.core.service import Service
from vigie.core.settings import Settings
from vigie.telemetry.pipeline import Pipeline
from vigie.timeseries.maintenance import Maintenance


def server_services(
    settings: Settings,
    *,
    engine: Engine,
    clock: Clock,
    bus: EventBus,
    pipeline: Pipeline,
    real_time: bool,
    extra: Sequence[Service] = (),
) -> list[Service]:
    """What `vigie serve` (and `vigie demo`) runs beside the API.

    - the alarm engine on the pipeline's bus, ticked every second on real time (a simulated
      clock is ticked by whoever moves it);
    - the pipeline's background threads (WAL checkpoints, group-commit writer);
    - on real time, the time-series upkeep (rollups every minute, retention every hour);
    - with `settings.mqtt_url`, an MQTT ingest worker feeding the same pipeline and the
      command dispatcher, each with its own MQTT session;
    - `extra`: services the caller brings (a domain's link, the demo's simulator).
    """
    alarms = AlarmService(engine, clock, bus, tick_every_s=1.0 if real_time else None)
    services: list[Service] = [alarms, pipeline]
    if real_time:
        services.append(
            Maintenance(
                engine,
                clock,
                retention_days=settings.raw_retention_days,
                dead_letter_retention_days=settings.dead_letter_retention_days,
            )
        )
    if settings.mqtt_url:
        # Its own session, apart from any `vigie ingest` worker on the same host.
        client_id = settings.mqtt_client_id or f"vigie-serve-{socket.gethostname()}"
        mqtt = MqttSettings.from_settings(settings, client_id=client_id[:64])
        services.append(IngestWorker(pipeline, mqtt, stall_after_s=settings.intake_stall_s))
        services.append(
            CommandService(
                engine, clock, parse_broker_url(settings.mqtt_url), client_id[:50] + "-commands"
            )
        )
    services.extend(extra)
    return services
