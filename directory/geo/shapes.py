"""Boundaries (GeoJSON geometry text, WGS84) made ready to draw: simplified for display, and
flattened onto a plane for an inline SVG. The boundaries themselves are built by
:mod:`.boundaries`; the maps (:mod:`directory.maps`) draw what these return."""

from __future__ import annotations

import json
import math
from functools import lru_cache

# Longitudes shrink by cos(latitude); at London's 51.5 degrees north an equirectangular
# plane scaled by this keeps shapes true to within a fraction of a percent.
LONDON_LATITUDE = 51.5


@lru_cache(maxsize=256)
def simplified(geometry_json: str, tolerance: float = 0.0004) -> dict:
    """A boundary simplified for display (about 30 m) with coordinates to 5 places."""
    import shapely  # only when a map is drawn: the app starts without it
    from shapely.geometry import mapping, shape

    geometry = shape(json.loads(geometry_json))
    geometry = shapely.set_precision(geometry.simplify(tolerance, preserve_topology=True), 0.00001)
    return json.loads(json.dumps(mapping(geometry)))


def _rings(geometry: dict) -> list[list[list[float]]]:
    if geometry.get("type") == "Polygon":
        return list(geometry["coordinates"])
    if geometry.get("type") == "MultiPolygon":
        return [ring for polygon in geometry["coordinates"] for ring in polygon]
    return []


def plane_rings(geometry_json: str, tolerance: float = 0.001) -> list[list[tuple[float, float]]]:
    """A boundary's rings, simplified, on an equirectangular plane for drawing: ``x`` is the
    longitude scaled by cos 51.5 degrees, ``y`` the latitude negated (north up on screen)."""
    scale = math.cos(math.radians(LONDON_LATITUDE))
    return [[(lon * scale, -lat) for lon, lat, *_ in ring] for ring in _rings(simplified(geometry_json, tolerance))]
