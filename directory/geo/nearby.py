"""Delivery sites near a point, nearest first: PostGIS with its spatial index on PostgreSQL,
a bounding-box query and exact distances in Python elsewhere. Both answer alike.

Sites carry their point in British National Grid metres (``site.easting``/``northing``); on
PostgreSQL migration ``0008_spatial_and_search`` adds ``site.point``, a stored
``geometry(Point, 27700)`` generated from them, with a GiST index ``ix_site_point``. Neither
the column nor its index is in the models (see ``directory.database.include_in_migrations``).
"""

from __future__ import annotations

from geoalchemy2 import Geometry
from sqlalchemy import Float, Integer, column, func, literal, select, table
from sqlalchemy.orm import Session

from .grid import BNG_SRID, grid_distance

# The site table as PostGIS sees it (the point column exists on PostgreSQL only).
_site = table(
    "site",
    column("id", Integer),
    column("easting", Float),
    column("northing", Float),
    column("point", Geometry("POINT", srid=BNG_SRID)),
)

SiteDistance = tuple[int, float]  # site id, metres


def sites_within(
    session: Session, easting: float, northing: float, metres: float, limit: int | None = None
) -> list[SiteDistance]:
    """Sites within ``metres`` of a BNG point (inclusive), nearest first, ties by site id.

    Sites without a point are never near anything. Any moderation state: callers filter.
    """
    if metres < 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        return _postgis(session, float(easting), float(northing), float(metres), limit)
    return _plain(session, float(easting), float(northing), float(metres), limit)


def _postgis_statement(easting: float, northing: float, metres: float, limit: int | None):
    origin = func.ST_SetSRID(func.ST_MakePoint(literal(easting, Float), literal(northing, Float)), BNG_SRID)
    distance = func.ST_Distance(_site.c.point, origin)
    return (
        select(_site.c.id, distance.label("metres"))
        .where(func.ST_DWithin(_site.c.point, origin, literal(metres, Float)))
        .order_by(distance, _site.c.id)
        .limit(limit)
    )


def _postgis(session: Session, easting: float, northing: float, metres: float, limit: int | None):
    statement = _postgis_statement(easting, northing, metres, limit)
    return [(site_id, float(d)) for site_id, d in session.execute(statement)]


def _plain(session: Session, easting: float, northing: float, metres: float, limit: int | None):
    rows = session.execute(
        select(_site.c.id, _site.c.easting, _site.c.northing).where(
            _site.c.easting.between(easting - metres, easting + metres),
            _site.c.northing.between(northing - metres, northing + metres),
        )
    )
    near = [
        (distance, site_id) for site_id, e, n in rows if (distance := grid_distance(easting, northing, e, n)) <= metres
    ]
    near.sort()
    return [(site_id, distance) for distance, site_id in near[:limit]]
