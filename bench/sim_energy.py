"""The living city end to end: `vigie sim run --speed 60` for ten simulated hours into a real
`vigie serve`, then the stored rollups against the simulator's own energy totals.

    python bench/sim_energy.py [--quick] [--speed 60] [--duration 10h]

Issue #3's check: the run finishes without errors and the energy the hourly and daily rollups
hold (sum of counter increases) matches what the simulated devices' counters advanced by,
within 0.5%, for every reporting type. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections import defaultdict
from datetime import UTC, datetime

from sqlalchemy import select

from scratch import scratch_dir
from vigie.auth.roles import Role
from vigie.auth.tokens import issue_token
from vigie.auth.users import add_user
from vigie.domains.installed import install_all
from vigie.lab.city import generate_city, write_city
from vigie.registry.municipalities import list_municipalities, seed_reference_municipalities
from vigie.store.engine import make_engine
from vigie.store.migrate import upgrade_to_head
from vigie.store.schema import dead_letters, readings_daily, readings_hourly
from vigie.timeseries.maintenance import roll_up_in_steps

install_all()  # the facilities, as the `vigie` command installs them

TOLERANCE = 0.005


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _type_of(reporter_id: str) -> str:
    return reporter_id.split(":")[2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="one simulated hour at speed 120")
    parser.add_argument("--speed", type=float, default=60.0)
    parser.add_argument("--duration", default="10h")
    parser.add_argument("--seed", type=int, default=2017)
    parser.add_argument(
        "--start",
        help="simulated start, RFC 3339 (default: so that the run ends now); the same start "
        "makes two runs simulate the same hours, dusk included or not",
    )
    args = parser.parse_args()
    speed, duration = (120.0, "1h") if args.quick else (args.speed, args.duration)

    workdir = scratch_dir("vigie-sim-energy-")
    database_url = f"sqlite:///{workdir / 'vigie.db'}"
    engine = make_engine(database_url)
    upgrade_to_head(engine)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        seed_reference_municipalities(conn)
        write_city(conn, generate_city(args.seed, 1.0, list_municipalities(conn)), now, "bench")
        device = add_user(
            conn,
            username="sim",
            password="simulator-pass",
            role=Role.DEVICE,
            actor="bench",
            now=now,
        )
        token, _ = issue_token(
            conn, user_id=device.id, kind="machine", name="bench", now=now, lifetime=None
        )

    port = _free_port()
    env = {**os.environ, "VIGIE_DATABASE_URL": database_url, "VIGIE_VAR_DIR": str(workdir)}
    server = subprocess.Popen(
        [sys.executable, "-m", "vigie.cli.main", "serve", "--port", str(port), "--no-access-log"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(workdir / "server.log", "wb"),  # noqa: SIM115 - closed with the process
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2):
                    break
            except OSError:
                time.sleep(0.2)
        totals_path = workdir / "totals.json"
        started = time.perf_counter()
        sim = subprocess.run(
            [sys.executable, "-m", "vigie.cli.main", "sim", "run", "--via", "http", "--url", base,
             "--speed", str(speed), "--duration", duration, "--seed", str(args.seed),
             "--totals", str(totals_path), "--ground-truth", str(workdir / "faults.jsonl"),
             "--quiet", *(["--start", args.start] if args.start else [])],
            env={**env, "VIGIE_SIM_TOKEN": token},
            check=False,
        )  # fmt: skip
        run_s = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=60)
    print(f"simulator: exit {sim.returncode}, {run_s:.0f} s wall for {duration} at speed {speed:g}")

    totals = json.loads(totals_path.read_text())
    started = time.perf_counter()
    roll_up_in_steps(engine)
    rollup_s = time.perf_counter() - started
    expected: dict[str, float] = defaultdict(float)
    for asset_id, advance_wh in totals["energy_wh"]["by_asset"].items():
        expected[_type_of(asset_id)] += advance_wh
    stored: dict[str, dict[str, float]] = {"hour": defaultdict(float), "day": defaultdict(float)}
    with engine.connect() as conn:
        for name, table in (("hour", readings_hourly), ("day", readings_daily)):
            rows = conn.execute(
                select(table.c.asset_id, table.c.increase).where(table.c.metric == "energy_wh")
            )
            for asset_id, increase in rows:
                stored[name][_type_of(asset_id)] += increase or 0.0
        rejected = len(conn.execute(select(dead_letters.c.id)).all())

    worst = 0.0
    for reporter_type, want_wh in sorted(expected.items()):
        for name in ("hour", "day"):
            got_wh = stored[name][reporter_type]
            error = abs(got_wh - want_wh) / want_wh if want_wh else abs(got_wh)
            worst = max(worst, error)
            print(
                f"{reporter_type:28} {name:4} rollups {got_wh / 1000:14,.1f} kWh, "
                f"devices {want_wh / 1000:14,.1f} kWh, error {error:.4%}"
            )
    simulated_h = (
        datetime.fromisoformat(totals["end"]) - datetime.fromisoformat(totals["start"])
    ).total_seconds() / 3600
    result = {
        "sim_exit_code": sim.returncode,
        "sim_wall_s": round(run_s, 1),
        "simulated": duration,
        "simulated_h": round(simulated_h, 2),
        "interrupted": totals["interrupted"],
        "speed": speed,
        "readings_sent": totals["readings"],
        "readings_failed": totals["delivery"]["readings_failed"],
        "dead_letters": rejected,
        "rollup_s": round(rollup_s, 1),
        "energy_worst_error_pct": round(worst * 100, 4),
        "energy_goal_met": worst <= TOLERANCE
        and sim.returncode == 0
        and not totals["interrupted"]
        and totals["delivery"]["readings_failed"] == 0,
        "quick": args.quick,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
