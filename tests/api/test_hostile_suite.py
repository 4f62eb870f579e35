"""Issue #20's hostile-input suite, a few hundred cases (bench/hostile.py runs ten thousand and
more): against a real `vigie serve` and a real Mosquitto, hostile payloads interleaved with
valid readings over MQTT and HTTP give no 500, no stalled intake, every valid reading stored
exactly once and every hostile payload dead-lettered once."""

from __future__ import annotations

from pathlib import Path

from tests.hostile import VALID_METRICS, Tally, hostile_rig


def test_hostile_payloads_cost_no_valid_reading_and_stop_nothing(tmp_path: Path) -> None:
    tally = Tally()
    with hostile_rig(tmp_path) as rig:
        rig.send(400, seed=1, tally=tally)
        stored, dead, stalls = rig.settle(tally, timeout_s=120)
    assert tally.hostile_sent > 100 and tally.valid_sent > 100
    assert (tally.http_500, tally.http_other_5xx, stalls) == (0, 0, 0)
    assert stored == tally.valid_sent * VALID_METRICS  # each once: a repeat would be more
    assert dead == tally.hostile_sent
