"""Issue #20's hostile-input bench: a real `vigie serve` ingesting over HTTP and from a real
Mosquitto, fed hostile payloads (random bytes, invalid UTF-8, JSON nested 10,000 deep, numbers
out of range, wrong types, thousands of unknown metrics, timestamps out of the window, NUL and
lone surrogates, truncated JSON, …) interleaved with valid readings, half over each transport.

    python bench/hostile.py [--quick] [--payloads N]

Prints, last, one JSON line: `payloads`, `valid_stored_pct` (valid readings stored, exactly
once: over 100 would be repeats), `dead_lettered_pct` (hostile payloads with their one dead
letter), `http_500`, `intake_stalls` (times /healthz was not ok while it settled).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.hostile import VALID_METRICS, Tally, hostile_rig

from scratch import scratch_dir
from vigie.domains.installed import install_all

install_all()  # the facilities, as the `vigie` command installs them


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="4,000 payloads")
    parser.add_argument("--payloads", type=int, default=None, help="default 20,000")
    args = parser.parse_args()
    total = args.payloads or (4_000 if args.quick else 20_000)
    tally = Tally()
    started = time.perf_counter()
    with hostile_rig(scratch_dir("vigie-bench-hostile-")) as rig:
        for seed in range(total // 1_000 or 1):
            rig.send(min(1_000, total), seed=100 + seed, tally=tally)
            print(f"sent {tally.valid_sent + tally.hostile_sent:,}", flush=True)
        sent_s = time.perf_counter() - started
        stored, dead, stalls = rig.settle(tally, timeout_s=600)
    result = {
        "payloads": tally.valid_sent + tally.hostile_sent,
        "hostile": tally.hostile_sent,
        "valid": tally.valid_sent,
        "valid_stored_pct": round(100 * stored / (tally.valid_sent * VALID_METRICS), 3),
        "dead_lettered_pct": round(100 * dead / tally.hostile_sent, 3),
        "http_500": tally.http_500,
        "http_other_5xx": tally.http_other_5xx,
        "intake_stalls": stalls,
        "send_s": round(sent_s, 1),
        "elapsed_s": round(time.perf_counter() - started, 1),
        "quick": args.quick,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
