from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge.geo import GridIndex, haversine_km


def test_haversine_known_distance() -> None:
    # Hà Nội (Hoàn Kiếm) to Hồ Chí Minh City (Bến Thành): about 1,140 km as the crow flies.
    assert 1100 < haversine_km(21.028, 105.852, 10.772, 106.698) < 1180
    assert haversine_km(10.0, 106.0, 10.0, 106.0) == 0.0


points = st.lists(
    st.tuples(st.floats(8.0, 23.5), st.floats(102.0, 110.0)), min_size=0, max_size=60
)


@settings(max_examples=60, deadline=None)
@given(points, st.floats(8.0, 23.5), st.floats(102.0, 110.0), st.integers(1, 8))
def test_grid_nearest_matches_brute_force(pts, lat, lon, k) -> None:
    grid: GridIndex[int] = GridIndex(cell_degrees=0.5)
    for i, (plat, plon) in enumerate(pts):
        grid.add(plat, plon, i)
    got = [round(d, 6) for d, _ in grid.nearest(lat, lon, k)]
    expected = sorted(round(haversine_km(lat, lon, a, b), 6) for a, b in pts)[:k]
    assert got == expected


def test_grid_accept_filter_and_max_km() -> None:
    grid: GridIndex[str] = GridIndex(cell_degrees=0.25)
    grid.add(21.0, 105.8, "near-no")
    grid.add(21.1, 105.8, "near-yes")
    grid.add(16.0, 108.2, "far-yes")
    found = grid.nearest(21.0, 105.8, 5, accept=lambda s: s.endswith("yes"))
    assert [item for _, item in found] == ["near-yes", "far-yes"]
    assert [item for _, item in grid.nearest(21.0, 105.8, 5, max_km=50)] == ["near-no", "near-yes"]
