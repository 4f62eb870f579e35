"""The generated street network of each municipality, kept in memory (the registry has no
road table yet): a jittered grid around the centre, clipped to the built-up area, with a ring
of boulevards and a pedestrian centre in the main municipality, and a few squares.

Each road carries its EN 13201 lighting class, which the streetlights laid along it inherit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt
import shapely
from shapely import LineString, Point, Polygon
from shapely.geometry.base import BaseGeometry

from vigie.domains.lighting.assets import LightingClass
from vigie.lab.city.geo import FloatArray, cumulative_length_m, points_along
from vigie.lab.city.names import (
    ARTERIAL_PREFIXES,
    COLLECTOR_PREFIXES,
    PATH_PREFIXES,
    RESIDENTIAL_PREFIXES,
    NameBook,
)
from vigie.registry.municipalities import Municipality

#: Roads stay this far inside the boundary, so that anything set beside them (lights, cabinets,
#: buildings set back from the street) is still inside the municipality.
EDGE_MARGIN_M = 25.0
#: Target distance between consecutive lights on one side of a road.
LIGHT_SPACING_M = 30.0
PEDESTRIAN_ZONE_RADIUS_M = 450.0
SAMPLE_STEP_M = 10.0
_MIN_ROAD_M = 20.0
_TOWN_POPULATION = 5_000


class Tier(StrEnum):
    MAIN = "main"  # the central city
    TOWN = "town"
    VILLAGE = "village"


class RoadKind(StrEnum):
    ARTERIAL = "arterial"
    COLLECTOR = "collector"
    RESIDENTIAL = "residential"
    PATH = "path"  # footpath or cycle path
    PEDESTRIAN = "pedestrian"  # street of the pedestrian centre
    SQUARE = "square"


#: EN 13201-2 class of each kind of road, by size of municipality.
_LIGHTING_CLASS: dict[RoadKind, dict[Tier, LightingClass]] = {
    RoadKind.ARTERIAL: {Tier.MAIN: "M2", Tier.TOWN: "M3", Tier.VILLAGE: "M3"},
    RoadKind.COLLECTOR: {Tier.MAIN: "M4", Tier.TOWN: "M4", Tier.VILLAGE: "M4"},
    RoadKind.RESIDENTIAL: {Tier.MAIN: "M5", Tier.TOWN: "M5", Tier.VILLAGE: "M6"},
    RoadKind.PATH: {Tier.MAIN: "P3", Tier.TOWN: "P4", Tier.VILLAGE: "P4"},
    RoadKind.PEDESTRIAN: {Tier.MAIN: "P2", Tier.TOWN: "P2", Tier.VILLAGE: "P2"},
    RoadKind.SQUARE: {Tier.MAIN: "C2", Tier.TOWN: "C3", Tier.VILLAGE: "C4"},
}
#: Wide roads are lit on both sides (staggered), the others on one side.
_LIT_SIDES = {RoadKind.ARTERIAL: 2}
#: How important a crossing is: the sum over its two roads (0 = two arterials).
_RANK = {RoadKind.ARTERIAL: 0, RoadKind.COLLECTOR: 1, RoadKind.RESIDENTIAL: 2}
_SQUARES = {Tier.MAIN: 8, Tier.TOWN: 2, Tier.VILLAGE: 1}
_GRID_SPACING_M = {Tier.MAIN: 115.0, Tier.TOWN: 125.0, Tier.VILLAGE: 105.0}


@dataclass(frozen=True, eq=False)
class Road:
    name: str
    kind: RoadKind
    lighting_class: LightingClass
    lit_sides: int
    coords: FloatArray
    length_m: float
    line: int  # roads cut from the same street share it


@dataclass(frozen=True)
class Crossing:
    """Where two roads cross; `first` is the more important one."""

    x: float
    y: float
    first: Road
    second: Road
    first_heading: float  # direction of the first road at the crossing (radians)
    second_heading: float

    @property
    def rank(self) -> int:
        """0 for two arterials; the higher, the less important."""
        return _RANK.get(self.first.kind, 3) + _RANK.get(self.second.kind, 3)

    @property
    def pedestrian(self) -> bool:
        """Inside the pedestrian centre."""
        return RoadKind.PEDESTRIAN in (self.first.kind, self.second.kind)

    @property
    def name(self) -> str:
        return f"{self.first.name} / {self.second.name}"


@dataclass(frozen=True)
class Square:
    name: str
    x: float
    y: float


@dataclass(frozen=True)
class Gate:
    """Where a street enters the pedestrian centre (a place for an access bollard)."""

    x: float
    y: float
    road_name: str


@dataclass(frozen=True)
class CommuneStreets:
    municipality: Municipality
    tier: Tier
    centre: tuple[float, float]
    grid_angle: float
    roads: tuple[Road, ...]
    crossings: tuple[Crossing, ...]
    squares: tuple[Square, ...]
    gates: tuple[Gate, ...]
    #: points every SAMPLE_STEP_M along every road, with their road index and unit tangent
    sample_xy: FloatArray
    sample_road: npt.NDArray[np.intp]
    sample_tangent: FloatArray

    @property
    def code(self) -> str:
        return self.municipality.code

    def samples_on(self, kinds: tuple[RoadKind, ...]) -> npt.NDArray[np.intp]:
        """Indices of the samples lying on roads of these kinds."""
        wanted = np.array([road.kind in kinds for road in self.roads], dtype=bool)
        return np.flatnonzero(wanted[self.sample_road])

    def nearest_sample(self, x: float, y: float) -> int:
        offsets = self.sample_xy - (x, y)
        return int(np.argmin(np.einsum("ij,ij->i", offsets, offsets)))


@dataclass(frozen=True)
class _Line:
    geometry: LineString
    kind: RoadKind
    name: str


class _Grid:
    """Candidate streets, before they are cut to the built-up area."""

    def __init__(self, lines: list[_Line]) -> None:
        self.lines = lines
        self._geometries = np.array([line.geometry for line in lines], dtype=object)
        self._sides = np.array([_LIT_SIDES.get(line.kind, 1) for line in lines], dtype=float)

    def capacity_m(self, area: BaseGeometry) -> float:
        """Length of road side the streets would offer to lights within `area`."""
        return float(
            (shapely.length(shapely.intersection(self._geometries, area)) * self._sides).sum()
        )


def _within(inner: BaseGeometry, centre: tuple[float, float], radius_m: float) -> BaseGeometry:
    return inner.intersection(Point(centre).buffer(radius_m, quad_segs=16))


def tier_of(municipality: Municipality, is_main: bool) -> Tier:
    if is_main:
        return Tier.MAIN
    return Tier.TOWN if municipality.population >= _TOWN_POPULATION else Tier.VILLAGE


def lay_out_streets(
    municipality: Municipality,
    boundary: Polygon,
    centre: tuple[float, float],
    streetlights: int,
    is_main: bool,
    rng: np.random.Generator,
) -> CommuneStreets:
    """Streets enough to carry `streetlights` at about LIGHT_SPACING_M: the grid grows from the
    centre until it does (a village keeps a compact core), and gets denser if even the whole
    municipality is too small (load-test scales)."""
    tier = tier_of(municipality, is_main)
    inner = boundary.buffer(-EDGE_MARGIN_M)
    if inner.is_empty:
        inner = boundary.buffer(-EDGE_MARGIN_M / 5)
    if not inner.contains(Point(centre)):
        point = inner.point_on_surface()
        centre = (point.x, point.y)
    names = NameBook(rng)
    angle = float(rng.uniform(0.0, math.pi / 2))
    reach_m = max(math.dist(centre, xy) for xy in boundary.exterior.coords)
    needed_m = max(streetlights, 1) * LIGHT_SPACING_M
    spacing_m = _GRID_SPACING_M[tier]
    grid = _Grid(_grid_lines(centre, reach_m, spacing_m, angle, rng, names))
    while (full_m := grid.capacity_m(inner)) < needed_m and spacing_m >= 30.0:
        spacing_m *= max(0.5, math.sqrt(full_m / needed_m) * 0.95)
        grid = _Grid(_grid_lines(centre, reach_m, spacing_m, angle, rng, names))
    # The smallest disc around the centre whose streets can carry the lights.
    low, high = 1.5 * spacing_m, reach_m
    for _step in range(16):  # halves a ~5 km bracket to under 0.1 m
        middle = (low + high) / 2
        enough = grid.capacity_m(_within(inner, centre, middle)) >= needed_m
        low, high = (low, middle) if enough else (middle, high)
    area = _within(inner, centre, high)
    lines = grid.lines
    roads = _clip(lines, area, tier)
    gates: list[Gate] = []
    if tier is Tier.MAIN:
        roads += _ring(centre, min(1_100.0, 0.45 * high), area, rng, names, len(lines), tier)
        # A small (low-scale) centre keeps traffic around its pedestrian heart.
        radius_m = min(PEDESTRIAN_ZONE_RADIUS_M, 0.4 * high)
        roads, gates = _pedestrian_centre(roads, area, centre, radius_m, tier)
    crossings = _crossings(roads, centre)
    squares, square_roads = _squares(crossings, centre, angle, tier, rng, names, len(lines) + 1)
    roads += square_roads
    sample_xy, sample_road, sample_tangent = _samples(roads)
    return CommuneStreets(
        municipality=municipality,
        tier=tier,
        centre=centre,
        grid_angle=angle,
        roads=tuple(roads),
        crossings=tuple(crossings),
        squares=tuple(squares),
        gates=tuple(gates),
        sample_xy=sample_xy,
        sample_road=sample_road,
        sample_tangent=sample_tangent,
    )


def _grid_lines(
    centre: tuple[float, float],
    reach_m: float,
    spacing_m: float,
    angle: float,
    rng: np.random.Generator,
    names: NameBook,
) -> list[_Line]:
    """Two families of parallel streets; every sixth is an arterial (the one through the
    centre first), every third a collector, a few residential ones are footpaths."""
    lines: list[_Line] = []
    count = int(reach_m / spacing_m) + 1
    for family_angle in (angle, angle + math.pi / 2):
        along = np.array((math.cos(family_angle), math.sin(family_angle)))
        across = np.array((-along[1], along[0]))
        for index in range(-count, count + 1):
            jitter = 0.0 if index == 0 else float(rng.uniform(-0.15, 0.15)) * spacing_m
            middle = np.array(centre) + (index * spacing_m + jitter) * across
            if index % 6 == 0:
                kind, prefixes = RoadKind.ARTERIAL, ARTERIAL_PREFIXES
            elif index % 3 == 0:
                kind, prefixes = RoadKind.COLLECTOR, COLLECTOR_PREFIXES
            elif rng.random() < 0.08:
                kind, prefixes = RoadKind.PATH, PATH_PREFIXES
            else:
                kind, prefixes = RoadKind.RESIDENTIAL, RESIDENTIAL_PREFIXES
            ends = (middle - reach_m * along, middle + reach_m * along)
            lines.append(_Line(LineString(ends), kind, names.street(prefixes)))
    return lines


def _road(name: str, kind: RoadKind, tier: Tier, coords: FloatArray, line: int) -> Road:
    length = float(cumulative_length_m(coords)[-1])
    sides = _LIT_SIDES.get(kind, 1)
    return Road(name, kind, _LIGHTING_CLASS[kind][tier], sides, coords, length, line)


def _parts(geometry: BaseGeometry) -> list[FloatArray]:
    """The coordinates of each non-trivial line in a clipping result."""
    found = []
    for part in shapely.get_parts(geometry):
        if part.geom_type == "LineString" and part.length >= _MIN_ROAD_M:
            found.append(np.asarray(part.coords, dtype=float))
    return found


def _clip(lines: list[_Line], area: BaseGeometry, tier: Tier) -> list[Road]:
    clipped = shapely.intersection(np.array([line.geometry for line in lines], dtype=object), area)
    return [
        _road(line.name, line.kind, tier, coords, index)
        for index, (line, geometry) in enumerate(zip(lines, clipped, strict=True))
        for coords in _parts(
            shapely.line_merge(geometry) if geometry.geom_type == "MultiLineString" else geometry
        )
    ]


def _ring(
    centre: tuple[float, float],
    radius_m: float,
    area: BaseGeometry,
    rng: np.random.Generator,
    names: NameBook,
    line: int,
    tier: Tier,
) -> list[Road]:
    """The boulevards around the old town: a wobbly ring cut into six named arcs."""
    phase = float(rng.uniform(0, 2 * math.pi))
    theta = np.linspace(0.0, 2 * math.pi, 97)
    radius = radius_m * (1 + 0.06 * np.sin(3 * theta + phase))
    ring = np.column_stack((centre[0] + radius * np.cos(theta), centre[1] + radius * np.sin(theta)))
    roads = []
    for arc in range(6):
        name = names.street(("Boulevard",))
        piece = LineString(ring[arc * 16 : arc * 16 + 17]).intersection(area)
        roads += [_road(name, RoadKind.ARTERIAL, tier, coords, line) for coords in _parts(piece)]
    return roads


def _pedestrian_centre(
    roads: list[Road],
    area: BaseGeometry,
    centre: tuple[float, float],
    radius_m: float,
    tier: Tier,
) -> tuple[list[Road], list[Gate]]:
    """Streets within `radius_m` of the centre become pedestrian; where one crosses the edge
    of that zone is a gate."""
    zone = area.intersection(Point(centre).buffer(radius_m, quad_segs=32))
    result: list[Road] = []
    gates: list[Gate] = []
    for road in roads:
        line = LineString(road.coords)
        if not line.intersects(zone):
            result.append(road)
            continue
        for coords in _parts(line.difference(zone)):
            result.append(_road(road.name, road.kind, tier, coords, road.line))
        for coords in _parts(line.intersection(zone)):
            result.append(_road(road.name, RoadKind.PEDESTRIAN, tier, coords, road.line))
            for end, toward in ((coords[0], coords[1]), (coords[-1], coords[-2])):
                if abs(math.dist(end, centre) - radius_m) < 1.0:
                    step = (toward - end) / max(float(np.hypot(*(toward - end))), 1e-9)
                    inside = end + 5.0 * step
                    gates.append(Gate(float(inside[0]), float(inside[1]), road.name))
    return result, gates


def _heading(road: Road, point: Point) -> float:
    """Direction of the road where it passes `point`."""
    if len(road.coords) == 2:  # a straight street: no need to find the segment
        dx, dy = road.coords[1] - road.coords[0]
        return math.atan2(dy, dx)
    along = LineString(road.coords).project(point)
    _, tangent = points_along(road.coords, np.array([along]))
    return math.atan2(tangent[0, 1], tangent[0, 0])


def _crossings(roads: list[Road], centre: tuple[float, float]) -> list[Crossing]:
    geometries = np.array([LineString(road.coords) for road in roads], dtype=object)
    line_of = np.array([road.line for road in roads])
    left, right = shapely.STRtree(geometries).query(geometries, predicate="intersects")
    # Pieces of one street meet end to end; they do not cross.
    keep = (left < right) & (line_of[left] != line_of[right])
    left, right = left[keep], right[keep]
    crossings = []
    for a, b, where in zip(
        left, right, shapely.intersection(geometries[left], geometries[right]), strict=True
    ):
        first, second = sorted((roads[int(a)], roads[int(b)]), key=lambda r: _RANK.get(r.kind, 3))
        for point in shapely.get_parts(where):
            if point.geom_type == "Point":
                crossings.append(
                    Crossing(
                        point.x,
                        point.y,
                        first,
                        second,
                        _heading(first, point),
                        _heading(second, point),
                    )
                )
    crossings.sort(key=lambda c: (c.rank, round(math.dist((c.x, c.y), centre), 3), c.x, c.y))
    return crossings


def _squares(
    crossings: list[Crossing],
    centre: tuple[float, float],
    angle: float,
    tier: Tier,
    rng: np.random.Generator,
    names: NameBook,
    line: int,
) -> tuple[list[Square], list[Road]]:
    """The town-hall square at the crossing nearest the centre, the others at crossings of
    main roads at least 300 m apart; each is a small loop of road (a conflict area)."""
    if not crossings:
        return [], []
    central = min(crossings, key=lambda c: (math.dist((c.x, c.y), centre), c.x, c.y))
    chosen = [central]
    candidates = [c for c in crossings if c.rank <= 2]
    for index in rng.permutation(len(candidates)):
        if len(chosen) >= _SQUARES[tier]:
            break
        candidate = candidates[int(index)]
        if all(math.dist((candidate.x, candidate.y), (c.x, c.y)) >= 300 for c in chosen):
            chosen.append(candidate)
    squares, roads = [], []
    for number, crossing in enumerate(chosen):
        name = names.square(town_hall=number == 0)
        half = float(rng.uniform(20.0, 35.0))
        corners = [(-half, -half), (half, -half), (half, half), (-half, half), (-half, -half)]
        cos_a, sin_a = math.cos(angle), math.sin(angle)
        loop = np.array(
            [
                (crossing.x + u * cos_a - v * sin_a, crossing.y + u * sin_a + v * cos_a)
                for u, v in corners
            ]
        )
        squares.append(Square(name, crossing.x, crossing.y))
        roads.append(_road(name, RoadKind.SQUARE, tier, loop, line + number))
    return squares, roads


def _samples(roads: list[Road]) -> tuple[FloatArray, npt.NDArray[np.intp], FloatArray]:
    points, owners, tangents = [], [], []
    for index, road in enumerate(roads):
        distances = np.arange(SAMPLE_STEP_M / 2, road.length_m, SAMPLE_STEP_M)
        xy, tangent = points_along(road.coords, distances)
        points.append(xy)
        tangents.append(tangent)
        owners.append(np.full(len(distances), index, dtype=np.intp))
    return np.concatenate(points), np.concatenate(owners), np.concatenate(tangents)
