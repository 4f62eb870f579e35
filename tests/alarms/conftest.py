"""A world for alarm tests: the small city in the store, the real telemetry pipeline and the
alarm engine on one bus and one manual clock. Readings go in through Pipeline.ingest (MQTT
messages, as devices send them); alarms come out in the store and as AlarmChanged events."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.engine import Engine

from tests.alarms.builders import TALANT, seed_city
from vigie.alarms.conditions.base import ExpectedPlans
from vigie.alarms.engine import AlarmEngine
from vigie.alarms.events import AlarmChanged
from vigie.alarms.model import Alarm, AlarmState
from vigie.alarms.policy import AlarmPolicy
from vigie.alarms.store import to_alarm
from vigie.alarms.webhooks import Webhook
from vigie.alarms.wiring import start_alarm_engine
from vigie.api.routes import alarms as alarm_routes
from vigie.auth.roles import Role
from vigie.auth.users import add_user
from vigie.core.bus import EventBus
from vigie.core.clock import ManualClock
from vigie.core.settings import Settings
from vigie.server.app import create_app
from vigie.store.schema import alarms, users
from vigie.telemetry.pipeline import Pipeline, RawMessage

#: A Monday evening in March: dark in Dijon (sunset 17:26 UTC).
EVENING = datetime(2026, 3, 2, 20, 0, tzinfo=UTC)


class World:
    def __init__(
        self,
        engine: Engine,
        clock: ManualClock,
        policy: AlarmPolicy | None = None,
        expected_plans: ExpectedPlans | None = None,
        webhooks: list[Webhook] | None = None,
        *,
        bus: EventBus | None = None,
        pipeline: Pipeline | None = None,
        alarm_engine: AlarmEngine | None = None,
    ) -> None:
        self.store = engine
        self.clock = clock
        self.bus = bus or EventBus()
        self.pipeline = pipeline or Pipeline(engine, clock, self.bus)
        self.owns_engine = alarm_engine is None
        self.engine: AlarmEngine = alarm_engine or start_alarm_engine(
            engine,
            clock,
            self.bus,
            policy=policy,
            expected_plans=expected_plans,
            webhooks=webhooks,
        )
        self.changes: list[AlarmChanged] = []
        self.bus.subscribe(AlarmChanged, self.changes.append)

    def send(self, asset_id: str, at: datetime | None = None, **metrics: Any) -> None:
        """One reading of `asset_id`, measured now (or `at`), as an MQTT message."""
        ts = at or self.clock.now()
        payload = msgspec.json.encode({"ts": ts.isoformat(), "metrics": metrics})
        result = self.pipeline.ingest(
            [RawMessage("mqtt", payload, self.clock.now(), topic_asset=asset_id)]
        )
        assert result.rejected == 0, result.reasons

    def send_many(self, readings: list[tuple[str, dict[str, Any]]]) -> None:
        """Many readings in one gateway message (one batch)."""
        ts = self.clock.now().isoformat()
        payload = msgspec.json.encode(
            {"readings": [{"asset": a, "ts": ts, "metrics": m} for a, m in readings]}
        )
        result = self.pipeline.ingest([RawMessage("mqtt", payload, self.clock.now())])
        assert result.rejected == 0, result.reasons

    def advance(self, step: timedelta = timedelta(minutes=1), **delta: float) -> None:
        """Move the clock and let the engine see time pass, in steps of at most `step` (as
        a ticker would)."""
        end = self.clock.now() + timedelta(**delta)
        while self.clock.now() < end:
            self.clock.advance(min(step, end - self.clock.now()))
            self.engine.tick()

    def changes_of(self, alarm_id: int) -> list[str]:
        return [c.change.value for c in self.changes if c.alarm.id == alarm_id]

    def all_alarms(self) -> list[Alarm]:
        with self.store.connect() as conn:
            return [to_alarm(r) for r in conn.execute(select(alarms).order_by(alarms.c.id))]

    def alarms_on(self, asset_id: str, rule_id: str | None = None) -> list[Alarm]:
        return [
            a
            for a in self.all_alarms()
            if a.asset_id == asset_id and (rule_id is None or a.rule_id == rule_id)
        ]

    def alarm(self, asset_id: str, rule_id: str) -> Alarm:
        """The one alarm of this asset and rule that is not closed."""
        found = [a for a in self.alarms_on(asset_id, rule_id) if a.state != AlarmState.CLOSED]
        assert len(found) == 1, f"{asset_id} {rule_id}: {found}"
        return found[0]

    def rules_raised(self, asset_id: str) -> set[str]:
        return {a.rule_id for a in self.alarms_on(asset_id) if a.state != AlarmState.CLEARED}


WorldFactory = Callable[..., World]


@pytest.fixture
def make_world(engine: Engine) -> Iterator[WorldFactory]:
    made: list[World] = []

    def make(
        start: datetime = EVENING,
        policy: AlarmPolicy | None = None,
        expected_plans: ExpectedPlans | None = None,
        webhooks: list[Webhook] | None = None,
    ) -> World:
        with engine.begin() as conn:
            seed_city(conn, start)
        world = World(engine, ManualClock(start), policy, expected_plans, webhooks)
        made.append(world)
        return world

    yield make
    for world in made:
        world.engine.close()


@pytest.fixture
def world(make_world: WorldFactory) -> World:
    return make_world()


PASSWORD = "correct horse battery"


#: Users the console tests may log in as (created on first use: hashing costs).
USERS: dict[str, tuple[Role, tuple[str, ...]]] = {
    "ada": (Role.ADMIN, ()),
    "olga": (Role.OPERATOR, ()),
    "theo": (Role.TECHNICIAN, ()),
    "tala": (Role.MUNICIPAL_AGENT, (TALANT,)),
    "vic": (Role.VIEWER, ()),
}


def make_console_app(engine: Engine, tmp_path: Path) -> tuple[FastAPI, ManualClock]:
    """The API (with the alarm routes) on the small city."""
    clock = ManualClock(EVENING)
    with engine.begin() as conn:
        seed_city(conn, clock.now())
    settings = Settings(database_url=str(engine.url), var_dir=tmp_path)
    app = create_app(settings, engine=engine, clock=clock)
    include_alarm_routes(app)
    return app, clock


def ensure_user(engine: Engine, username: str, now: datetime) -> None:
    role, scope = USERS[username]
    with engine.begin() as conn:
        if conn.scalar(select(users.c.id).where(users.c.username == username)) is None:
            add_user(
                conn,
                username=username,
                password=PASSWORD,
                role=role,
                municipality_codes=scope,
                actor="test",
                now=now,
            )


def world_of(app: FastAPI, engine: Engine, clock: ManualClock) -> World:
    """The app's own alarm engine once create_app starts one; until then, one on its bus."""
    running = getattr(app.state, "alarm_engine", None)
    return World(
        engine, clock, bus=app.state.bus, pipeline=app.state.pipeline, alarm_engine=running
    )


@pytest.fixture
def console(engine: Engine, tmp_path: Path) -> Iterator[tuple[TestClient, World]]:
    """A test client of the console app, and its world (pipeline, alarm engine, clock)."""
    app, clock = make_console_app(engine, tmp_path)
    with TestClient(app, raise_server_exceptions=False) as client:
        world = world_of(app, engine, clock)
        try:
            yield client, world
        finally:
            for key in [k for k in _HEADERS if k[0] == id(client)]:
                del _HEADERS[key]
            if world.owns_engine:
                world.engine.close()


def include_alarm_routes(app: FastAPI) -> None:
    """The alarm router, unless the app has it already (once create_app includes it)."""
    if not any(getattr(r, "path", "") == "/api/v1/alarms" for r in app.routes):
        app.include_router(alarm_routes.router)


_HEADERS: dict[tuple[int, str], dict[str, str]] = {}


def auth(client: TestClient, username: str) -> dict[str, str]:
    """Authorization headers of `username` (created and logged in on first use)."""
    key = (id(client), username)
    if key not in _HEADERS:
        app = client.app
        assert isinstance(app, FastAPI)
        ensure_user(app.state.engine, username, app.state.clock.now())
        response = client.post(
            "/api/v1/auth/token", json={"username": username, "password": PASSWORD}
        )
        assert response.status_code == 200, response.text
        _HEADERS[key] = {"Authorization": f"Bearer {response.json()['access_token']}"}
    return _HEADERS[key]
