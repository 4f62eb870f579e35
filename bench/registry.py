"""Registry benchmark on the Dijon twin: generator time, bbox query p95 over 1 km² windows,
GeoJSON of every streetlight, and the import rate of a 30,000-row municipal CSV.

    python bench/registry.py [--quick]

The API is measured through a real `vigie serve` process on 127.0.0.1 with a real HTTP
client; the store is a fresh SQLite file. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx2 as httpx
from pyproj import Transformer
from sqlalchemy import text
from sqlalchemy.engine import make_url

from scratch import scratch_dir
from vigie.auth.roles import Role
from vigie.auth.users import add_user
from vigie.core.geodesy import M_PER_DEG_LAT
from vigie.domains.installed import install_all
from vigie.lab.city import generate_city, write_city
from vigie.registry.assets import AssetFilter, query_assets
from vigie.registry.importing.importer import import_file
from vigie.registry.municipalities import list_municipalities, seed_reference_municipalities
from vigie.store.engine import make_engine
from vigie.store.migrate import upgrade_to_head

install_all()  # the facilities, as the `vigie` command installs them

GEOJSON_GOAL_S = 1.0
GENERATE_GOAL_S = 60.0
WINDOW_HALF_SIDE_M = 500.0  # a 1 km x 1 km window

IMPORT_MAPPING = """
name = "{LIBELLE}"
x = "COORD_X"
y = "COORD_Y"

[attributes]
lamp_technology = "TECHNO"
rated_power_w = "PUISSANCE_W"
baseline_power_w = "PUISSANCE_AVANT_W"
lighting_class = "CLASSE"
mounting_height_m = "HAUTEUR_M"
road_name = "VOIE"
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def _write_import_csv(path: Path, rows: int, anchors: list[tuple[float, float]], seed: int) -> None:
    """A streetlight inventory as a French GIS exports it: `;`, decimal commas, Lambert-93,
    ISO-8859-1 accents."""
    to_lambert = Transformer.from_crs("EPSG:4326", "EPSG:2154", always_xy=True)
    rng = random.Random(seed)
    lines = ["LIBELLE;COORD_X;COORD_Y;TECHNO;PUISSANCE_W;PUISSANCE_AVANT_W;CLASSE;HAUTEUR_M;VOIE"]
    for n in range(rows):
        lon, lat = anchors[rng.randrange(len(anchors))]
        x, y = to_lambert.transform(lon + rng.uniform(-2e-4, 2e-4), lat + rng.uniform(-2e-4, 2e-4))
        power = rng.choice((26, 39, 52, 78))
        x_text, y_text = f"{x:.2f}".replace(".", ","), f"{y:.2f}".replace(".", ",")
        lines.append(
            f"Point lumineux {n + 1};{x_text};{y_text};LED;{power};{power * 3};M5;8,0;"
            f"Rue de l'Église n°{n % 400}"
        )
    path.write_bytes(("\n".join(lines) + "\n").encode("iso-8859-1"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer queries and import rows")
    parser.add_argument("--seed", type=int, default=2017)
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="run on PostgreSQL (a scratch database is created beside URL's and dropped after); "
        "default: a fresh SQLite file",
    )
    args = parser.parse_args()
    bbox_queries = 40 if args.quick else 300
    geojson_runs = 2 if args.quick else 5
    import_rows = 10_000 if args.quick else 30_000

    workdir = scratch_dir("vigie-bench-")
    with scratch_store(workdir, args.postgres) as database_url:
        run(args, workdir, database_url, bbox_queries, geojson_runs, import_rows)


@contextmanager
def scratch_store(workdir: Path, postgres_url: str | None) -> Iterator[str]:
    """The URL of an empty store: a SQLite file, or a PostgreSQL database made for the run."""
    if postgres_url is None:
        yield f"sqlite:///{workdir / 'vigie.db'}"
        return
    base = make_url(postgres_url)
    name = f"vigie_bench_{os.getpid()}"
    admin = make_engine(base.render_as_string(hide_password=False))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run(
    args: argparse.Namespace,
    workdir: Path,
    database_url: str,
    bbox_queries: int,
    geojson_runs: int,
    import_rows: int,
) -> None:
    engine = make_engine(database_url)
    upgrade_to_head(engine)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        seed_reference_municipalities(conn)
        add_user(
            conn,
            username="bench",
            password="bench-password",
            role=Role.ADMIN,
            actor="bench",
            now=now,
        )
        municipalities = list_municipalities(conn)

    started = time.perf_counter()
    city = generate_city(args.seed, 1.0, municipalities)
    with engine.begin() as conn:
        write_city(conn, city, now, "bench")
    generate_s = time.perf_counter() - started
    print(f"generate + write the Dijon twin: {generate_s:.1f} s ({len(city.assets):,} assets)")

    with engine.connect() as conn:
        lights = query_assets(conn, AssetFilter(types=("Streetlight",)))
    rng = random.Random(args.seed)
    centres = [(a.lon, a.lat) for a in rng.sample(lights, bbox_queries)]

    port = _free_port()
    env = {**os.environ, "VIGIE_DATABASE_URL": database_url, "VIGIE_VAR_DIR": str(workdir)}
    server = subprocess.Popen(
        [sys.executable, "-m", "vigie.cli.main", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=60) as client:
            for _ in range(100):
                try:
                    if client.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            token = client.post(
                "/api/v1/auth/token", json={"username": "bench", "password": "bench-password"}
            ).json()["access_token"]
            client.headers["Authorization"] = f"Bearer {token}"

            latencies_ms: list[float] = []
            found: list[int] = []
            for lon, lat in centres:
                dlat = WINDOW_HALF_SIDE_M / M_PER_DEG_LAT
                dlon = dlat / math.cos(math.radians(lat))
                bbox = f"{lon - dlon},{lat - dlat},{lon + dlon},{lat + dlat}"
                t0 = time.perf_counter()
                response = client.get("/api/v1/assets", params={"bbox": bbox, "limit": 5000})
                latencies_ms.append((time.perf_counter() - t0) * 1000)
                response.raise_for_status()
                found.append(len(response.json()["items"]))
            bbox_p95_ms = _percentile(latencies_ms, 0.95)
            p50_ms = statistics.median(latencies_ms)
            print(
                f"bbox 1 km²: p50 {p50_ms:.1f} ms, p95 {bbox_p95_ms:.1f} ms over "
                f"{len(latencies_ms)} windows (median {statistics.median(found):.0f} assets each)"
            )

            geojson_s: list[float] = []
            for _ in range(geojson_runs):
                t0 = time.perf_counter()
                response = client.get(
                    "/api/v1/assets",
                    params={"type": "Streetlight", "format": "geojson", "limit": 50_000},
                )
                body = response.content
                geojson_s.append(time.perf_counter() - t0)
                features = len(json.loads(body)["features"])
                assert features == len(lights), (features, len(lights))
            geojson_median_s = statistics.median(geojson_s)
            print(
                f"GeoJSON of all {len(lights):,} streetlights: median {geojson_median_s:.2f} s "
                f"over {geojson_runs} runs ({len(body) / 1e6:.1f} MB), goal < {GEOJSON_GOAL_S} s"
            )
    finally:
        server.terminate()
        server.wait(timeout=30)

    csv_path = workdir / "eclairage_public.csv"
    mapping_path = workdir / "eclairage_public.toml"
    mapping_path.write_text(IMPORT_MAPPING, encoding="utf-8")
    anchors = [(a.lon, a.lat) for a in lights[:: max(1, len(lights) // 2000)]]
    _write_import_csv(csv_path, import_rows, anchors, args.seed)
    t0 = time.perf_counter()
    report = import_file(
        engine,
        csv_path,
        asset_type="Streetlight",
        actor="bench",
        crs="EPSG:2154",
        mapping=mapping_path,
    )
    import_s = time.perf_counter() - t0
    assert report.imported == import_rows, report
    import_rows_per_s = import_rows / import_s
    print(
        f"import of a {import_rows:,}-row CSV (Lambert-93, ISO-8859-1): "
        f"{import_s:.1f} s, {import_rows_per_s:,.0f} rows/s"
    )
    engine.dispose()

    result = {
        "bbox_p95_ms": round(bbox_p95_ms, 2),
        "geojson_all_streetlights_s": round(geojson_median_s, 3),
        "generate_s": round(generate_s, 2),
        "import_rows_per_s": round(import_rows_per_s),
        "streetlights": len(lights),
        "import_rows": import_rows,
        "bbox_queries": len(latencies_ms),
        "geojson_goal_met": geojson_median_s < GEOJSON_GOAL_S,
        "generate_goal_met": generate_s < GENERATE_GOAL_S,
        "quick": args.quick,
        "store": make_url(database_url).get_backend_name(),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
