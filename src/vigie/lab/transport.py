"""How the simulator's devices reach Vigie: over HTTP (batched, gateway style, with a bearer
machine token), over MQTT (QoS 1, a bounded window of unacknowledged messages, luminaires'
readings batched per cabinet gateway), or straight into an in-process ingest pipeline (tests,
`vigie alarms score`). And how they hear commands: an MQTT subscription to
`vigie/+/+/+/cmd`, answered on `.../cmd/ack`.

Every sender takes the simulation's readings with `send` (which may block: backpressure when
Vigie is slower than the simulation), ships what it still holds on `flush`, and counts what
was delivered in `stats`.
"""

from __future__ import annotations

import http.client
import logging
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Protocol
from urllib.parse import urlsplit

import msgspec
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from vigie.lab.devices.base import Reading
from vigie.lab.devices.wire import HTTP_BATCH_READINGS, http_bodies, mqtt_messages
from vigie.protocol.commands import COMMAND_FILTER, ack_topic
from vigie.protocol.telemetry import TELEMETRY_PATH
from vigie.protocol.topics import parse_topic
from vigie.telemetry.pipeline import Pipeline, RawMessage

log = logging.getLogger(__name__)

#: Unacknowledged QoS 1 messages at most (MQTT packet ids are 16-bit: 65,535 is the hard cap).
MQTT_WINDOW = 2_000
#: Waits between attempts of a post the server could not take (overloaded, unreachable).
RETRY_DELAYS_S = (0.5, 1.0, 2.0, 4.0, 8.0)
#: Concurrent posts to a server (it ingests what arrives together in one transaction). The
#: city has hundreds of gateways posting at once; 8 lets a commit gather up to 8 bodies, and
#: a larger commit costs fewer written pages per reading (one simulated hour at speed 120:
#: 94-98 s with 3, 72-75 s with 8, 60-80 s with 16; see docs/benchmarks.md).
HTTP_CONNECTIONS = 8
#: How long a post may wait for its answer: longer than the server waits for the store's
#: write lock (30 s, then it answers 503 and the post is retried).
HTTP_TIMEOUT_S = 120.0

#: post(body) -> (HTTP status, response body); the default speaks HTTP/1.1 with keep-alive.
PostFn = Callable[[bytes], tuple[int, bytes]]


@dataclass
class SendStats:
    messages: int = 0  # requests or MQTT messages acknowledged
    readings: int = 0  # readings in them
    failed_readings: int = 0
    retries: int = 0
    last_error: str | None = None
    server: Counter[str] = field(default_factory=Counter)  # counts the server answered

    def as_dict(self) -> dict[str, Any]:
        return {
            "messages": self.messages,
            "readings_delivered": self.readings,
            "readings_failed": self.failed_readings,
            "retries": self.retries,
            "last_error": self.last_error,
            "server": dict(self.server),
        }


class Sender(Protocol):
    stats: SendStats

    def send(self, readings: Sequence[Reading]) -> None: ...
    def flush(self) -> None: ...
    def close(self) -> None: ...


class CommandChannel(Protocol):
    def pending_commands(self) -> list[tuple[str, bytes]]:
        """(asset id, payload) of the commands received since the last call."""
        ...

    def publish_ack(self, asset_id: str, payload: bytes) -> None: ...


# -- HTTP --------------------------------------------------------------------------------


def http_post(url: str, token: str | None, timeout_s: float = HTTP_TIMEOUT_S) -> PostFn:
    """A keep-alive HTTP(S) poster for `url`, reconnecting after any error."""
    parts = urlsplit(url)
    secure = parts.scheme == "https"
    host, port = parts.hostname or "127.0.0.1", parts.port or (443 if secure else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    holder: list[http.client.HTTPConnection] = []

    def post(body: bytes) -> tuple[int, bytes]:
        if not holder:
            make = http.client.HTTPSConnection if secure else http.client.HTTPConnection
            holder.append(make(host, port, timeout=timeout_s))
        connection = holder[0]
        try:
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException):
            connection.close()
            holder.clear()
            raise

    return post


class HttpSender:
    """Batches readings into JSON arrays of ~1,000 and posts them from worker threads, one per
    poster (each its own keep-alive connection: the server ingests concurrent requests in one
    transaction); at most `depth` requests wait, so a slow server slows the simulation down."""

    def __init__(
        self,
        post: PostFn | Sequence[PostFn],
        *,
        depth: int | None = None,
        retry_delays_s: Sequence[float] = RETRY_DELAYS_S,
    ) -> None:
        posters = [post] if callable(post) else list(post)
        self.stats = SendStats()
        self._stats_lock = threading.Lock()
        self._delays = tuple(retry_delays_s)
        self._buffer: list[Reading] = []
        self._queue: queue.Queue[tuple[bytes, int] | None] = queue.Queue(
            maxsize=depth or 2 * len(posters) + 2
        )
        self._workers = [
            threading.Thread(
                target=self._work, args=(poster,), name=f"vigie-sim-http-{k}", daemon=True
            )
            for k, poster in enumerate(posters)
        ]
        for worker in self._workers:
            worker.start()

    @classmethod
    def to(
        cls, base_url: str, token: str | None, *, connections: int = HTTP_CONNECTIONS
    ) -> HttpSender:
        url = base_url.rstrip("/") + TELEMETRY_PATH
        return cls([http_post(url, token) for _ in range(connections)])

    def send(self, readings: Sequence[Reading]) -> None:
        self._buffer.extend(readings)
        while len(self._buffer) >= HTTP_BATCH_READINGS:
            self._ship(self._buffer[:HTTP_BATCH_READINGS])
            del self._buffer[:HTTP_BATCH_READINGS]

    def flush(self) -> None:
        if self._buffer:
            self._ship(self._buffer)
            self._buffer = []

    def _ship(self, readings: Sequence[Reading]) -> None:
        for body, count in http_bodies(readings):
            self._queue.put((body, count))

    def close(self) -> None:
        self.flush()
        for _ in self._workers:
            self._queue.put(None)
        for worker in self._workers:
            worker.join()

    def _work(self, post: PostFn) -> None:
        while (item := self._queue.get()) is not None:
            body, count = item
            self._deliver(post, body, count)

    def _deliver(self, post: PostFn, body: bytes, count: int) -> None:
        for attempt, delay in enumerate((*self._delays, None)):
            try:
                status, answer = post(body)
            except (OSError, http.client.HTTPException) as error:
                status, answer = 0, str(error).encode()
            if 200 <= status < 300:
                self._count_answer(count, answer)
                return
            error_text = f"HTTP {status}: {answer[:300].decode(errors='replace')}"
            retryable = status in (0, 429, 502, 503, 504)
            with self._stats_lock:
                self.stats.last_error = error_text
                if retryable and delay is not None:
                    self.stats.retries += 1
            if not retryable or delay is None:
                break
            if attempt == 0:
                log.warning("telemetry post failed (%s), retrying", error_text)
            time.sleep(delay)
        with self._stats_lock:
            self.stats.failed_readings += count
        log.error("telemetry post dropped %d readings: %s", count, self.stats.last_error)

    def _count_answer(self, count: int, answer: bytes) -> None:
        try:
            counts = msgspec.json.decode(answer)
        except msgspec.DecodeError:
            counts = None
        with self._stats_lock:
            self.stats.messages += 1
            self.stats.readings += count
            if isinstance(counts, dict):
                for key, value in counts.items():
                    if isinstance(value, int) and not isinstance(value, bool):
                        self.stats.server[key] += value


# -- MQTT --------------------------------------------------------------------------------


class MqttLink:
    """One MQTT connection for the simulator: QoS 1 publishing through a bounded window,
    and (optionally) the command subscription."""

    def __init__(
        self,
        url: str,
        *,
        client_id: str = "vigie-sim",
        window: int = MQTT_WINDOW,
        commands: bool = True,
        connect_timeout_s: float = 10.0,
    ) -> None:
        parts = urlsplit(url if "://" in url else f"mqtt://{url}")
        self.stats = SendStats()
        self._window = threading.BoundedSemaphore(window)
        self._lock = threading.Lock()
        self._pending: dict[int, int] = {}  # packet id -> readings in it
        self._early: set[int] = set()  # acknowledged before publish() returned its id
        self._inbox: queue.SimpleQueue[tuple[str, bytes]] = queue.SimpleQueue()
        self._connected = threading.Event()
        self._commands = commands
        self._closing = False
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
        if parts.username:
            client.username_pw_set(parts.username, parts.password)
        if parts.scheme == "mqtts":
            client.tls_set()
        client.max_inflight_messages_set(window)
        client.max_queued_messages_set(0)  # no cap here: the window bounds what is queued
        client.reconnect_delay_set(1, 30)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_publish = self._on_publish
        client.on_message = self._on_message
        client.on_subscribe = self._on_subscribe
        self.client = client
        default_port = 8883 if parts.scheme == "mqtts" else 1883
        client.connect(parts.hostname or "127.0.0.1", parts.port or default_port, keepalive=30)
        client.loop_start()
        if not self._connected.wait(connect_timeout_s):
            client.loop_stop()
            raise ConnectionError(f"no answer from the MQTT broker at {url}")

    def _on_connect(self, client: mqtt.Client, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        if getattr(reason, "is_failure", False):
            log.error("MQTT connection refused: %s", reason)
            return
        if self._commands:
            # Connected once the broker confirms the subscription (`_on_subscribe`): a
            # command sent between CONNACK and SUBACK would otherwise be lost.
            client.subscribe(COMMAND_FILTER, qos=1)
        else:
            self._connected.set()

    def _on_subscribe(self, _c: mqtt.Client, _u: Any, _mid: int, codes: Any, _p: Any) -> None:
        if any(getattr(code, "is_failure", False) for code in codes):
            log.error("MQTT subscription to %s refused: %s", COMMAND_FILTER, codes)
            return
        self._connected.set()

    def _on_disconnect(self, _c: mqtt.Client, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        self._connected.clear()
        if not self._closing:
            log.warning("MQTT connection lost (%s); reconnecting", reason)

    def _on_publish(self, _c: mqtt.Client, _u: Any, mid: int, _r: Any, _p: Any) -> None:
        with self._lock:
            count = self._pending.pop(mid, None)
            if count is None:
                self._early.add(mid)
            else:
                self.stats.messages += 1
                self.stats.readings += count
        self._window.release()

    def _on_message(self, _c: mqtt.Client, _u: Any, message: mqtt.MQTTMessage) -> None:
        topic = parse_topic(message.topic)
        if topic is not None and topic.channel == "cmd":
            self._inbox.put((topic.asset_id, bytes(message.payload)))

    def publish(self, topic: str, payload: bytes, readings: int = 0) -> None:
        """Publish at QoS 1, waiting while the window is full."""
        while not self._window.acquire(timeout=0.5):
            pass  # a short timeout keeps Ctrl-C responsive while the broker catches up
        mid = self.client.publish(topic, payload, qos=1).mid
        with self._lock:
            if mid in self._early:
                self._early.discard(mid)
                self.stats.messages += 1
                self.stats.readings += readings
            else:
                self._pending[mid] = readings

    def pending_commands(self) -> list[tuple[str, bytes]]:
        found = []
        while not self._inbox.empty():
            found.append(self._inbox.get_nowait())
        return found

    def publish_ack(self, asset_id: str, payload: bytes) -> None:
        self.publish(ack_topic(asset_id), payload)

    def close(self, drain_timeout_s: float = 15.0) -> None:
        """Wait for what is in flight to be acknowledged, then disconnect."""
        deadline = time.monotonic() + drain_timeout_s
        while time.monotonic() < deadline:
            with self._lock:
                if not self._pending:
                    break
            time.sleep(0.05)
        with self._lock:
            lost = sum(self._pending.values())
        if lost:
            self.stats.failed_readings += lost
            self.stats.last_error = f"{lost} readings unacknowledged at the end"
        self._closing = True
        self.client.disconnect()
        self.client.loop_stop()


class MqttSender:
    """Devices publish on their own topic; luminaires' readings wait in their cabinet's
    gateway until `flush` (the runner flushes a few times a second) and go as one batch."""

    def __init__(self, link: MqttLink) -> None:
        self.link = link
        self.stats = link.stats
        self._gateway: list[Reading] = []

    def send(self, readings: Sequence[Reading]) -> None:
        own = [r for r in readings if r.gateway is None]
        self._gateway.extend(r for r in readings if r.gateway is not None)
        for topic, payload, count in mqtt_messages(own):
            self.link.publish(topic, payload, count)

    def flush(self) -> None:
        batch, self._gateway = self._gateway, []
        for topic, payload, count in mqtt_messages(batch):
            self.link.publish(topic, payload, count)

    def close(self) -> None:
        self.flush()
        self.link.close()


# -- in process --------------------------------------------------------------------------


class FollowingClock:
    """The time of the latest reading sent: the clock of an in-process pipeline fed by a
    simulation running faster than real time (its readings are then never "in the future"
    nor "too old")."""

    def __init__(self, start: datetime) -> None:
        self._now = start

    def now(self) -> datetime:
        return self._now

    def follow(self, t_s: float) -> None:
        moment = datetime.fromtimestamp(t_s, UTC)
        if moment > self._now:
            self._now = moment


class PipelineSender:
    """Feeds an in-process `Pipeline` the very bytes the devices would send (HTTP arrays or
    MQTT messages): the real validation, no network. Give the pipeline and this sender the
    same `FollowingClock` when the simulation runs faster than real time."""

    def __init__(
        self,
        pipeline: Pipeline,
        *,
        via: Literal["http", "mqtt"] = "http",
        clock: FollowingClock | None = None,
    ) -> None:
        self.pipeline = pipeline
        self.via = via
        self.clock = clock
        self.stats = SendStats()
        self.rejections: list[str] = []
        self._buffer: list[Reading] = []

    def send(self, readings: Sequence[Reading]) -> None:
        self._buffer.extend(readings)
        if len(self._buffer) >= HTTP_BATCH_READINGS:
            self.flush()

    def flush(self) -> None:
        batch, self._buffer = self._buffer, []
        if not batch:
            return
        latest_s = max(r.ts_s for r in batch)
        if self.clock is not None:
            self.clock.follow(latest_s)
        now = datetime.fromtimestamp(latest_s, UTC)
        if self.via == "http":
            messages = [
                RawMessage("http", body, now, body_format="json") for body, _ in http_bodies(batch)
            ]
        else:
            messages = []
            for topic, payload, _ in mqtt_messages(batch):
                parsed = parse_topic(topic)
                asset = parsed.asset_id if parsed else None
                messages.append(RawMessage("mqtt", payload, now, "mqtt", topic, asset))
        result = self.pipeline.ingest(messages)
        self.stats.messages += len(messages)
        self.stats.readings += len(batch)
        self.stats.server.update(
            stored=result.stored, duplicates=result.duplicates, rejected=result.rejected
        )
        self.rejections.extend(result.reasons)

    def close(self) -> None:
        self.flush()


class MemorySender:
    """Keeps every reading (tests, replays)."""

    def __init__(self) -> None:
        self.stats = SendStats()
        self.readings: list[Reading] = []

    def send(self, readings: Sequence[Reading]) -> None:
        self.readings.extend(readings)
        self.stats.readings += len(readings)

    def flush(self) -> None:
        """Nothing is held back."""

    def close(self) -> None:
        """Nothing to release."""
