"""Garbage on the wire is dead-lettered with a reason; the worker keeps going and every valid
reading around it is stored."""

from __future__ import annotations

import itertools
from datetime import datetime

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from tests.adapters.checks import count, wait_until
from tests.adapters.conftest import WorkerFactory
from tests.adapters.devices import LIGHT_METRICS, LIGHTS, light_message, unique_ts
from tests.mosquitto import Message, Publisher
from vigie.adapters.mqtt.broker import LocalBroker
from vigie.adapters.mqtt.worker import IngestWorker
from vigie.protocol.topics import topic_for
from vigie.store.schema import dead_letters, readings

REASON_PREFIXES = (
    "malformed",
    "invalid",
    "oversized",
    "unknown asset",
    "unknown metric",
    "wrong type",
    "out of range",
    "timestamp in the future",
    "timestamp too old",
)
LIGHT_TOPIC = topic_for(LIGHTS[0])


def _reading(metrics: str) -> bytes:
    return f'{{"ts": "{unique_ts().isoformat()}", "metrics": {metrics}}}'.encode()


GARBAGE: list[Message] = [
    (LIGHT_TOPIC, b'{"ts": "2026-01-01T00:00:00Z", "metr'),  # cut short
    (LIGHT_TOPIC, b""),
    (LIGHT_TOPIC, b"\xff\xfe\x00\x00garbage\x80"),  # not UTF-8
    (LIGHT_TOPIC, '{"ts": "\u202e\u0000💡", "metrics": {}}'.encode()),
    (LIGHT_TOPIC, _reading('{"on": "yes", "dim_pct": "70"}')),  # wrong types
    (LIGHT_TOPIC, _reading('{"power_w": NaN}')),
    (LIGHT_TOPIC, _reading('{"power_w": 1e400}')),
    (LIGHT_TOPIC, _reading('{"energy_wh": 123456789012345678901234567890}')),
    (LIGHT_TOPIC, _reading('{"power_w": -1e308}')),
    (LIGHT_TOPIC, _reading('{"dim_pct": 50, "\u0000💡\ud7ff": 1}')),  # a junk metric name
    (LIGHT_TOPIC, b'{"ts": "2026-01-01T00:00:00", "metrics": {"on": true}}'),  # no offset
    (LIGHT_TOPIC, b'{"ts": "2999-01-01T00:00:00Z", "metrics": {"on": true}}'),
    (LIGHT_TOPIC, b"[1, 2, 3]"),
    (topic_for("urn:ngsi-ld:Streetlight:21231:999999"), _reading('{"on": true}')),
    ("vigie/21231/Streetlight/ñ💡\u200b/telemetry", _reading('{"on": true}')),
    (
        LIGHT_TOPIC,
        msgspec.json.encode(
            {"readings": [{"asset": "urn:ngsi-ld:Bus:21231:404", "ts": "x", "metrics": {}}]}
        ),
    ),
    (LIGHT_TOPIC, b'{"ts": "' + b"9" * 10_000_000 + b'"}'),  # 10 MB
]


def test_garbage_is_dead_lettered_and_the_valid_readings_around_it_stored(
    store: Engine, mosquitto: LocalBroker, start_worker: WorkerFactory
) -> None:
    worker = start_worker()
    valid = [light_message(n) for n in range(len(GARBAGE) + 1)]
    interleaved = [m for pair in zip(valid, GARBAGE, strict=False) for m in pair] + [valid[-1]]
    with Publisher(mosquitto.url) as device:
        device.publish(interleaved)
    wait_until(lambda: worker.stats.acknowledged == len(interleaved), what="every message acked")

    assert count(store) == len(valid) * LIGHT_METRICS
    assert worker.stats.acknowledged == len(interleaved)
    with store.connect() as conn:
        rows = conn.execute(select(dead_letters)).all()
    # At least one dead letter per garbage message (a reading with two bad metrics gives two).
    assert len(rows) >= len(GARBAGE)
    for row in rows:
        assert row.reason.startswith(REASON_PREFIXES), row.reason
        assert row.source == "mqtt"
        assert len(row.payload) <= 65_536
    oversized = [row for row in rows if row.reason.startswith("oversized")]
    assert [row.payload_bytes for row in oversized] == [len(GARBAGE[-1][1])]


# -- property: whatever the payloads, every message is accounted for ----------------------------

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
_metric_names = st.sampled_from(["on", "dim_pct", "power_w", "energy_wh", "lamp_fault"]) | st.text(
    max_size=12
)


@st.composite
def _garbage_payload(draw: st.DrawFn, ts: datetime) -> bytes:
    kind = draw(st.sampled_from(["bytes", "text", "json", "reading", "batch"]))
    if kind == "bytes":
        return draw(st.binary(max_size=200))
    if kind == "text":
        return draw(st.text(max_size=100)).encode("utf-8", errors="surrogatepass")
    if kind == "json":
        return msgspec.json.encode(draw(_json))
    metrics = draw(st.dictionaries(_metric_names, _json, min_size=1, max_size=5))
    reading: dict[str, object] = {"ts": ts.isoformat(), "metrics": metrics}
    if kind == "reading":
        return msgspec.json.encode(reading)
    reading["asset"] = draw(st.sampled_from([*LIGHTS, "urn:ngsi-ld:Camera:21231:77", "nonsense"]))
    return msgspec.json.encode({"readings": [reading]})


_messages = itertools.count()


@pytest.fixture
def worker(start_worker: WorkerFactory) -> IngestWorker:
    """One worker for all the examples of a property test (fixtures are not per example)."""
    return start_worker()


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_payload_is_stored_or_dead_lettered_and_costs_no_valid_reading(
    store: Engine, mosquitto: LocalBroker, worker: IngestWorker, data: st.DataObject
) -> None:
    # Each garbage message gets its own topic (unknown gateways: readings must name their
    # asset) and its own timestamp, so its dead letter or its readings can be found again.
    garbage: list[tuple[str, datetime, bytes]] = []
    for _ in range(data.draw(st.integers(1, 6))):
        ts = unique_ts()
        topic = f"vigie/21231/StreetlightControlCabinet/g{next(_messages)}/telemetry"
        garbage.append((topic, ts, data.draw(_garbage_payload(ts))))
    valid = [light_message(next(_messages)) for _ in range(data.draw(st.integers(1, 4)))]
    sent = [(topic, payload) for topic, _, payload in garbage] + valid
    order = data.draw(st.permutations(range(len(sent))))
    before = worker.stats.acknowledged
    with Publisher(mosquitto.url) as device:
        device.publish([sent[i] for i in order])
    wait_until(lambda: worker.stats.acknowledged == before + len(sent), what="every message acked")

    valid_ts = [msgspec.json.decode(payload)["ts"] for _, payload in valid]
    with store.connect() as conn:
        stored_valid = conn.scalar(
            select(func.count()).where(readings.c.ts.in_([_parse(ts) for ts in valid_ts]))
        )
        dead_topics = set(
            conn.scalars(
                select(dead_letters.c.topic).where(
                    dead_letters.c.topic.in_([topic for topic, _, _ in garbage])
                )
            )
        )
        stored_ts = set(
            conn.scalars(
                select(readings.c.ts).where(readings.c.ts.in_([ts for _, ts, _ in garbage]))
            )
        )
    assert stored_valid == len(valid) * LIGHT_METRICS
    for topic, ts, payload in garbage:
        assert topic in dead_topics or ts in stored_ts, (topic, payload[:200])
    assert worker.stats.acknowledged == worker.stats.ingested


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text)
