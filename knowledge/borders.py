"""Which country a point is in: Natural Earth polygons and an even-odd ray cast over an edge index.

Why hand-written and not shapely: the question is one point in a handful of polygons, a few
dozen lines of well-known code, and shapely would bring GEOS and numpy into a chatbot for it.
Why an index: Vietnam's 1:10m border has ~4,000 vertices and China's ~14,000; casting a ray
across all of them in Python takes milliseconds. Edges are bucketed into horizontal bands of
``BAND`` degrees, so a query looks only at the few dozen edges of its band (a few microseconds).
Countries are tried in file order (Vietnam first), each behind its bounding box.
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

BAND = 0.05  # degrees of latitude per band of the edge index
KM_PER_DEGREE = 111.195

Edge = tuple[float, float, float, float, bool]  # lon1, lat1, lon2, lat2, on an outer ring


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
    _bands: dict[int, list[Edge]] | None = field(default=None, repr=False)

    def _index(self) -> dict[int, list[Edge]]:
        if self._bands is None:
            bands: dict[int, list[Edge]] = {}
            for ring, outer in zip(self.rings, self.outer, strict=True):
                for (x1, y1), (x2, y2) in itertools.pairwise(ring):
                    low, high = (y1, y2) if y1 <= y2 else (y2, y1)
                    for band in range(math.floor(low / BAND), math.floor(high / BAND) + 1):
                        bands.setdefault(band, []).append((x1, y1, x2, y2, outer))
            self._bands = bands
        return self._bands

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
        for x1, y1, x2, y2, outer in self._index().get(math.floor(lat / BAND), ()):
            if (outer or holes) and (y1 > lat) != (y2 > lat):
                crossing = x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
                if lon < crossing:
                    inside = not inside
        return inside

    def distance_km(self, lat: float, lon: float, max_km: float) -> float:
        """Km from the point to the nearest edge, looking no farther than ``max_km`` (beyond
        that, ``math.inf``). Local flat-earth projection: exact enough at a few km."""
        margin = max_km / KM_PER_DEGREE
        if not self.in_box(lat, lon, margin / max(math.cos(math.radians(lat)), 0.1)):
            return math.inf
        scale = math.cos(math.radians(lat))
        index = self._index()
        best = math.inf
        seen: set[Edge] = set()
        for band in range(math.floor((lat - margin) / BAND), math.floor((lat + margin) / BAND) + 1):
            for edge in index.get(band, ()):
                if edge in seen:
                    continue
                seen.add(edge)
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
    countries: list[Country]

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
                    )
                )
        return cls(countries)

    def country_at(self, lat: float, lon: float) -> str | None:
        """The country whose land holds the point, else whose outline does (a lake)."""
        for country in self.countries:
            if country.contains(lat, lon):
                return country.iso
        for country in self.countries:
            if country.within_outline(lat, lon):
                return country.iso
        return None

    def distance_km(self, iso: str, lat: float, lon: float, max_km: float) -> float:
        return min(
            (c.distance_km(lat, lon, max_km) for c in self.countries if c.iso == iso),
            default=math.inf,
        )

    def nearest_country(self, lat: float, lon: float, max_km: float) -> tuple[str, float] | None:
        """The country whose border or coast is nearest, within ``max_km``, and its km."""
        best, found = math.inf, None
        for country in self.countries:
            distance = country.distance_km(lat, lon, max_km)
            if distance < best:
                best, found = distance, country.iso
        return None if found is None else (found, best)

    def name(self, iso: str) -> str | None:
        return next((c.name for c in self.countries if c.iso == iso), None)
