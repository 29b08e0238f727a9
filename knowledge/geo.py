"""Distances and a grid index for nearest-neighbour search.

Why a grid and not a scan: the directory will hold tens of thousands of trusted addresses, and a
nearest query must stay well under a millisecond. Points are bucketed into cells of a fixed size in
degrees; a query visits rings of cells outward and stops once the ring cannot hold anything nearer
than what it already has. ``PointIndex`` does the same for a fixed set with NumPy arrays (the
service directory at national scale).
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from typing import Generic, TypeVar

import numpy as np

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
        # A max-heap on distance via negation; on equal distances the item found later is the
        # one evicted (hence the negated counter), so ties keep the first found, like a scan.
        best: list[tuple[float, int, T]] = []
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
                        heapq.heappush(best, (-distance, -counter, item))
                    elif distance < -best[0][0]:
                        heapq.heapreplace(best, (-distance, -counter, item))
        return [(-d, item) for d, _, item in sorted(best, key=lambda e: (-e[0], -e[1]))]


def _meridian_gap(delta_lon: float, cos_lat: float) -> float:
    """Radians from a point to the great circle of a meridian ``delta_lon`` radians away; 0 when
    that is not a bound (beyond a quarter turn of longitude)."""
    if not 0 < delta_lon <= math.pi / 2:
        return 0.0
    return math.asin(min(1.0, math.sin(delta_lon) * cos_lat))


class PointIndex(Generic[T]):
    """A fixed set of items with coordinates, for many nearest queries with a filter.

    Why beside ``GridIndex``: at national scale (100,000 trusted addresses) a query's cost was
    the Python loop over each candidate (a filter call and a haversine each). Here the points are
    sorted by grid cell, so the points of a box of cells are a few contiguous slices (one
    ``searchsorted`` for all its rows), and distances and filters run on NumPy arrays. A query
    grows a box around the query's cell until the k-th nearest accepted point is nearer than
    anything outside the box can be. The few finalists get their distance again with
    ``haversine_km``, so distances and order are exactly those of a brute-force scan (ties: the
    item added first). Built once; no ``add``.

    ``accept`` takes an array of item numbers (their position in ``points``) and returns a
    boolean array, so a filter is a handful of array look-ups rather than a call per item.
    """

    def __init__(self, points: Iterable[tuple[float, float, T]], cell_degrees: float) -> None:
        rows = list(points)
        self.items: list[T] = [item for _, _, item in rows]
        self._cell = cell_degrees
        lat = np.array([p[0] for p in rows], dtype=np.float64)
        lon = np.array([p[1] for p in rows], dtype=np.float64)
        if not rows:
            self._keys = np.zeros(0, dtype=np.int64)
            return
        ci = np.floor(lat / cell_degrees).astype(np.int64)
        cj = np.floor(lon / cell_degrees).astype(np.int64)
        self._i0, self._j0 = int(ci.min()), int(cj.min())
        self._rows = int(ci.max()) - self._i0 + 1
        self._cols = int(cj.max()) - self._j0 + 1
        keys = (ci - self._i0) * self._cols + (cj - self._j0)
        order = np.argsort(keys, kind="stable")  # within a cell: the order items were added
        self._keys = keys[order]
        self._ids = order
        self._lat = lat[order]
        self._lon = lon[order]
        self._lat_r = np.radians(self._lat)
        self._lon_r = np.radians(self._lon)
        self._cos_lat = np.cos(self._lat_r)

    def __len__(self) -> int:
        return len(self.items)

    def _box(self, qi: int, qj: int, r: int) -> np.ndarray:
        """Positions (in cell order) of the points in the cells within ``r`` of (qi, qj)."""
        ilo, ihi = max(qi - r, 0), min(qi + r, self._rows - 1)
        jlo, jhi = max(qj - r, 0), min(qj + r, self._cols - 1)
        if ilo > ihi or jlo > jhi:
            return np.zeros(0, dtype=np.int64)
        row_keys = np.arange(ilo, ihi + 1, dtype=np.int64) * self._cols
        starts = np.searchsorted(self._keys, row_keys + jlo, side="left")
        ends = np.searchsorted(self._keys, row_keys + jhi, side="right")
        lengths = ends - starts
        total = int(lengths.sum())
        if total == 0:
            return np.zeros(0, dtype=np.int64)
        # The concatenation of the ranges [start, end) without a Python loop.
        offsets = np.cumsum(lengths) - lengths
        return np.arange(total, dtype=np.int64) + np.repeat(starts - offsets, lengths)

    def _floor_km(self, lat: float, lon: float, qi: int, qj: int, r: int) -> float:
        """A lower bound on the distance from the query to any point outside the box: beyond a
        latitude edge, the latitude difference; beyond a longitude edge, the distance to that
        meridian's great circle (a path to the point must cross it)."""
        bounds = []
        phi = math.radians(lat)
        if qi - r > 0:  # points south of the box exist
            bounds.append(phi - math.radians((self._i0 + qi - r) * self._cell))
        if qi + r < self._rows - 1:
            bounds.append(math.radians((self._i0 + qi + r + 1) * self._cell) - phi)
        cos_phi = max(0.0, math.cos(phi))
        if qj - r > 0:
            west = math.radians(lon - (self._j0 + qj - r) * self._cell)
            bounds.append(_meridian_gap(west, cos_phi))
        if qj + r < self._cols - 1:
            east = math.radians((self._j0 + qj + r + 1) * self._cell - lon)
            bounds.append(_meridian_gap(east, cos_phi))
        if not bounds:
            return math.inf  # the box holds every point
        return max(0.0, min(bounds)) * EARTH_RADIUS_KM * (1 - 1e-9)

    def nearest(
        self,
        lat: float,
        lon: float,
        k: int,
        accept: Callable[[np.ndarray], np.ndarray] | None = None,
        max_km: float | None = None,
    ) -> list[tuple[float, T]]:
        """The ``k`` accepted items closest to (lat, lon), as (distance_km, item), nearest first
        (equal distances: the item added first)."""
        return [(d, self.items[i]) for d, i in self.nearest_ids(lat, lon, k, accept, max_km)]

    def nearest_ids(
        self,
        lat: float,
        lon: float,
        k: int,
        accept: Callable[[np.ndarray], np.ndarray] | None = None,
        max_km: float | None = None,
    ) -> list[tuple[float, int]]:
        """As ``nearest``, with item numbers instead of items."""
        if k <= 0 or not self.items:
            return []
        qi = math.floor(lat / self._cell) - self._i0
        qj = math.floor(lon / self._cell) - self._j0
        phi, lam = math.radians(lat), math.radians(lon)
        cos_phi = math.cos(phi)
        limit = math.inf if max_km is None else max_km * (1 + 1e-9) + 1e-9
        r = 1
        while True:
            positions = self._box(qi, qj, r)
            if accept is not None and len(positions):
                positions = positions[accept(self._ids[positions])]
            a = (np.sin((self._lat_r[positions] - phi) / 2) ** 2
                 + cos_phi * self._cos_lat[positions]
                 * np.sin((self._lon_r[positions] - lam) / 2) ** 2)
            distances = 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(a)))
            if max_km is not None:
                inside = distances <= limit
                positions, distances = positions[inside], distances[inside]
            floor = self._floor_km(lat, lon, qi, qj, r)
            if floor == math.inf or (max_km is not None and floor > max_km):
                break
            if len(distances) >= k and np.partition(distances, k - 1)[k - 1] <= floor:
                break
            r = 2 * r + 1
        if len(distances) > k:  # the finalists: the k-th distance, with a hair of margin
            kth = np.partition(distances, k - 1)[k - 1]
            positions = positions[distances <= kth * (1 + 1e-9) + 1e-9]
        found = []
        for p in positions.tolist():
            d = haversine_km(lat, lon, float(self._lat[p]), float(self._lon[p]))
            if max_km is None or d <= max_km:
                found.append((d, int(self._ids[p])))
        found.sort()
        return found[:k]
