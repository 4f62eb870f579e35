"""The engine follows the registry: new assets, assets taken out of service, auto-closing."""

from __future__ import annotations

from datetime import timedelta

from tests.alarms.builders import CABINET_1, TALANT
from tests.alarms.conftest import World, WorldFactory
from vigie.alarms.policy import AlarmPolicy
from vigie.registry.assets import set_status
from vigie.registry.batch import create_assets
from vigie.registry.validation import AssetInput


def test_a_camera_registered_after_start_is_watched(world: World) -> None:
    camera = AssetInput(
        type="Camera",
        id=f"urn:ngsi-ld:Camera:{TALANT}:9",
        name="Camera 9",
        municipality_code=TALANT,
        lon=5.0035,
        lat=47.3375,
        attributes={"camera_kind": "dome", "camera_usage": "security"},
    )
    with world.store.begin() as conn:
        create_assets(conn, [(1, camera)], actor="test", now=world.clock.now())
    world.advance(seconds=11)  # past the pipeline's memory of unknown ids
    world.send(camera.id, online=False)
    world.advance(minutes=1)  # the engine heard of a reporter it did not know: it reloads
    world.send(camera.id, online=False, video_ok=False)
    assert world.rules_raised(camera.id) == {"cctv.camera_offline"}


def test_an_asset_in_maintenance_raises_nothing_new(world: World) -> None:
    with world.store.begin() as conn:
        set_status(conn, CABINET_1, "maintenance", world.clock.now())
    world.advance(minutes=2)  # the registry check finds the change
    world.send(CABINET_1, supply_v=0.0, door_open=True)
    world.advance(minutes=30)
    assert world.alarms_on(CABINET_1) == []


def test_cleared_alarms_nobody_closed_close_themselves(make_world: WorldFactory) -> None:
    world = make_world(policy=AlarmPolicy(close_cleared_after=timedelta(hours=1)))
    world.send(CABINET_1, breaker_tripped=True)
    world.advance(minutes=1)
    world.send(CABINET_1, breaker_tripped=False)
    world.advance(minutes=59)
    assert world.alarm(CABINET_1, "lighting.cabinet_breaker_tripped").state == "cleared"
    world.advance(minutes=2)
    (alarm,) = world.alarms_on(CABINET_1, "lighting.cabinet_breaker_tripped")
    assert (alarm.state, alarm.closed_by) == ("closed", "vigie")
