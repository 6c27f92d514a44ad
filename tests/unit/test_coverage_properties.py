"""Properties of the coverage measures (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from directory.core.coverage import PostcodePoints, coverage_within, gini

coords = st.floats(min_value=0, max_value=20_000, allow_nan=False, allow_infinity=False)
points = st.lists(st.tuples(st.sampled_from("ABC"), coords, coords), min_size=1, max_size=40)
sites = st.lists(st.tuples(coords, coords), min_size=0, max_size=8)
distances = st.floats(min_value=500, max_value=20_000)


@settings(max_examples=60, deadline=None)
@given(points, sites, distances, distances)
def test_coverage_is_a_share_and_never_falls_as_distance_grows(rows, site_list, d1, d2):
    postcodes = PostcodePoints.from_rows(rows)
    xy = np.asarray(site_list, dtype="float64").reshape(-1, 2)
    near, far = sorted((d1, d2))
    small = coverage_within(postcodes, xy, near)
    large = coverage_within(postcodes, xy, far)
    for code in small:
        assert 0.0 <= small[code] <= 1.0
        assert 0.0 <= large[code] <= 1.0
        assert large[code] >= small[code]


@given(st.floats(min_value=0, max_value=1e6, allow_nan=False), st.integers(1, 50))
def test_gini_of_equal_values_is_zero(value, n):
    assert gini([value] * n) == 0.0


@given(st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False), min_size=1, max_size=50))
def test_gini_is_between_zero_and_one_and_ignores_order_and_scale(values):
    g = gini(values)
    assert 0.0 <= g <= 1.0
    assert abs(gini(list(reversed(values))) - g) < 1e-9
    if sum(values) > 0:
        assert abs(gini([v * 7 for v in values]) - g) < 1e-6


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(coords, coords), min_size=1, max_size=60),
    st.lists(st.tuples(coords, coords), min_size=1, max_size=25),
    st.floats(min_value=1, max_value=25_000),
)
def test_within_distance_matches_brute_force(point_list, site_list, distance):
    from directory.core.coverage import within_distance

    p = np.asarray(point_list)
    s = np.asarray(site_list)
    got = within_distance(p[:, 0], p[:, 1], s[:, 0], s[:, 1], distance)
    d2 = ((p[:, None, 0] - s[None, :, 0]) ** 2 + (p[:, None, 1] - s[None, :, 1]) ** 2).min(axis=1)
    expected = d2 <= distance * distance
    # points within a rounding error of the boundary may go either way
    boundary = np.abs(np.sqrt(d2) - distance) < 1e-6
    assert (got == expected)[~boundary].all()
