"""A small hand-built city for alarm tests: every kind of asset the rules watch, and a
topology with something to correlate.

    cabinet 1 ── feeder 1 ── lights 1..6        cabinet 2 ── feeder 1 ── lights 7..8
    core 1 ══ core 2 (ring: core 1 ─ aggregation ─ core 2)
    aggregation ── access A (camera 1, controller 1) ── access B (camera 2, bollard 1)
    Talant: one light on its own cabinet, one camera on access A
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from vigie.registry.batch import create_assets
from vigie.registry.validation import AssetInput

DIJON = "21231"
TALANT = "21617"


def urn(asset_type: str, local: int | str, municipality: str = DIJON) -> str:
    return f"urn:ngsi-ld:{asset_type}:{municipality}:{local}"


CABINET_1 = urn("StreetlightControlCabinet", 1)
CABINET_2 = urn("StreetlightControlCabinet", 2)
FEEDER_1 = urn("StreetlightFeeder", "1-1")
CORE_1, CORE_2 = urn("NetworkNode", 1), urn("NetworkNode", 2)
AGGREGATION, ACCESS_A, ACCESS_B = (
    urn("NetworkNode", 3),
    urn("NetworkNode", 4),
    urn("NetworkNode", 5),
)
RING_1, RING_2, RING_3 = urn("FibreLink", 1), urn("FibreLink", 2), urn("FibreLink", 3)
UPLINK_A, UPLINK_B = urn("FibreLink", 4), urn("FibreLink", 5)
CAMERA_1, CAMERA_2 = urn("Camera", 1), urn("Camera", 2)
CAMERA_TALANT = urn("Camera", 1, TALANT)
CONTROLLER = urn("TrafficSignalController", 1)
BOLLARD = urn("Bollard", 1)
BUS = urn("Bus", 1)
VAN = urn("FleetVehicle", 1)
SCHOOL = urn("Building", 1)
SCHOOL_METER = urn("Meter", "1-1")
LIGHT_TALANT = urn("Streetlight", 1, TALANT)


def light(n: int) -> str:
    return urn("Streetlight", n)


def _asset(
    asset_type: str,
    asset_id: str,
    lon: float,
    lat: float,
    attributes: dict[str, Any],
    *,
    links: list[tuple[str, str]] = (),  # type: ignore[assignment]
    parts: list[dict[str, Any]] | None = None,
    geometry: dict[str, Any] | None = None,
) -> AssetInput:
    municipality = asset_id.split(":")[3]
    return AssetInput(
        type=asset_type,
        id=asset_id,
        name=asset_id.rsplit(":", 2)[-2] + " " + asset_id.rsplit(":", 1)[-1],
        municipality_code=municipality,
        lon=lon,
        lat=lat,
        attributes=attributes,
        links=[{"relation": r, "target_id": t} for r, t in links],
        parts=parts or [],
        geometry=geometry,
    )


def _light(asset_id: str, lon: float, lat: float, feeder: str) -> AssetInput:
    attributes = {
        "lamp_technology": "LED",
        "rated_power_w": 40.0,
        "baseline_power_w": 150.0,
        "lighting_class": "M4",
        "mounting_height_m": 8.0,
    }
    return _asset("Streetlight", asset_id, lon, lat, attributes, links=[("fed_by", feeder)])


def _cabinet(asset_id: str, lon: float, lat: float, feeders: int = 1) -> AssetInput:
    return _asset(
        "StreetlightControlCabinet",
        asset_id,
        lon,
        lat,
        {"supply_kva": 36, "feeder_count": feeders},
        parts=[{"kind": "feeder", "attributes": {"circuit": n}} for n in range(1, feeders + 1)],
    )


def _node(asset_id: str, lon: float, role: str) -> AssetInput:
    return _asset("NetworkNode", asset_id, lon, 47.32, {"node_role": role})


def _link(asset_id: str, a: str, b: str) -> AssetInput:
    line = {"type": "LineString", "coordinates": [[5.03, 47.32], [5.04, 47.32]]}
    return _asset(
        "FibreLink",
        asset_id,
        5.03,
        47.32,
        {"length_m": 800.0},
        links=[("endpoint", a), ("endpoint", b)],
        geometry=line,
    )


def city_rows() -> list[AssetInput]:
    on = "connected_to"
    rows = [
        _cabinet(CABINET_1, 5.0390, 47.3220),
        _cabinet(CABINET_2, 5.0450, 47.3230),
        *(_light(light(n), 5.0350 + n * 0.0004, 47.3222, FEEDER_1) for n in range(1, 7)),
        *(
            _light(light(n), 5.0450 + n * 0.0004, 47.3232, urn("StreetlightFeeder", "2-1"))
            for n in (7, 8)
        ),
        _cabinet(urn("StreetlightControlCabinet", 1, TALANT), 5.0030, 47.3370),
        _light(LIGHT_TALANT, 5.0031, 47.3371, urn("StreetlightFeeder", "1-1", TALANT)),
        _node(CORE_1, 5.030, "core"),
        _node(CORE_2, 5.031, "core"),
        _node(AGGREGATION, 5.032, "aggregation"),
        _node(ACCESS_A, 5.033, "access"),
        _node(ACCESS_B, 5.034, "access"),
        _link(RING_1, CORE_1, CORE_2),
        _link(RING_2, CORE_1, AGGREGATION),
        _link(RING_3, AGGREGATION, CORE_2),
        _link(UPLINK_A, AGGREGATION, ACCESS_A),
        _link(UPLINK_B, ACCESS_A, ACCESS_B),
        _asset(
            "Camera",
            CAMERA_1,
            5.0331,
            47.32,
            {"camera_kind": "ptz", "camera_usage": "security"},
            links=[(on, ACCESS_A)],
        ),
        _asset(
            "Camera",
            CAMERA_2,
            5.0341,
            47.32,
            {"camera_kind": "dome", "camera_usage": "traffic"},
            links=[(on, ACCESS_B)],
        ),
        _asset(
            "Camera",
            CAMERA_TALANT,
            5.0032,
            47.3372,
            {"camera_kind": "dome", "camera_usage": "security"},
            links=[(on, ACCESS_A)],
        ),
        _asset(
            "TrafficSignalController",
            CONTROLLER,
            5.0332,
            47.32,
            {"intersection_name": "Place Darcy"},
            links=[(on, ACCESS_A)],
        ),
        _asset(
            "Bollard",
            BOLLARD,
            5.0342,
            47.32,
            {"bollard_kind": "retractable", "access_zone": "Centre"},
            links=[(on, ACCESS_B)],
        ),
        # Line 3 runs east along the parallel 47.33 from 5.00 to 5.06: three buses on it.
        *(
            _asset(
                "Bus",
                urn("Bus", n),
                5.00 + 0.03 * (n - 1),
                47.33,
                {
                    "fleet_number": str(1000 + n),
                    "capacity_passengers": 95,
                    "propulsion": "hybrid",
                    "line_ref": "3",
                },
            )
            for n in (1, 2, 3)
        ),
        _asset(
            "FleetVehicle",
            VAN,
            5.04,
            47.31,
            {"vehicle_kind": "van", "license_plate": "AB-123-CD", "service": "lighting"},
        ),
        _asset(
            "Building",
            SCHOOL,
            5.036,
            47.325,
            {"building_use": "school", "floor_area_m2": 2400.0},
            parts=[{"kind": "meter", "attributes": {"energy_carrier": "electricity"}}],
        ),
    ]
    return rows


def seed_city(conn: Connection, now: datetime) -> None:
    create_assets(conn, list(enumerate(city_rows(), start=1)), actor="test", now=now)


def seed_big_cabinet(conn: Connection, now: datetime, lights: int) -> list[str]:
    """One cabinet with `lights` luminaires on its four feeders; their ids."""
    cabinet = urn("StreetlightControlCabinet", 90)
    rows = [_cabinet(cabinet, 5.05, 47.30, feeders=4)]
    ids = [light(1000 + n) for n in range(lights)]
    rows += [
        _light(
            asset_id,
            5.05 + (n % 100) * 1e-4,
            47.30 + (n // 100) * 1e-4,
            urn("StreetlightFeeder", f"90-{n % 4 + 1}"),
        )
        for n, asset_id in enumerate(ids)
    ]
    create_assets(conn, list(enumerate(rows, start=1)), actor="test", now=now)
    return ids
