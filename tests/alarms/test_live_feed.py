"""The live stream (Server-Sent Events, through a real server on a loopback port) and the
webhooks (posted to a real receiver on a loopback port)."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import httpx2
import msgspec
import pytest
import uvicorn
from sqlalchemy.engine import Engine

from tests.alarms.builders import CABINET_1, LIGHT_TALANT, TALANT, light, urn
from tests.alarms.conftest import (
    PASSWORD,
    World,
    WorldFactory,
    ensure_user,
    make_console_app,
    world_of,
)
from vigie.alarms.events import AlarmChanged
from vigie.alarms.model import Severity
from vigie.alarms.policy import AlarmPolicy
from vigie.alarms.ruleset import RuleFileError
from vigie.alarms.webhooks import Webhook, WebhookNotifier, load_webhooks
from vigie.api.routes.alarm_stream import ClientFeed
from vigie.auth.principal import Principal
from vigie.auth.roles import Role
from vigie.core.bus import EventBus

TIMEOUT = httpx2.Timeout(10.0)


class Served:
    def __init__(self, base_url: str, world: World) -> None:
        self.base_url = base_url
        self.world = world

    def token(self, username: str) -> str:
        ensure_user(self.world.store, username, self.world.clock.now())
        response = httpx2.post(
            f"{self.base_url}/api/v1/auth/token",
            json={"username": username, "password": PASSWORD},
            timeout=TIMEOUT,
        )
        assert response.status_code == 200, response.text
        token: str = response.json()["access_token"]
        return token


@pytest.fixture
def served(engine: Engine, tmp_path: Path) -> Iterator[Served]:
    """The console app under uvicorn on a free loopback port."""
    app, clock = make_console_app(engine, tmp_path)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=2, lifespan="on")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    world = world_of(app, engine, clock)
    try:
        yield Served(f"http://127.0.0.1:{port}", world)
    finally:
        if world.owns_engine:
            world.engine.close()
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def _next_event(lines: Iterator[str]) -> tuple[str, dict[str, object]]:
    """The next event's name and data (comments and ids skipped)."""
    name = "message"
    for line in lines:
        if line.startswith("event: "):
            name = line.removeprefix("event: ")
        elif line.startswith("data: "):
            data: dict[str, object] = json.loads(line.removeprefix("data: "))
            return name, data
    raise AssertionError("the stream ended")


def test_the_stream_pushes_each_alarm_change(served: Served) -> None:
    url = f"{served.base_url}/api/v1/alarms/stream"
    with (
        httpx2.Client(timeout=TIMEOUT) as http,
        http.stream("GET", url, params={"token": served.token("olga")}) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = response.iter_lines()
        assert next(lines) == ": connected"  # subscribed: nothing from now on is missed
        served.world.send(CABINET_1, supply_v=0.0)
        name, data = _next_event(lines)
        assert name == "alarm" and data["change"] == "raised"
        alarm = data["alarm"]
        assert isinstance(alarm, dict)
        assert (alarm["asset_id"], alarm["rule_id"]) == (CABINET_1, "lighting.cabinet_supply_loss")
        # In French unless asked otherwise, with the title in every language beside it.
        assert alarm["title"] == "Coupure de l'alimentation secteur de l'armoire"
        assert alarm["titles"] == {
            "en": "Cabinet mains supply lost",
            "fr": "Coupure de l'alimentation secteur de l'armoire",
        }
        served.world.advance(minutes=1)
        served.world.send(CABINET_1, supply_v=231.0)
        name, data = _next_event(lines)
        assert (name, data["change"]) == ("alarm", "cleared")


def test_the_stream_gives_titles_in_the_language_asked_for(served: Served) -> None:
    url = f"{served.base_url}/api/v1/alarms/stream"
    params = {"token": served.token("olga"), "lang": "en"}
    with (
        httpx2.Client(timeout=TIMEOUT) as http,
        http.stream("GET", url, params=params) as response,
    ):
        lines = response.iter_lines()
        assert next(lines) == ": connected"
        served.world.send(CABINET_1, supply_v=0.0)
        _, data = _next_event(lines)
        alarm = data["alarm"]
        assert isinstance(alarm, dict) and alarm["title"] == "Cabinet mains supply lost"


def test_the_stream_shows_an_agent_only_their_municipality(served: Served) -> None:
    url = f"{served.base_url}/api/v1/alarms/stream"
    headers = {"Authorization": f"Bearer {served.token('tala')}"}
    with (
        httpx2.Client(timeout=TIMEOUT) as http,
        http.stream("GET", url, headers=headers) as response,
    ):
        lines = response.iter_lines()
        assert next(lines) == ": connected"
        served.world.send(CABINET_1, supply_v=0.0)  # Dijon: not for her
        served.world.send(LIGHT_TALANT, on=True, lamp_fault=True)
        served.world.advance(minutes=2)
        _, data = _next_event(lines)
        alarm = data["alarm"]
        assert isinstance(alarm, dict) and alarm["asset_id"] == LIGHT_TALANT


def test_the_stream_needs_a_token(served: Served) -> None:
    url = f"{served.base_url}/api/v1/alarms/stream"
    refused = httpx2.get(url, timeout=TIMEOUT)
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"
    assert httpx2.get(url, params={"token": "nope"}, timeout=TIMEOUT).status_code == 401


def test_a_slow_client_loses_the_oldest_events_and_is_told_to_resync(
    make_world: WorldFactory,
) -> None:
    world = make_world()
    world.send(CABINET_1, supply_v=0.0)
    event = world.changes[0]
    principal = Principal(user_id=1, username="olga", role=Role.OPERATOR, municipalities=None)

    async def scenario() -> tuple[int, int]:
        feed = ClientFeed(asyncio.get_running_loop(), principal, size=2)
        publisher = threading.Thread(target=lambda: [feed.offer(event) for _ in range(5)])
        publisher.start()
        await asyncio.to_thread(publisher.join)
        await asyncio.sleep(0.05)  # let the loop run the queued puts
        return feed.queue.qsize(), feed.lost

    assert asyncio.run(scenario()) == (2, 3)


class _Receiver(BaseHTTPRequestHandler):
    bodies: list[dict[str, object]]

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        self.bodies.append(json.loads(self.rfile.read(length)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[dict[str, object]]]]:
    bodies: list[dict[str, object]] = []
    handler = type("Receiver", (_Receiver,), {"bodies": bodies})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", bodies
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _wait_for(bodies: list[dict[str, object]], count: int) -> None:
    deadline = time.monotonic() + 5
    while len(bodies) < count and time.monotonic() < deadline:
        time.sleep(0.02)


def test_webhooks_by_severity_and_municipality(
    make_world: WorldFactory, receiver: tuple[str, list[dict[str, object]]]
) -> None:
    url, bodies = receiver
    policy = AlarmPolicy(
        escalate_after={
            Severity.MINOR: timedelta(hours=8),
            Severity.MAJOR: timedelta(hours=2),
            Severity.CRITICAL: timedelta(minutes=10),
        }
    )
    hook = Webhook(url=url, min_severity=Severity.MAJOR, municipalities=["21231"])
    world = make_world(policy=policy, webhooks=[hook])
    world.send(light(1), on=True, lamp_fault=True)  # minor: below the hook's severity
    world.send(urn("StreetlightControlCabinet", 1, TALANT), supply_v=0.0)  # not Dijon
    world.send(CABINET_1, supply_v=0.0)
    world.advance(minutes=10)  # not acknowledged: escalated, notified again
    _wait_for(bodies, 2)
    time.sleep(0.1)  # let anything else arrive
    posted = [(b["change"], b["alarm"]) for b in bodies]
    assert [change for change, alarm in posted if alarm["asset_id"] == CABINET_1] == [  # type: ignore[index]
        "raised",
        "escalated",
    ]
    # Silent network nodes (nobody sends them telemetry here) are major: posted too.
    assert {alarm["municipality_code"] for _, alarm in posted} == {"21231"}  # type: ignore[index]
    assert {alarm["severity"] for _, alarm in posted} <= {"major", "critical"}  # type: ignore[index]


def test_a_receiver_that_is_down_costs_log_lines_not_ingest(
    make_world: WorldFactory,
) -> None:
    world = make_world()
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{closed.getsockname()[1]}/hook"
    closed.close()  # nothing listens there now
    bus = EventBus()
    notifier = WebhookNotifier([Webhook(url=url)], bus, timeout_s=1.0, sleep=lambda _s: None)
    notifier.start()
    world.send(CABINET_1, supply_v=0.0)
    started = time.perf_counter()
    bus.publish(world.changes[0])
    assert time.perf_counter() - started < 0.05  # queued, not posted, by the publisher
    deadline = time.monotonic() + 5
    while notifier.stats.failed == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    notifier.stop()
    assert (notifier.stats.sent, notifier.stats.failed) == (0, 1)


def test_a_webhook_file_with_errors_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "webhooks.toml"
    path.write_text(
        '[[webhook]]\nurl = "http://127.0.0.1:9/ok"\n\n'
        '[[webhook]]\nurl = "ftp://127.0.0.1/x"\n\n'
        '[[webhook]]\nurl = "http://127.0.0.1:9/y"\nmin_severity = "huge"\n'
    )
    with pytest.raises(RuleFileError) as refused:
        load_webhooks(path)
    assert [(p.line, p.reason[:20]) for p in refused.value.problems] == [
        (4, "url must be http(s):"),
        (7, "Invalid enum value '"),
    ]
    path.write_text('[[webhook]]\nurl = "http://127.0.0.1:9/ok"\nmunicipalities = ["21231"]\n')
    assert load_webhooks(path) == [Webhook(url="http://127.0.0.1:9/ok", municipalities=["21231"])]


def test_alarm_changed_encodes_as_the_api_shows_it(world: World) -> None:
    world.send(CABINET_1, supply_v=0.0)
    change: AlarmChanged = world.changes[0]
    decoded = json.loads(msgspec.json.encode(change))
    assert decoded["alarm"]["state"] == "raised" and decoded["actor"] is None
