"""Distances and a grid index for nearest-neighbour search.

Why a grid and not a scan: the directory will hold tens of thousands of trusted addresses, and a
nearest query must stay well under a millisecond. Points are bucketed into cells of a fixed size in
degrees; a query visits rings of cells outward and stops once the ring cannot hold anything nearer
than what it already has. Pure Python, no native dependency.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from typing import Generic, TypeVar

EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE_LAT = 111.19  # a lower bound on the great-circle km per degree of latitude
T = TypeVar("T")

# A generous box around Vietnam, islands included (Hoàng Sa, Trường Sa). Used only as a first cut
# at sea; on land "inside Vietnam" is decided by the border (knowledge.abroad).
VIETNAM_BOX = (6.0, 24.0, 101.5, 118.0)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def valid_coordinates(lat: float, lon: float) -> bool:
    return math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180


class GridIndex(Generic[T]):
    """Items with coordinates, bucketed by cell; ``nearest`` yields them closest first."""

    def __init__(self, cell_degrees: float = 0.25) -> None:
        self._cell = cell_degrees
        self._cells: dict[tuple[int, int], list[tuple[float, float, T]]] = defaultdict(list)
        self._bounds: tuple[int, int, int, int] | None = None

    def __len__(self) -> int:
        return sum(len(items) for items in self._cells.values())

    def _key(self, lat: float, lon: float) -> tuple[int, int]:
        return (math.floor(lat / self._cell), math.floor(lon / self._cell))

    def add(self, lat: float, lon: float, item: T) -> None:
        key = self._key(lat, lon)
        self._cells[key].append((lat, lon, item))
        if self._bounds is None:
            self._bounds = (key[0], key[0], key[1], key[1])
        else:
            a, b, c, d = self._bounds
            self._bounds = (min(a, key[0]), max(b, key[0]), min(c, key[1]), max(d, key[1]))

    def extend(self, items: Iterable[tuple[float, float, T]]) -> None:
        for lat, lon, item in items:
            self.add(lat, lon, item)

    def _ring(self, centre: tuple[int, int], radius: int) -> Iterator[tuple[int, int]]:
        ci, cj = centre
        if radius == 0:
            yield centre
            return
        for dj in range(-radius, radius + 1):
            yield (ci - radius, cj + dj)
            yield (ci + radius, cj + dj)
        for di in range(-radius + 1, radius):
            yield (ci + di, cj - radius)
            yield (ci + di, cj + radius)

    def _max_radius(self, centre: tuple[int, int]) -> int:
        if self._bounds is None:
            return -1
        lo_i, hi_i, lo_j, hi_j = self._bounds
        return max(abs(centre[0] - lo_i), abs(centre[0] - hi_i), abs(centre[1] - lo_j),
                   abs(centre[1] - hi_j))

    def _ring_floor_km(self, lat: float, radius: int) -> float:
        """A lower bound on the distance from the query to any cell of ring ``radius``."""
        if radius <= 1:
            return 0.0
        degrees = (radius - 1) * self._cell
        # A degree of longitude shrinks with latitude; use the smaller of the two scales.
        shrink = max(math.cos(math.radians(min(89.0, abs(lat) + radius * self._cell))), 0.01)
        return degrees * 111.19 * shrink

    def nearest(
        self,
        lat: float,
        lon: float,
        k: int,
        accept: Callable[[T], bool] | None = None,
        max_km: float | None = None,
    ) -> list[tuple[float, T]]:
        """The ``k`` accepted items closest to (lat, lon), as (distance_km, item), nearest first."""
        if k <= 0 or self._bounds is None:
            return []
        centre = self._key(lat, lon)
        best: list[tuple[float, int, T]] = []  # max-heap on distance via negation
        counter = 0
        for radius in range(self._max_radius(centre) + 1):
            floor = self._ring_floor_km(lat, radius)
            if max_km is not None and floor > max_km:
                break
            if len(best) == k and floor > -best[0][0]:
                break
            for key in self._ring(centre, radius):
                for ilat, ilon, item in self._cells.get(key, ()):
                    # The latitude gap alone bounds the distance: skip the trigonometry (and the
                    # filter) for what cannot beat the k-th best found so far.
                    if len(best) == k and abs(ilat - lat) * KM_PER_DEGREE_LAT > -best[0][0]:
                        continue
                    if accept is not None and not accept(item):
                        continue
                    distance = haversine_km(lat, lon, ilat, ilon)
                    if max_km is not None and distance > max_km:
                        continue
                    counter += 1
                    if len(best) < k:
                        heapq.heappush(best, (-distance, counter, item))
                    elif distance < -best[0][0]:
                        heapq.heapreplace(best, (-distance, counter, item))
        return [(-d, item) for d, _, item in sorted(best, key=lambda e: (-e[0], e[1]))]
