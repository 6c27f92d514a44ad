"""Sites near a point: PostGIS on PostgreSQL, a bounding box and Python elsewhere; one answer.

Runs on whichever database the suite runs on (both, under ``make test``). Expected answers
are worked out here in whole-metre integer arithmetic, independently of either path.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import Transformer
from sqlalchemy import select, text

from directory.geo import nearby
from directory.geo.grid import to_grid
from directory.geo.nearby import sites_within
from directory.models import Service, Site

_TO_LATLON = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)

# Off the Cornish coast: no seeded (London) site is anywhere near.
E0, N0, SIDE = 100_000, 20_000, 3_000


def _postgresql(session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _place(session, service, easting: int, northing: int, name: str) -> Site:
    lon, lat = _TO_LATLON.transform(easting, northing)
    site = Site(name=name, lat=lat, lon=lon, easting=easting, northing=northing)
    service.sites.append(site)
    return site


def _expected(points: dict[int, tuple[int, int]], e: int, n: int, twice_radius: int, limit):
    """Ids and distances within radius (twice_radius / 2 metres), by exact integer comparison."""
    inside = []
    for site_id, (pe, pn) in points.items():
        squared = (pe - e) ** 2 + (pn - n) ** 2
        if 4 * squared <= twice_radius**2:
            inside.append((squared, site_id))
    inside.sort()
    return [(site_id, math.sqrt(squared)) for squared, site_id in inside[:limit]]


def _same(found, expected) -> None:
    assert [site_id for site_id, _ in found] == [site_id for site_id, _ in expected]
    for (_, got), (_, want) in zip(found, expected):
        assert got == pytest.approx(want, abs=1e-6)


coordinate = st.tuples(st.integers(E0, E0 + SIDE), st.integers(N0, N0 + SIDE))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    points=st.lists(coordinate, min_size=0, max_size=25),
    origin=coordinate,
    twice_radius=st.integers(0, 2 * SIDE),
    limit=st.none() | st.integers(1, 10),
)
def test_sites_within_agrees_with_brute_force(session, points, origin, twice_radius, limit):
    nested = session.begin_nested()
    try:
        service = Service(slug="nearby-test", name="Nearby test")
        session.add(service)
        sites = [_place(session, service, e, n, f"site {i}") for i, (e, n) in enumerate(points)]
        session.flush()
        expected = _expected({s.id: point for s, point in zip(sites, points)}, *origin, twice_radius, limit)
        found = sites_within(session, *origin, twice_radius / 2, limit)
        _same(found, expected)
        if _postgresql(session):  # the plain path, run on PostgreSQL too, agrees with PostGIS
            _same(nearby._plain(session, *origin, twice_radius / 2, limit), expected)
    finally:
        nested.rollback()


def test_ties_go_to_the_lower_site_id(session):
    service = Service(slug="nearby-ties", name="Nearby ties")
    session.add(service)
    # 3-4-5 triangles: four sites exactly 500 m from the origin, one at 499 m.
    placed = [
        _place(session, service, E0 + de, N0 + dn, f"tie {i}")
        for i, (de, dn) in enumerate([(300, 400), (-400, 300), (0, -500), (500, 0), (0, 499)])
    ]
    session.flush()
    ids = [s.id for s in placed]
    assert sites_within(session, E0, N0, 500) == [(ids[4], 499.0), *((i, 500.0) for i in sorted(ids[:4]))]
    assert sites_within(session, E0, N0, 499.999) == [(ids[4], 499.0)]
    assert sites_within(session, E0, N0, 500, limit=2) == [(ids[4], 499.0), (min(ids[:4]), 500.0)]


def test_sites_placed_from_postcodes_are_found_near_a_postcode(session, postcode_directory):
    """Sites placed by the geocoder from real London postcodes carry the ONS grid reference."""
    import sqlite3

    from directory.operations.geocoding import Geocoder

    lookup = sqlite3.connect(postcode_directory.path)
    try:
        rows = lookup.execute(
            "SELECT postcode, easting, northing FROM postcodes WHERE la_code LIKE 'E09%' "
            "AND substr(postcode, -3) = '1AA' AND easting BETWEEN 518000 AND 542000 "
            "AND northing BETWEEN 168000 AND 192000 ORDER BY postcode LIMIT 80"
        ).fetchall()
    finally:
        lookup.close()
    assert len(rows) >= 40
    geocoder = Geocoder(postcode_directory, session)
    service = Service(slug="nearby-postcodes", name="Nearby postcodes")
    session.add(service)
    grid = {}
    for postcode, easting, northing in rows:
        site = Site(name=postcode, postcode=postcode)
        geocoder.locate(site)
        service.sites.append(site)
        grid[site] = (easting, northing)
    session.flush()
    for site, (easting, northing) in grid.items():
        assert (site.easting, site.northing) == (easting, northing)
        assert to_grid(site.lat, site.lon) == pytest.approx((easting, northing), abs=1.0)
    downing = postcode_directory.lookup("SW1A 2AA")
    ours = {s.id for s in grid}
    for metres in (2_000, 5_000, 12_000):
        expected = _expected(
            {s.id: point for s, point in grid.items()},
            int(downing.easting),
            int(downing.northing),
            2 * metres,
            None,
        )
        assert expected, f"some of these postcodes are within {metres} m of Downing Street"
        found = [f for f in sites_within(session, downing.easting, downing.northing, metres) if f[0] in ours]
        _same(found, expected)


def test_a_site_placed_by_latitude_and_longitude_gets_its_grid_point(session):
    service = Service(slug="nearby-move", name="Nearby move")
    site = Site(name="Moved", lat=51.5034, lon=-0.1276)
    service.sites.append(site)
    session.add(service)
    session.flush()
    assert (site.easting, site.northing) == pytest.approx(to_grid(51.5034, -0.1276))
    assert 529_000 < site.easting < 531_000 and 179_000 < site.northing < 181_000
    site.lat, site.lon = 51.4613, -0.1156  # moved to Brixton
    session.flush()
    assert (site.easting, site.northing) == pytest.approx(to_grid(51.4613, -0.1156))
    assert sites_within(session, site.easting, site.northing, 1)[0][0] == site.id
    site.lat = site.lon = None
    session.flush()
    assert site.easting is None and site.northing is None


@pytest.fixture
def postgresql(session):
    if not _postgresql(session):
        pytest.skip("PostGIS and its spatial index exist on PostgreSQL only (the suite's PostgreSQL run)")
    return session


def test_the_point_has_a_gist_index(postgresql):
    definition = postgresql.scalar(
        text("SELECT indexdef FROM pg_indexes WHERE tablename = 'site' AND indexname = 'ix_site_point'")
    )
    assert definition is not None and "USING gist (point)" in definition
    column = postgresql.execute(
        text("SELECT type, srid FROM geometry_columns WHERE f_table_name = 'site' AND f_geometry_column = 'point'")
    ).one()
    assert tuple(column) == ("POINT", 27700)


def test_postgresql_plans_use_the_spatial_index(postgresql):
    service_id = postgresql.scalar(select(Service.id).limit(1))
    postgresql.execute(
        text(
            "INSERT INTO site (uuid, service_id, name, easting, northing, created_at, updated_at) "
            "SELECT gen_random_uuid()::text, :service, 'bulk ' || i, 500000 + (i % 300) * 200, "
            "160000 + (i / 300) * 400, now(), now() FROM generate_series(1, 30000) AS i"
        ),
        {"service": service_id},
    )
    postgresql.execute(text("ANALYZE site"))
    statement = nearby._postgis_statement(530_000.0, 180_000.0, 1_000.0, 20)
    sql = str(statement.compile(dialect=postgresql.get_bind().dialect, compile_kwargs={"literal_binds": True}))
    plan = "\n".join(postgresql.scalars(text("EXPLAIN " + sql)))
    assert "ix_site_point" in plan, plan
    found = sites_within(postgresql, 530_000.0, 180_000.0, 1_000.0)
    assert found and all(d <= 1_000 for _, d in found)
    assert found == nearby._plain(postgresql, 530_000.0, 180_000.0, 1_000.0, None)
