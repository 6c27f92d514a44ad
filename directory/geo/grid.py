"""British National Grid (EPSG:27700): the postcode data's own metres, where distance is plain
Euclidean distance (as PostGIS measures it on SRID 27700)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

BNG_SRID = 27700


@lru_cache(maxsize=1)
def _to_grid():
    from pyproj import Transformer

    return Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)


def to_grid(lat: float, lon: float) -> tuple[float, float]:
    """WGS84 latitude and longitude to BNG ``(easting, northing)`` in metres."""
    easting, northing = _to_grid().transform(lon, lat)
    return float(easting), float(northing)


def to_grid_points(lats: Sequence[float], lons: Sequence[float]) -> list[tuple[float, float]]:
    """Many WGS84 points at once (one vectorised transform), as BNG ``(easting, northing)``."""
    if len(lats) == 0:
        return []
    eastings, northings = _to_grid().transform(np.asarray(lons, dtype="float64"), np.asarray(lats, dtype="float64"))
    return [(float(e), float(n)) for e, n in zip(np.atleast_1d(eastings), np.atleast_1d(northings), strict=True)]


def grid_distance(e1: float, n1: float, e2: float, n2: float) -> float:
    """Metres between two BNG points."""
    return math.hypot(e2 - e1, n2 - n1)
