"""The NumPy nearest index (``PointIndex``) and the search's array filters give exactly what a
brute-force scan gives: the same services, the same distances, the same order."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest

from benchmarks.run import synthetic_directory
from knowledge.directory import Directory, load_directory
from knowledge.gazetteer import default_gazetteer
from knowledge.geo import GridIndex, PointIndex, haversine_km
from knowledge.models import Audience, Need
from knowledge.search import ServiceSearch


def brute_force(points: list[tuple[float, float, int]], lat: float, lon: float, k: int,
                accept: np.ndarray | None, max_km: float | None) -> list[tuple[float, int]]:
    """Every point's distance, filtered, sorted by distance then by the order added."""
    found = []
    for plat, plon, item in points:
        if accept is not None and not accept[item]:
            continue
        distance = haversine_km(lat, lon, plat, plon)
        if max_km is None or distance <= max_km:
            found.append((distance, item))
    return sorted(found)[:k]


def scattered(rng: random.Random, count: int) -> list[tuple[float, float, int]]:
    """Points over Vietnam and its neighbours, some dense clusters (a city's many addresses),
    and some sharing one position exactly (services known only by their province's centre)."""
    points: list[tuple[float, float, int]] = []
    centres = [(21.03, 105.85), (10.78, 106.70), (16.05, 108.2)]  # Hà Nội, HCMC, Đà Nẵng
    for _ in range(count):
        if rng.random() < 0.4:
            clat, clon = rng.choice(centres)
            lat, lon = clat + rng.gauss(0, 0.05), clon + rng.gauss(0, 0.05)
        else:
            lat, lon = rng.uniform(5.0, 26.0), rng.uniform(97.0, 118.0)
        points.append((lat, lon, len(points)))
    for _ in range(count // 8):  # exact duplicates
        if points:
            lat, lon, _ = rng.choice(points)
            points.append((lat, lon, len(points)))
    return points


def far_away(lat: float, lon: float) -> bool:
    return not (0 < lat < 30 and 95 < lon < 120)


def queries(rng: random.Random) -> list[tuple[float, float]]:
    inside = [(rng.uniform(8.4, 23.4), rng.uniform(102.1, 109.5)) for _ in range(12)]
    near_city = [(21.03 + rng.gauss(0, 0.02), 105.85 + rng.gauss(0, 0.02)) for _ in range(4)]
    # Abroad: Laos, Cambodia, southern China, Thailand, and far away (Seoul, Taipei, Berlin).
    abroad = [(17.97, 102.6), (11.56, 104.92), (22.5, 103.95), (13.75, 100.5), (37.57, 126.98),
              (25.03, 121.56), (52.52, 13.4)]
    return inside + near_city + abroad


@pytest.mark.parametrize("seed", range(12))
def test_point_index_is_a_brute_force_scan(seed: int) -> None:
    rng = random.Random(seed)
    points = scattered(rng, [0, 1, 7, 60, 300, 2500][seed % 6])
    cell = rng.choice([0.05, 0.25, 1.0])
    index: PointIndex[int] = PointIndex(points, cell)
    grid: GridIndex[int] = GridIndex(cell)
    grid.extend(points)
    accept = np.array([rng.random() < 0.3 for _ in points], dtype=bool)
    for lat, lon in queries(rng):
        for k, max_km, filtered in [(1, None, False), (5, 300.0, True), (9, 60.0, True),
                                    (5, None, True), (9, 300.0, False)]:
            mask = accept if filtered else None
            expected = brute_force(points, lat, lon, k, mask, max_km)
            got = index.nearest(lat, lon, k, accept=(lambda ids, m=mask: m[ids])
                                if mask is not None else None, max_km=max_km)
            assert got == expected, (seed, lat, lon, k, max_km, filtered)
            if far_away(lat, lon):
                continue  # the pure-Python grid would walk thousands of empty rings
            # The pure-Python grid (the gazetteer's) agrees too, equal distances included.
            assert grid.nearest(lat, lon, k, accept=(lambda i, m=mask: bool(m[i]))
                                if mask is not None else None, max_km=max_km) == expected


def test_empty_index_and_zero_k() -> None:
    empty: PointIndex[int] = PointIndex([], 0.05)
    assert empty.nearest(21.0, 105.8, 5) == []
    one: PointIndex[str] = PointIndex([(21.0, 105.8, "a")], 0.05)
    assert one.nearest(21.0, 105.8, 0) == []
    assert one.nearest(10.0, 106.0, 1) == [(haversine_km(10.0, 106.0, 21.0, 105.8), "a")]
    assert one.nearest(10.0, 106.0, 1, max_km=300) == []


def synthetic(rng: random.Random, size: int) -> Directory:
    return synthetic_directory(size, rng, audiences=True)


@pytest.mark.parametrize("which", ["bundled", "synthetic"])
def test_array_filter_says_what_the_service_filter_says(which: str) -> None:
    gz = default_gazetteer()
    directory = (load_directory(province_codes=gz.provinces) if which == "bundled"
                 else synthetic(random.Random(3), 1500))
    search = ServiceSearch(directory, gz)
    placed = search._grid.items
    ids = np.arange(len(placed))
    provinces = [None, *sorted({s.province for s in placed if s.province is not None})[:5]]
    combinations = list(itertools.product((None, *Need), (None, *Audience), (True, False),
                                          (None, True, False), provinces))
    for need, audience, on_duty, point, province in random.Random(5).sample(combinations, 120):
        fit = search._fits(need, audience, on_duty, point)
        if province is not None:
            fit = type(fit)(**{**fit.__dict__, "province": province})
        assert fit.mask(ids).tolist() == [fit(s) for s in placed]
