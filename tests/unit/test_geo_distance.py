"""Distance coverage in directory.geo: the grid index against brute force, shares per
authority, and degrees to British National Grid metres."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from directory.core.coverage import CoverageSites
from directory.geo.distance import (
    PostcodePoints,
    coverage_within,
    distance_coverage,
    within_distance,
)
from directory.geo.grid import to_grid, to_grid_points

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


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(coords, coords), min_size=1, max_size=60),
    st.lists(st.tuples(coords, coords), min_size=1, max_size=25),
    st.floats(min_value=1, max_value=25_000),
)
def test_within_distance_matches_brute_force(point_list, site_list, distance):
    p = np.asarray(point_list)
    s = np.asarray(site_list)
    got = within_distance(p[:, 0], p[:, 1], s[:, 0], s[:, 1], distance)
    d2 = ((p[:, None, 0] - s[None, :, 0]) ** 2 + (p[:, None, 1] - s[None, :, 1]) ** 2).min(axis=1)
    expected = d2 <= distance * distance
    # points within a rounding error of the boundary may go either way
    boundary = np.abs(np.sqrt(d2) - distance) < 1e-6
    assert (got == expected)[~boundary].all()


def test_a_point_on_its_site_is_covered():
    points = PostcodePoints.from_rows([("A", 0.0, 0.0)])
    assert coverage_within(points, np.array([[0.0, 0.0]]), 100) == {"A": 1.0}


def test_distance_coverage_measures_each_category_with_sites_and_counts_postcodes():
    postcodes = PostcodePoints.from_rows(
        [("A", float(x), 0.0) for x in range(0, 1000, 100)] + [("B", float(x), 0.0) for x in range(1000, 2000, 100)]
    )
    sites = CoverageSites({"accommodation": ((950.0, 0.0),), "women": ((5000.0, 0.0),)}, 2)
    measured = distance_coverage(postcodes, sites, 0.5)
    assert measured.distance_km == 0.5 and measured.sites == sites
    assert measured.postcodes == {"A": 10, "B": 10}
    # A's points 500..900 and B's 1000..1400 are within 500 m of x=950
    assert measured.shares["accommodation"] == {"A": 0.5, "B": 0.5}
    assert measured.shares["women"] == {"A": 0.0, "B": 0.0}
    assert "wellbeing" not in measured.shares  # no sites: not measured


def test_no_postcodes_gives_no_shares_to_read():
    sites = CoverageSites({"accommodation": ((0.0, 0.0),)}, 1)
    measured = distance_coverage(PostcodePoints.from_rows([]), sites, 3)
    assert measured.postcodes == {} and measured.shares == {"accommodation": {}}


def test_degrees_to_grid_metres_near_a_known_point():
    # Trafalgar Square, about 530,000 E 180,400 N
    [(x, y)] = to_grid_points([51.5080], [-0.1281])
    assert abs(x - 530_000) < 300 and abs(y - 180_400) < 300
    assert (x, y) == pytest.approx(to_grid(51.5080, -0.1281), abs=1e-6)
    assert to_grid_points([], []) == []
