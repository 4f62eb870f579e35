"""Root-cause correlation of a 1,000-luminaire outage, in the alarm engine alone (no server):

(a) adoption: 1,000 lights have reported dark (1,000 lamp-failure alarms, one gateway
    message), then their cabinet's breaker trips: the time of that one reading's ingest,
    in which the engine raises the root and makes the 1,000 alarms its consequences;
(b) attachment: with the root active, the 1,000 lights fall silent together: the time of
    the one engine tick that raises their 1,000 silence alarms as consequences of the root.

    python bench/correlation.py [--quick]

The scenario is that of tests/alarms/test_correlation.py (which checks the outcome, not the
time): a fresh SQLite store per round, the real pipeline and alarm engine on a manual clock.
The figures are the median over the rounds (5; 1 with --quick). bench/alarms.py measures the
same correlation end to end, through a server and its live stream. The last line printed is
one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from scratch import scratch_dir
from vigie.alarms.model import AlarmState
from vigie.alarms.store import to_alarm
from vigie.alarms.wiring import start_alarm_engine
from vigie.core.bus import EventBus
from vigie.core.clock import ManualClock
from vigie.domains.installed import install_all
from vigie.registry.batch import create_assets
from vigie.registry.municipalities import seed_reference_municipalities
from vigie.registry.validation import AssetInput
from vigie.store.engine import make_engine
from vigie.store.migrate import upgrade_to_head
from vigie.store.schema import alarms
from vigie.telemetry.pipeline import Pipeline, RawMessage

install_all()  # the facilities, as the `vigie` command installs them

LIGHTS = 1_000
#: A Monday evening in March: dark in Dijon.
EVENING = datetime(2026, 3, 2, 20, 0, tzinfo=UTC)
CODE = "21231"
CABINET = f"urn:ngsi-ld:StreetlightControlCabinet:{CODE}:90"


def _assets() -> list[AssetInput]:
    feeders = [f"urn:ngsi-ld:StreetlightFeeder:{CODE}:90-{n}" for n in range(1, 5)]
    made = [
        AssetInput(
            type="StreetlightControlCabinet",
            id=CABINET,
            name="Armoire 90",
            municipality_code=CODE,
            lon=5.05,
            lat=47.30,
            attributes={"supply_kva": 36, "feeder_count": 4},
            links=[],
            parts=[{"kind": "feeder", "attributes": {"circuit": n}} for n in range(1, 5)],
        )
    ]
    for n in range(LIGHTS):
        made.append(
            AssetInput(
                type="Streetlight",
                id=f"urn:ngsi-ld:Streetlight:{CODE}:{1000 + n}",
                name=f"Luminaire {1000 + n}",
                municipality_code=CODE,
                lon=5.05 + (n % 100) * 1e-4,
                lat=47.30 + (n // 100) * 1e-4,
                attributes={
                    "lamp_technology": "LED",
                    "rated_power_w": 40.0,
                    "baseline_power_w": 150.0,
                    "lighting_class": "M4",
                    "mounting_height_m": 8.0,
                },
                links=[{"relation": "fed_by", "target_id": feeders[n % 4]}],
                parts=[],
            )
        )
    return made


def one_round() -> dict[str, float]:
    url = f"sqlite:///{scratch_dir('vigie-bench-correlation-') / 'vigie.db'}"
    store = make_engine(url)
    upgrade_to_head(store)
    clock = ManualClock(EVENING)
    with store.begin() as conn:
        seed_reference_municipalities(conn)
        create_assets(conn, list(enumerate(_assets(), start=1)), actor="bench", now=EVENING)
    lights = [a.id for a in _assets()[1:]]
    bus = EventBus()
    pipeline = Pipeline(store, clock, bus)
    engine = start_alarm_engine(store, clock, bus)

    def send(payload: dict[str, Any], asset: str | None = None) -> None:
        raw = RawMessage("mqtt", msgspec.json.encode(payload), clock.now(), topic_asset=asset)
        result = pipeline.ingest([raw])
        assert result.rejected == 0, result.reasons

    try:
        now = clock.now().isoformat()
        dark = {"on": True, "power_w": 0.0}
        send({"readings": [{"asset": a, "ts": now, "metrics": dark} for a in lights]})
        for _ in range(2):
            clock.advance(timedelta(minutes=1))
            engine.tick()
        started = time.perf_counter()
        send({"ts": clock.now().isoformat(), "metrics": {"breaker_tripped": True}}, CABINET)
        adopt_s = time.perf_counter() - started
        send({"ts": clock.now().isoformat(), "metrics": {"supply_v": 0.0}}, CABINET)
        clock.advance(timedelta(minutes=46))
        started = time.perf_counter()
        changes = engine.tick()
        attach_s = time.perf_counter() - started
        # The outcome, as the test checks it: every light's alarm hangs off the one root.
        with store.connect() as conn:
            found = [to_alarm(r) for r in conn.execute(alarms.select())]
        [root] = [a for a in found if a.rule_id == "lighting.cabinet_breaker_tripped"]
        assert root.state == AlarmState.RAISED
        silent = [c.alarm for c in changes if c.alarm.rule_id == "lighting.offline"]
        failures = [a for a in found if a.rule_id == "lighting.lamp_failure"]
        for group in (silent, failures):
            assert len(group) == LIGHTS and {a.caused_by for a in group} == {root.id}
    finally:
        engine.close()
        pipeline.close()
        store.dispose()
    return {"adopt_s": adopt_s, "attach_s": attach_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one round instead of five")
    args = parser.parse_args()
    rounds = 1 if args.quick else 5
    began = time.perf_counter()
    results = [one_round() for _ in range(rounds)]
    adopt = statistics.median(r["adopt_s"] for r in results)
    attach = statistics.median(r["attach_s"] for r in results)
    print(
        f"1,000-light outage, median of {rounds} round(s): the cabinet's reading adopts the "
        f"1,000 lamp failures in {adopt:.3f} s; one tick attaches the 1,000 silences in "
        f"{attach:.3f} s"
    )
    result = {
        "correlation_adopt_1000_s": round(adopt, 3),
        "correlation_attach_1000_s": round(attach, 3),
        "rounds": rounds,
        "quick": args.quick,
        "elapsed_s": round(time.perf_counter() - began, 1),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
