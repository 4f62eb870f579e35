"""Small, readable fixtures of registry content for tests (the full twin comes from sim)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Connection

from vigie.registry.batch import create_assets
from vigie.registry.validation import AssetInput

DIJON = "21231"
TALANT = "21617"
CABINET_ID = "urn:ngsi-ld:StreetlightControlCabinet:21231:1"
FEEDER_ID = "urn:ngsi-ld:StreetlightFeeder:21231:1-1"
NODE_ID = "urn:ngsi-ld:NetworkNode:21231:1"


def streetlight(
    municipality: str, lon: float, lat: float, n: int, feeder: str | None = None
) -> AssetInput:
    return AssetInput(
        type="Streetlight",
        id=f"urn:ngsi-ld:Streetlight:{municipality}:{n}",
        name=f"Light {n}",
        municipality_code=municipality,
        lon=lon,
        lat=lat,
        attributes={
            "lamp_technology": "LED",
            "rated_power_w": 40.0,
            "baseline_power_w": 150.0,
            "lighting_class": "M4",
            "mounting_height_m": 8.0,
            "road_name": "Rue de la Liberté",
        },
        links=[{"relation": "fed_by", "target_id": feeder}] if feeder else [],
    )


def seed_small_network(conn: Connection, now: datetime) -> None:
    """A Dijon cabinet feeding 10 lights along rue de la Liberté, a network node with a
    camera, and 5 lights in Talant."""
    rows: list[AssetInput] = [
        AssetInput(
            type="StreetlightControlCabinet",
            id=CABINET_ID,
            name="Cabinet Liberté",
            municipality_code=DIJON,
            lon=5.0390,
            lat=47.3220,
            attributes={"supply_kva": 36, "feeder_count": 2},
            parts=[
                {"kind": "feeder", "id": FEEDER_ID, "attributes": {"circuit": 1}},
                {"kind": "feeder", "attributes": {"circuit": 2}},
            ],
        ),
        AssetInput(
            type="NetworkNode",
            id=NODE_ID,
            name="Node Darcy",
            municipality_code=DIJON,
            lon=5.0340,
            lat=47.3225,
            attributes={"node_role": "access"},
        ),
        AssetInput(
            type="Camera",
            id="urn:ngsi-ld:Camera:21231:1",
            name="Camera Darcy",
            municipality_code=DIJON,
            lon=5.0345,
            lat=47.3226,
            attributes={"camera_kind": "ptz", "camera_usage": "security"},
            links=[{"relation": "connected_to", "target_id": NODE_ID}],
        ),
    ]
    # Rue de la Liberté runs east-west; one light every ~30 m.
    rows += [streetlight(DIJON, 5.0350 + i * 0.0004, 47.3222, i + 1, FEEDER_ID) for i in range(10)]
    rows += [streetlight(TALANT, 5.0030 + i * 0.0004, 47.3370, i + 1) for i in range(5)]
    create_assets(conn, list(enumerate(rows, start=1)), actor="test", now=now)
