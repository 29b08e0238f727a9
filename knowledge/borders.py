"""Which country a point is in: border polygons and an even-odd ray cast over an edge index.

Why hand-written and not shapely: the question is one point in a handful of polygons, a few
dozen lines of well-known code, and shapely would bring GEOS and numpy into a chatbot for it.
Why indexes: Vietnam's border has ~29,000 vertices and China's near part ~26,000; casting a ray
across all of them in Python takes milliseconds. So:
- a coarse grid of 1-degree cells lists the countries one of whose polygons comes near each
  cell (a country that spans the antimeridian, whose own box is the whole world, is tried only
  near its land);
- each country's edges are bucketed into horizontal bands of ``BAND`` degrees for the ray cast
  (a query looks at the few dozen edges of its band), and into small square cells for the
  distance to the coast (a query looks at the cells within the distance asked).
Both edge indexes are built the first time a country is asked about.
"""

from __future__ import annotations

import itertools
import json
import math
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

BAND = 0.05  # degrees of latitude per band of the ray-cast index
SQUARE = 0.05  # degrees per side of the distance index's cells (the precise layer)
WORLD_SQUARE = 0.5  # the same for the 1:50m layer, whose edges are long and few
CELL = 1.0  # degrees per side of the coarse grid of countries
CELL_MARGIN = 0.1  # degrees around each polygon box in that grid: > 5 km below 60° latitude
M = CELL_MARGIN
KM_PER_DEGREE = 111.195

# Edge kinds, one byte per vertex: the edge from vertex i to i + 1 is on an outer ring, on a
# hole, or is no edge at all (vertex i closes its ring).
NO_EDGE, OUTER, HOLE = 0, 1, 2


def _floor(value: float, step: float) -> int:
    return math.floor(value / step)


@dataclass
class Country:
    """One country's rings (outer and holes alike: the even-odd rule handles holes).

    The land layer has holes for lakes and reservoirs (Hồ Tây, Dầu Tiếng); a point in one is
    still in the country, which ``within_outline`` tells by ignoring the holes.

    Why flat arrays: a list per vertex costs ~120 bytes, and the world has ~260,000 vertices;
    two ``array('d')`` and a ``bytearray`` cost 17. The indexes hold vertex numbers, 4 bytes each.
    """

    iso: str
    name: str
    west: float
    south: float
    east: float
    north: float
    xs: array  # longitudes of every vertex of every ring, rings one after another
    ys: array  # latitudes, likewise
    kinds: bytearray  # per vertex: the kind of the edge that starts there
    boxes: list[list[float]] = field(default_factory=list)  # per polygon: west, south, east, north
    square: float = SQUARE  # side of the distance index's cells: coarser for coarse data
    _bands: dict[int, array] | None = field(default=None, repr=False)
    _squares: dict[tuple[int, int], array] | None = field(default=None, repr=False)

    @classmethod
    def from_polygons(
        cls,
        iso: str,
        name: str,
        bbox: list[float],
        polygons: list,
        boxes: list[list[float]],
        square: float = SQUARE,
    ) -> Country:
        rings = [(ring, number == 0) for polygon in polygons for number, ring in enumerate(polygon)]
        xs = array("d", [x for ring, _ in rings for x, _ in ring])
        ys = array("d", [y for ring, _ in rings for _, y in ring])
        kinds = bytearray()
        for ring, outer in rings:
            kinds += bytes([OUTER if outer else HOLE]) * (len(ring) - 1) + bytes([NO_EDGE])
        west, south, east, north = bbox
        return cls(iso, name, west, south, east, north, xs, ys, kinds, boxes, square)

    def _edges(self) -> Iterator[int]:
        return (i for i, kind in enumerate(self.kinds) if kind != NO_EDGE)

    def _band_index(self) -> dict[int, array]:
        if self._bands is None:
            bands: dict[int, array] = {}
            ys = self.ys
            for i in self._edges():
                y1, y2 = ys[i], ys[i + 1]
                low, high = (y1, y2) if y1 <= y2 else (y2, y1)
                for band in range(_floor(low, BAND), _floor(high, BAND) + 1):
                    bands.setdefault(band, array("I")).append(i)
            self._bands = bands
        return self._bands

    def _square_index(self) -> dict[tuple[int, int], array]:
        """Each edge in the squares its segment passes through (sampled at a quarter square;
        a query looks one square beyond its distance, so a corner the sampling skips is met)."""
        if self._squares is None:
            squares: dict[tuple[int, int], array] = {}
            xs, ys, size = self.xs, self.ys, self.square
            for i in self._edges():
                x1, y1, x2, y2 = xs[i], ys[i], xs[i + 1], ys[i + 1]
                steps = max(1, math.ceil(max(abs(x2 - x1), abs(y2 - y1)) / (size / 4)))
                seen = {
                    (_floor(y1 + (y2 - y1) * k / steps, size),
                     _floor(x1 + (x2 - x1) * k / steps, size))
                    for k in range(steps + 1)
                }
                for key in seen:
                    squares.setdefault(key, array("I")).append(i)
            self._squares = squares
        return self._squares

    def in_box(self, lat: float, lon: float, margin: float = 0.0) -> bool:
        return (
            self.south - margin <= lat <= self.north + margin
            and self.west - margin <= lon <= self.east + margin
        )

    def contains(self, lat: float, lon: float) -> bool:
        """On the country's land (not in a lake)."""
        return self._cast(lat, lon, holes=True)

    def within_outline(self, lat: float, lon: float) -> bool:
        """Inside the country's outline, lakes included."""
        return self._cast(lat, lon, holes=False)

    def _cast(self, lat: float, lon: float, holes: bool) -> bool:
        if not self.in_box(lat, lon):
            return False
        xs, ys, kinds = self.xs, self.ys, self.kinds
        inside = False
        for i in self._band_index().get(_floor(lat, BAND), ()):
            y1, y2 = ys[i], ys[i + 1]
            if (y1 > lat) != (y2 > lat) and (holes or kinds[i] == OUTER):
                x1 = xs[i]
                if lon < x1 + (lat - y1) * (xs[i + 1] - x1) / (y2 - y1):
                    inside = not inside
        return inside

    def distance_km(self, lat: float, lon: float, max_km: float) -> float:
        """Km from the point to the nearest edge, looking no farther than ``max_km`` (beyond
        that, ``math.inf``). Local flat-earth projection: exact enough at a few km."""
        scale = max(math.cos(math.radians(lat)), 0.01)
        dlat = max_km / KM_PER_DEGREE
        dlon = dlat / scale
        if not (self.south - dlat <= lat <= self.north + dlat) or not (
            self.west - dlon <= lon <= self.east + dlon
        ):
            return math.inf
        index = self._square_index()
        xs, ys, size = self.xs, self.ys, self.square
        south, north, west, east = lat - dlat, lat + dlat, lon - dlon, lon + dlon
        best = math.inf
        for row in range(_floor(lat - dlat, size) - 1, _floor(lat + dlat, size) + 2):
            for column in range(_floor(lon - dlon, size) - 1, _floor(lon + dlon, size) + 2):
                for i in index.get((row, column), ()):
                    x1, y1, x2, y2 = xs[i], ys[i], xs[i + 1], ys[i + 1]
                    if (y1 > north and y2 > north) or (y1 < south and y2 < south):
                        continue  # the whole edge is farther than max_km
                    if (x1 > east and x2 > east) or (x1 < west and x2 < west):
                        continue
                    distance = _segment_km(lat, lon, x1, y1, x2, y2, scale)
                    if distance < best:
                        best = distance
        return best if best <= max_km else math.inf


def _segment_km(
    lat: float, lon: float, x1: float, y1: float, x2: float, y2: float, scale: float
) -> float:
    ax, ay = (x1 - lon) * scale, y1 - lat
    bx, by = (x2 - lon) * scale, y2 - lat
    dx, dy = bx - ax, by - ay
    length = dx * dx + dy * dy
    t = 0.0 if length == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / length))
    px, py = ax + t * dx, ay + t * dy
    return math.hypot(px, py) * KM_PER_DEGREE


@dataclass
class Borders:
    """Countries in the order they are tried (the precise layer first, Vietnam first of all)."""

    countries: list[Country]
    cells: dict[tuple[int, int], list[Country]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for country in self.countries:
            covered: set[tuple[int, int]] = set()
            for west, south, east, north in country.boxes:
                covered.update(
                    itertools.product(
                        range(_floor(south - M, CELL), _floor(north + M, CELL) + 1),
                        range(_floor(west - M, CELL), _floor(east + M, CELL) + 1),
                    )
                )
            for key in covered:
                self.cells.setdefault(key, []).append(country)

    @classmethod
    def load(cls, paths: list[Path]) -> Borders:
        """Countries in file order (the first file is the precise layer); each country's indexes
        are built the first time a query comes near it."""
        countries: list[Country] = []
        for number, path in enumerate(paths):
            collection = json.loads(path.read_text(encoding="utf-8"))
            for feature in collection["features"]:
                countries.append(
                    Country.from_polygons(
                        feature["properties"]["iso"],
                        feature["properties"]["name"],
                        feature["bbox"],
                        feature["geometry"]["coordinates"],
                        feature["properties"]["boxes"],
                        SQUARE if number == 0 else WORLD_SQUARE,
                    )
                )
        return cls(countries)

    def near(self, lat: float, lon: float) -> list[Country]:
        """The countries with land within about ``CELL_MARGIN`` of the point's cell."""
        return self.cells.get((_floor(lat, CELL), _floor(lon, CELL)), [])

    def country_at(self, lat: float, lon: float) -> str | None:
        """The country whose land holds the point, else whose outline does (a lake)."""
        candidates = self.near(lat, lon)
        for country in candidates:
            if country.contains(lat, lon):
                return country.iso
        for country in candidates:
            if country.within_outline(lat, lon):
                return country.iso
        return None

    def distance_km(self, iso: str, lat: float, lon: float, max_km: float) -> float:
        return min(
            (c.distance_km(lat, lon, max_km) for c in self.near(lat, lon) if c.iso == iso),
            default=math.inf,
        )

    def nearest_country(self, lat: float, lon: float, max_km: float) -> tuple[str, float] | None:
        """The country whose border or coast is nearest, within ``max_km``, and its km."""
        best, found = math.inf, None
        for country in self.near(lat, lon):
            distance = country.distance_km(lat, lon, max_km)
            if distance < best:
                best, found = distance, country.iso
        return None if found is None else (found, best)

    def name(self, iso: str) -> str | None:
        return next((c.name for c in self.countries if c.iso == iso), None)
