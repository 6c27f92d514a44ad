#!/usr/bin/env python
"""Benchmark the gap analysis and the map pages on a large SYNTHETIC catalogue. Not a test.

Builds a temporary SQLite database (migrated, seeded from ``seed/``), adds the synthetic
catalogue from ``bench/synthetic.py`` (5,000 services and 20,000 sites by default), then
measures:

  * full gap analysis (load the catalogue, every borough x category, the minimum offer,
    distance coverage over every London postcode) at 0.5, 3 and 20 km: cold (nothing
    cached, postcode points read from the lookup) and with the postcode points already
    in memory (the usual case in a running app);
  * each map page and export through the Flask test client: cold (caches cleared) and
    warm (median of repeated requests), with its size in bytes.

Targets: full analysis under 5 s; warm map page under 100 ms; coverage map page under
1.5 MB. Timings are reported, never asserted.

Usage:  .venv/bin/python bench/bench_gaps.py [--services 5000] [--sites 20000] [--repeat 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_ANALYSIS_S = 5.0
TARGET_WARM_MS = 100.0
TARGET_COVERAGE_BYTES = 1_500_000

PAGES = (
    "/maps/coverage?category=accommodation",
    "/maps/coverage",
    "/maps/gaps",
    "/maps/sites",
    "/maps/sites?category=women",
    "/boroughs/E09000033/profile",
    "/gaps.csv",
    "/gaps.csv?group=bcu",
    "/gaps.geojson",
)


def _populate(session, directory, services: int, sites: int) -> str:
    try:
        from bench.synthetic import populate
    except ImportError:
        populate = None
    if populate is not None:
        populate(session, services=services, sites=sites, seed=1, directory=directory)
        return "bench/synthetic.py"
    _fallback_populate(session, directory, services, sites)
    return "bench_gaps fallback generator"


def _fallback_populate(session, directory, services: int, sites: int) -> None:
    """Clearly marked SYNTHETIC rows, used only if bench/synthetic.py is missing."""
    import random

    from sqlalchemy import select

    from directory.models import Borough, Category, Service, Site

    rng = random.Random(1)
    boroughs = {b.code: b for b in session.scalars(select(Borough))}
    categories = list(session.scalars(select(Category)))
    points = [p for p in directory.points(list(boroughs)) if rng.random() < 0.1][: sites * 2]
    statuses = ["commissioned"] * 5 + ["pilot"] * 2 + ["unknown", "ended", "planned"]
    rows = []
    for i in range(services):
        s = Service(
            slug=f"synthetic-{i}",
            name=f"SYNTHETIC service {i}",
            moderation="published",
            status=rng.choice(statuses),
            pan_london=rng.random() < 0.03,
        )
        s.categories = rng.sample(categories, rng.randint(1, 3))
        s.boroughs = [boroughs[c] for c in rng.sample(list(boroughs), rng.randint(0, 3))]
        if rng.random() < 0.2:
            s.min_age, s.max_age = rng.choice([(18, 25), (18, 29), (30, None), (None, 25)])
        rows.append(s)
    for j in range(sites):
        la, lat, lon, _e, _n = rng.choice(points)
        rows[j % services].sites.append(Site(name=f"SYNTHETIC site {j}", lat=lat, lon=lon, borough=boroughs[la]))
    session.add_all(rows)
    session.commit()


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--services", type=int, default=5000)
    parser.add_argument("--sites", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    import flask_migrate
    from sqlalchemy import func, select

    from directory import create_app
    from directory.config import Config
    from directory.core.coverage import MapQuery
    from directory.extensions import db
    from directory.geo.postcode_directory import PostcodeDirectory
    from directory.models import Service, Site
    from directory.operations import coverage
    from directory.operations.geocoding import Geocoder
    from directory.operations.seeding import seed_all

    postcodes = Path(os.environ.get("POSTCODE_DIRECTORY", ROOT / "instance" / "postcodes.sqlite"))
    tmp = tempfile.TemporaryDirectory(prefix="bench-gaps-")
    database = Path(tmp.name) / "bench.sqlite"

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{database}"
        POSTCODE_DIRECTORY = str(postcodes)
        RATELIMIT_ENABLED = False
        SECRET_KEY = "bench"

    app = create_app(BenchConfig)
    directory = PostcodeDirectory(postcodes)
    with app.app_context():
        started = time.perf_counter()
        flask_migrate.upgrade()
        seed_all(db.session, ROOT / "seed", Geocoder(directory, db.session))
        source = _populate(db.session, directory, args.services, args.sites)
        n_services = db.session.scalar(select(func.count(Service.id)))
        n_sites = db.session.scalar(select(func.count(Site.id)))
        print(
            f"Database: {n_services} services, {n_sites} sites ({source}); "
            f"built in {time.perf_counter() - started:.1f} s\n"
        )

        print("Full gap analysis (load + every borough x category + offer + distance coverage)")
        results = {}
        for km in (0.5, 3.0, 20.0):
            coverage.clear_caches()
            t = time.perf_counter()
            report = coverage.gap_report(db.session, directory, MapQuery(distance_km=km))
            cold = time.perf_counter() - t
            coverage.clear_caches()
            coverage.postcode_points(directory, tuple(sorted(a.code for a in coverage.snapshot(db.session).areas)))
            coverage.clear_caches(keep_postcodes=True)  # the catalogue is loaded again
            t = time.perf_counter()
            coverage.gap_report(db.session, directory, MapQuery(distance_km=km))
            warm_postcodes = time.perf_counter() - t
            t = time.perf_counter()
            coverage.gap_report(db.session, directory, MapQuery(distance_km=km))
            cached = time.perf_counter() - t
            results[km] = cold
            flag = "ok" if max(cold, warm_postcodes) < TARGET_ANALYSIS_S else "OVER TARGET"
            print(
                f"  {km:>4g} km: cold {cold:6.2f} s | postcodes in memory {warm_postcodes:6.2f} s"
                f" | cached {cached * 1000:6.1f} ms   [{flag}; target < {TARGET_ANALYSIS_S:g} s]"
            )
        a = report.analysis
        print(
            f"  ({a.services_counted} running services counted, {a.sites_counted} located sites, "
            f"{sum(b.postcodes for b in a.boroughs)} postcodes)\n"
        )

    client = app.test_client()
    print("Pages (Flask test client)            cold          warm (median)       bytes")
    for url in PAGES:
        with app.app_context():
            coverage.clear_caches()
        t = time.perf_counter()
        response = client.get(url)
        cold = time.perf_counter() - t
        assert response.status_code == 200, (url, response.status_code)
        timings = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            client.get(url)
            timings.append(time.perf_counter() - t)
        warm = statistics.median(timings)
        size = len(response.data)
        notes = []
        if url.startswith("/maps") and warm * 1000 > TARGET_WARM_MS:
            notes.append("warm OVER TARGET")
        if url.startswith("/maps/coverage") and size > TARGET_COVERAGE_BYTES:
            notes.append("size OVER TARGET")
        print(f"  {url:36} {_ms(cold)}   {_ms(warm)}   {size:>10,}  {' '.join(notes)}")
    print(
        f"\nTargets: analysis < {TARGET_ANALYSIS_S:g} s; warm map page < {TARGET_WARM_MS:g} ms; "
        f"coverage map page < {TARGET_COVERAGE_BYTES / 1e6:g} MB."
    )
    print("Cold page = every cache cleared (catalogue, analysis, postcode points, rendered map).")
    with app.app_context():
        db.engine.dispose()
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
