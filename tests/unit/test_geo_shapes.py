"""Boundaries made ready to draw (directory.geo.shapes)."""

from __future__ import annotations

import json
import math

import pytest

from directory.geo.shapes import plane_rings, simplified

# A square 0.01 degrees a side with a 0.00001-degree kink that simplifying takes out
SQUARE = json.dumps(
    {
        "type": "Polygon",
        "coordinates": [
            [[-0.1, 51.5], [-0.095, 51.500001], [-0.09, 51.5], [-0.09, 51.51], [-0.1, 51.51], [-0.1, 51.5]]
        ],
    }
)


def test_simplified_drops_the_kink_and_keeps_five_places():
    shape = simplified(SQUARE)
    [ring] = shape["coordinates"]
    assert len(ring) == 5  # four corners, closed
    assert all(round(v, 5) == v for point in ring for v in point)


def test_plane_rings_scale_longitude_by_londons_latitude_and_put_north_up():
    [ring] = plane_rings(SQUARE)
    xs = [x for x, _ in ring]
    ys = [y for _, y in ring]
    width, height = max(xs) - min(xs), max(ys) - min(ys)
    assert width == pytest.approx(0.01 * math.cos(math.radians(51.5)), rel=1e-3)
    assert height == pytest.approx(0.01, rel=1e-3)
    assert min(ys) == pytest.approx(-51.51)  # the north edge is at the top of the drawing


def test_plane_rings_of_a_point_are_empty():
    assert plane_rings(json.dumps({"type": "Point", "coordinates": [-0.1, 51.5]})) == []
