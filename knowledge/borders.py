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
from dataclasses import dataclass, field
from pathlib import Path

BAND = 0.05  # degrees of latitude per band of the ray-cast index
SQUARE = 0.05  # degrees per side of the distance index's cells
CELL = 1.0  # degrees per side of the coarse grid of countries
CELL_MARGIN = 0.1  # degrees around each polygon box in that grid: > 5 km below 60° latitude
M = CELL_MARGIN
KM_PER_DEGREE = 111.195

Edge = tuple[float, float, float, float, bool]  # lon1, lat1, lon2, lat2, on an outer ring


def _floor(value: float, step: float) -> int:
    return math.floor(value / step)


@dataclass
class Country:
    """One country's rings (outer and holes alike: the even-odd rule handles holes).

    The land layer has holes for lakes and reservoirs (Hồ Tây, Dầu Tiếng); a point in one is
    still in the country, which ``within_outline`` tells by ignoring the holes.
    """

    iso: str
    name: str
    west: float
    south: float
    east: float
    north: float
    rings: list[list[list[float]]]  # GeoJSON rings: [[lon, lat], ...], closed
    outer: list[bool]  # per ring: the first ring of a polygon (not a hole)
    boxes: list[list[float]] = field(default_factory=list)  # per polygon: west, south, east, north
    _bands: dict[int, list[Edge]] | None = field(default=None, repr=False)
    _squares: dict[tuple[int, int], list[Edge]] | None = field(default=None, repr=False)

    def _edges(self) -> itertools.chain[Edge]:
        return itertools.chain.from_iterable(
            ((x1, y1, x2, y2, outer) for (x1, y1), (x2, y2) in itertools.pairwise(ring))
            for ring, outer in zip(self.rings, self.outer, strict=True)
        )

    def _band_index(self) -> dict[int, list[Edge]]:
        if self._bands is None:
            bands: dict[int, list[Edge]] = {}
            for edge in self._edges():
                y1, y2 = edge[1], edge[3]
                for band in range(_floor(min(y1, y2), BAND), _floor(max(y1, y2), BAND) + 1):
                    bands.setdefault(band, []).append(edge)
            self._bands = bands
        return self._bands

    def _square_index(self) -> dict[tuple[int, int], list[Edge]]:
        if self._squares is None:
            squares: dict[tuple[int, int], list[Edge]] = {}
            for edge in self._edges():
                x1, y1, x2, y2, _ = edge
                for i in range(_floor(min(y1, y2), SQUARE), _floor(max(y1, y2), SQUARE) + 1):
                    for j in range(_floor(min(x1, x2), SQUARE), _floor(max(x1, x2), SQUARE) + 1):
                        squares.setdefault((i, j), []).append(edge)
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
        inside = False
        for x1, y1, x2, y2, outer in self._band_index().get(_floor(lat, BAND), ()):
            if (outer or holes) and (y1 > lat) != (y2 > lat):
                crossing = x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
                if lon < crossing:
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
        best = math.inf
        for i in range(_floor(lat - dlat, SQUARE), _floor(lat + dlat, SQUARE) + 1):
            for j in range(_floor(lon - dlon, SQUARE), _floor(lon + dlon, SQUARE) + 1):
                for edge in index.get((i, j), ()):
                    best = min(best, _segment_km(lat, lon, edge, scale))
        return best if best <= max_km else math.inf


def _segment_km(lat: float, lon: float, edge: Edge, scale: float) -> float:
    x1, y1, x2, y2, _ = edge
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
        """Countries in file order; rings stay as parsed until a query needs their index."""
        countries: list[Country] = []
        for path in paths:
            collection = json.loads(path.read_text(encoding="utf-8"))
            for feature in collection["features"]:
                west, south, east, north = feature["bbox"]
                polygons = feature["geometry"]["coordinates"]
                countries.append(
                    Country(
                        iso=feature["properties"]["iso"],
                        name=feature["properties"]["name"],
                        west=west,
                        south=south,
                        east=east,
                        north=north,
                        rings=[ring for polygon in polygons for ring in polygon],
                        outer=[i == 0 for polygon in polygons for i in range(len(polygon))],
                        boxes=feature["properties"]["boxes"],
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
