"""Scoring alarms against the simulator's ground truth: the arithmetic on a hand-made case,
and a short `vigie alarms score` run end to end."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from typer.testing import CliRunner

from vigie.cli.alarms import app
from vigie.lab.faults.ground_truth import FaultRecord
from vigie.lab.scoring.scoring import FAULT_RULES, Judge, RaisedAlarm, score

T0 = datetime(2026, 1, 12, 10, 0, tzinfo=UTC)
INTERVALS = {"Cabinet": 300.0, "Light": 900.0, "Camera": 300.0, "Link": 60.0, "Node": 60.0}


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def fault(
    number: int, kind: str, asset: str, start: float, end: float, affected: tuple[str, ...] = ()
) -> FaultRecord:
    return FaultRecord(
        id=f"F{number:06d}",
        type=kind,
        asset_id=asset,
        asset_type=asset.rstrip("0123456789"),
        start=at(start),
        end=at(end),
        affected=affected,
    )


def raised(
    number: int, asset: str, rule: str, minutes: float, *, top: bool = True, promoted: bool = False
) -> RaisedAlarm:
    return RaisedAlarm(number, asset, rule, at(minutes), top, promoted)


def judge(watching_from: float | None = None) -> Judge:
    def watching(fault_type: str, moment: datetime) -> bool:
        return watching_from is None or moment >= at(watching_from)

    return Judge(
        run_start=T0,
        run_end=at(240),
        interval_s=lambda asset: INTERVALS[asset.rstrip("0123456789")],
        parts_of=lambda asset: (),
        # The device's interval, the rule's minimum duration, a 30 s tick.
        needed_s={"camera_offline": 330.0, "supply_loss": 330.0, "lamp_failure": 990.0},
        watching=watching,
    )


FAULTS = [
    fault(1, "supply_loss", "Cabinet1", 0, 60, ("Light1", "Light2")),
    fault(2, "camera_offline", "Camera1", 30, 120),
    fault(3, "camera_offline", "Camera2", 239, 270),  # one minute before the end: too short
    fault(4, "camera_offline", "Camera3", 60, 120),  # nothing raised: missed
    fault(5, "fibre_cut", "Link1", 0, 30, ("Node1", "Camera4")),
    fault(6, "camera_offline", "Camera4", 10, 32),  # cut off by the fibre cut: masked
    fault(7, "lamp_failure", "Light9", 0, 3000),
    fault(8, "driver_failure", "Light8", 0, 3000),
    fault(9, "lamp_failure", "Light8", 60, 3000),  # its driver failed already: masked
]

ALARMS = [
    raised(1, "Cabinet1", "lighting.cabinet_supply_loss", 0.5),
    raised(2, "Light1", "lighting.offline", 45, top=False),
    raised(3, "Light2", "lighting.offline", 46, top=False),
    raised(3, "Light2", "lighting.offline", 80, promoted=True),  # did not recover with it
    raised(4, "Camera1", "cctv.camera_offline", 31),
    raised(5, "Camera5", "cctv.camera_offline", 120),  # no fault there
    raised(6, "Light9", "lighting.lamp_failure", 2),
    raised(7, "Light8", "lighting.lamp_failure", 3),  # the driver failure's
    raised(8, "Light7", "lighting.lamp_failure", 5),  # no fault there
    raised(9, "Link1", "network.link_down", 0.25),
    raised(10, "Node1", "network.node_unreachable", 0.25, top=False),
    raised(11, "Bus1", "transit.bus_off_route", 20),
]


def test_precision_recall_delay_and_top_level_alarms_per_fault_type() -> None:
    result = score(FAULTS, ALARMS, judge())
    supply = result.by_type["supply_loss"]
    assert (supply.precision, supply.recall, supply.delay_p50_s) == (1.0, 1.0, 30.0)
    # The root, and a light that did not come back with it (promoted).
    assert supply.top_level == [2] and supply.exactly_one == 0

    cameras = result.by_type["camera_offline"]
    assert (cameras.faults, cameras.too_short, cameras.masked, cameras.scored) == (4, 1, 1, 2)
    assert (cameras.detected, cameras.recall) == (1, 0.5)
    assert (cameras.true_alarms, cameras.false_alarms, cameras.precision) == (1, 1, 0.5)
    assert cameras.delays_s == [60.0] and cameras.top_level == [1]

    # A rule shared by two fault types: an alarm answering the other type is neither right
    # nor wrong for this one; an alarm answering none is wrong for both.
    lamps, drivers = result.by_type["lamp_failure"], result.by_type["driver_failure"]
    assert (lamps.true_alarms, lamps.false_alarms, lamps.delay_p50_s) == (1, 1, 120.0)
    assert (drivers.true_alarms, drivers.false_alarms, drivers.delay_p50_s) == (1, 1, 180.0)
    assert (lamps.faults, lamps.masked, lamps.scored, lamps.recall) == (2, 1, 1, 1.0)

    fibre = result.by_type["fibre_cut"]
    assert (fibre.recall, fibre.top_level, fibre.delay_p50_s) == (1.0, [1], 15.0)

    heating = result.by_type["heating_left_on"]
    assert (heating.faults, heating.precision, heating.recall) == (0, None, None)
    assert set(result.by_type) == set(FAULT_RULES)

    others = result.others
    assert (others["lighting.offline"].raised, others["lighting.offline"].top_level) == (2, 1)
    assert others["lighting.offline"].explained == 2
    off_route = others["transit.bus_off_route"]
    assert (off_route.raised, off_route.top_level, off_route.explained) == (1, 1, 0)

    line = result.as_json()["fault_types"]["camera_offline"]
    assert line["precision"] == 0.5 and line["recall"] == 0.5 and line["faults"] == 4


def test_only_the_time_the_rules_look_counts_towards_detectability() -> None:
    heating_like = [fault(1, "camera_offline", "Camera1", 0, 60)]
    # The rules look only from minute 55: five minutes are not enough for 330 s.
    assert score(heating_like, [], judge(watching_from=55)).by_type["camera_offline"].scored == 0
    assert score(heating_like, [], judge(watching_from=50)).by_type["camera_offline"].scored == 1


def test_an_alarm_answering_another_fault_is_not_this_faults_top_level_alarm() -> None:
    faults = [
        fault(1, "breaker_trip", "Cabinet1", 0, 60, ("Light1",)),
        fault(2, "driver_failure", "Light1", 10, 3000),
    ]
    alarms = [
        raised(1, "Cabinet1", "lighting.cabinet_breaker_tripped", 0.5),
        raised(2, "Light1", "lighting.lamp_failure", 61),  # once powered again
    ]
    result = score(faults, alarms, judge())
    assert result.by_type["breaker_trip"].top_level == [1]
    # Detectable once the light has power again, and detected then.
    assert result.by_type["driver_failure"].delays_s == [51 * 60.0]


def test_a_short_scoring_run_end_to_end() -> None:
    runner = CliRunner()
    outcome = runner.invoke(
        app,
        ["score", "--scale", "0.02", "--duration", "2h", "--faults", "300", "--json", "-q"],
    )
    assert outcome.exit_code == 0, outcome.output
    line = json.loads(outcome.output.strip().splitlines()[-1])
    assert set(line) >= {"fault_types", "elapsed_s"}
    assert set(line["fault_types"]) == set(FAULT_RULES)
    keys = {"precision", "recall", "top_level_alarms_per_fault", "detection_delay_p50_s", "faults"}
    for scores in line["fault_types"].values():
        assert keys <= set(scores)
    assert sum(s["faults_detected"] for s in line["fault_types"].values()) > 0
    assert line["rejected"] == 0
