#!/usr/bin/env python
"""Profile ``GET /api/find`` in process at 5,000 synthetic services (pyinstrument).

A script, not a test. Builds a throwaway database (SQLite, or a fresh database on the
server named by ``TEST_DATABASE_URL`` with ``--postgres``), warms the app's caches with the
same queries, then profiles ``--requests`` finder requests through Flask's test client and
prints the call tree (and the mean time per request with and without the profiler).
pyinstrument is not a dependency of the app: ``.venv/bin/pip install pyinstrument``.

    .venv/bin/python bench/profile_find.py
    scripts/with-postgres.sh .venv/bin/python bench/profile_find.py --postgres
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_finder import finder_queries  # noqa: E402
from bench.httpbench import POSTCODES, build_database, database_url  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true", help="on TEST_DATABASE_URL's server")
    parser.add_argument("--services", type=int, default=5000)
    parser.add_argument("--sites", type=int, default=20000)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--show-all", action="store_true", help="every frame, the library's too")
    parser.add_argument(
        "--mixed", action="store_true", help="bench_production's mixed reads (finder, service and map pages) instead"
    )
    parser.add_argument(
        "--all-services",
        action="store_true",
        help="also time each published service page once (the slugs the mixed reads did not ask for: uncached), "
        "then the last 200 of them again",
    )
    args = parser.parse_args()
    from pyinstrument import Profiler

    from directory import create_app

    with tempfile.TemporaryDirectory(prefix="profile-find-") as tmp:
        drop = lambda: None  # noqa: E731
        if args.postgres:
            from bench.bench_production import fresh_postgres_database

            url, drop = fresh_postgres_database(os.environ["TEST_DATABASE_URL"])
        else:
            url = database_url(Path(tmp) / "profile.sqlite")
        try:
            build_database(url, (args.services, args.sites))
            app = create_app(
                {
                    "SQLALCHEMY_DATABASE_URI": url,
                    "POSTCODE_DIRECTORY": str(POSTCODES),
                    "RATELIMIT_ENABLED": False,
                    "SECRET_KEY": "profile",
                }
            )
            client = app.test_client()
            from bench.bench_production import kind, mixed_paths, service_slugs

            if args.mixed:
                slugs = service_slugs(url, 500)
                paths, warm_paths = mixed_paths(args.requests, slugs), mixed_paths(400, slugs, seed=8)
            else:
                paths, warm_paths = finder_queries(args.requests, seed=17), finder_queries(300, seed=29)
            for path in warm_paths + paths:  # the same paths: steady state
                assert client.get(path).status_code in (200, 400, 404)
            spent: dict[str, list[float]] = {}
            for path in paths:
                t0 = time.perf_counter()
                client.get(path)
                spent.setdefault(kind(path), []).append(time.perf_counter() - t0)
            plain = sum(sum(v) for v in spent.values()) / len(paths) * 1000
            profiler = Profiler(interval=0.0005)
            with profiler:
                for path in paths:
                    client.get(path)
            print(profiler.output_text(unicode=True, color=False, show_all=args.show_all))
            print(
                f"{len(paths)} requests on {'PostgreSQL' if args.postgres else 'SQLite'}: "
                f"{plain:.2f} ms each without the profiler"
            )
            for name, seconds in sorted(spent.items()):
                print(f"  {name:<13} {len(seconds):>5} requests, {sum(seconds) / len(seconds) * 1000:7.2f} ms each")
            if args.all_services:
                asked = set(slugs) if args.mixed else set()
                unasked = [f"/services/{s}" for s in service_slugs(url, args.services) if s not in asked]
                for label, pass_paths in (("first time", unasked), ("again", unasked[-200:])):
                    times = []
                    for path in pass_paths:
                        t0 = time.perf_counter()
                        assert client.get(path).status_code == 200
                        times.append(time.perf_counter() - t0)
                    times.sort()
                    print(
                        f"  service page, {label}: {len(times)} requests, {sum(times) / len(times) * 1000:.2f} ms each,"
                        f" p50 {times[len(times) // 2] * 1000:.2f}, p95 {times[int(len(times) * 0.95)] * 1000:.2f}"
                    )
        finally:
            drop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
