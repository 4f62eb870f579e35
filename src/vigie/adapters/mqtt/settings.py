"""Settings of an MQTT ingest worker, from Vigie's settings (`VIGIE_MQTT_*`)."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from paho.mqtt.client import Client

from vigie.core.settings import DEFAULT_MQTT_URL, Settings, SettingsError, load_settings

DEFAULT_URL = DEFAULT_MQTT_URL
#: The broker keeps a worker's session (subscription and unacknowledged messages) this long
#: after it disconnects: long enough to ride out a restart, a deploy or a night's outage.
DEFAULT_SESSION_EXPIRY_S = 7 * 24 * 3600
DEFAULT_BATCH_SIZE = 1_000
#: Longest wait for a batch to fill. Under load batches fill before it; at the Dijon peak it
#: is most of the ingest-to-twin latency.
DEFAULT_BATCH_MS = 10
#: MQTT 5 Receive Maximum caps how many deliveries wait for our acknowledgement; it must be
#: larger than a batch, or the broker stops sending while we commit (and it cannot exceed
#: 65,535, the number of packet ids).
DEFAULT_INFLIGHT = 10_000


class MqttSettingsError(ValueError):
    """A setting that cannot work (bad URL, out-of-range number)."""


@dataclass(frozen=True)
class BrokerAddress:
    host: str
    port: int
    tls: bool = False
    username: str | None = None
    password: str | None = None

    def __str__(self) -> str:
        # Never show the password in logs.
        scheme = "mqtts" if self.tls else "mqtt"
        user = f"{self.username}@" if self.username else ""
        return f"{scheme}://{user}{self.host}:{self.port}"


def parse_broker_url(url: str) -> BrokerAddress:
    """`mqtt://[user[:password]@]host[:port]` (1883) or `mqtts://…` (TLS, 8883)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise MqttSettingsError(f"bad MQTT URL {url!r}: {error}") from None
    if parts.scheme not in ("mqtt", "mqtts"):
        raise MqttSettingsError(f"bad MQTT URL {url!r}: the scheme must be mqtt or mqtts")
    if not parts.hostname:
        raise MqttSettingsError(f"bad MQTT URL {url!r}: no host")
    tls = parts.scheme == "mqtts"
    return BrokerAddress(
        host=parts.hostname,
        port=port or (8883 if tls else 1883),
        tls=tls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def default_client_id(worker: int = 1) -> str:
    """Stable across restarts of a worker on the same host, so its session is found again;
    several workers on one host are told apart by their number (`vigie ingest --worker N`)."""
    host = socket.gethostname()[:48]
    return f"vigie-ingest-{host}-{worker}"


@dataclass(frozen=True)
class MqttSettings:
    broker: BrokerAddress
    client_id: str
    session_expiry_s: int = DEFAULT_SESSION_EXPIRY_S
    batch_size: int = DEFAULT_BATCH_SIZE
    batch_ms: int = DEFAULT_BATCH_MS
    inflight: int = DEFAULT_INFLIGHT
    keepalive_s: int = 30
    reconnect_min_s: int = 1
    reconnect_max_s: int = 30

    def __post_init__(self) -> None:
        if not self.client_id or len(self.client_id.encode()) > 65_535:
            raise MqttSettingsError("the client id must be 1 to 65,535 bytes")
        if not 1 <= self.batch_size <= 100_000:
            raise MqttSettingsError("the batch size must be 1 to 100,000 messages")
        if not 0 <= self.batch_ms <= 60_000:
            raise MqttSettingsError("the batch time must be 0 to 60,000 ms")
        if not 1 <= self.inflight <= 65_535:
            raise MqttSettingsError("the in-flight window must be 1 to 65,535 messages")
        if not 0 <= self.session_expiry_s <= 0xFFFFFFFF:
            raise MqttSettingsError("the session expiry must be 0 to 4,294,967,295 s")

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        url: str | None = None,
        client_id: str | None = None,
        worker: int = 1,
        batch_size: int | None = None,
        batch_ms: int | None = None,
        inflight: int | None = None,
        session_expiry_s: int | None = None,
    ) -> MqttSettings:
        """From Vigie's settings (`VIGIE_MQTT_*`); arguments that are not None win."""
        return cls(
            broker=parse_broker_url(url or settings.mqtt_url or DEFAULT_URL),
            client_id=client_id or settings.mqtt_client_id or default_client_id(worker),
            session_expiry_s=_pick(session_expiry_s, settings.mqtt_session_expiry_s),
            batch_size=_pick(batch_size, settings.mqtt_batch_size),
            batch_ms=_pick(batch_ms, settings.mqtt_batch_ms),
            inflight=_pick(inflight, settings.mqtt_inflight),
        )

    @classmethod
    def from_env(cls, **overrides: Any) -> MqttSettings:
        """From the environment, read now (`vigie.core.settings`); `overrides` as above."""
        try:
            settings = load_settings()
        except SettingsError as error:
            raise MqttSettingsError(str(error)) from None
        return cls.from_settings(settings, **overrides)


def _pick(given: int | None, configured: int) -> int:
    return configured if given is None else given


def sign_in(client: Client, url: str) -> BrokerAddress:
    """Give a paho client the credentials (and TLS) a broker URL carries; the address, to
    connect to. For the clients that are not `MqttClient`s: tests, benchmarks, the lab."""
    address = parse_broker_url(url)
    if address.username is not None:
        client.username_pw_set(address.username, address.password)
    if address.tls:
        client.tls_set()
    return address
