#!/usr/bin/env python
"""Production shape: gunicorn at 5,000 services, on PostgreSQL (or SQLite), under load.

A script, not a test: figures are printed, never asserted.

1. Throughput: ``--find-clients`` clients send varied ``/api/find`` queries (bench_finder's
   list) for up to ``--seconds``: requests a second, p50/p95, errors.
   Target on PostgreSQL: at least 250 requests a second.
2. Mixed load: ``--clients`` clients for ``--seconds`` mixing the finder (page and API),
   service pages and map pages (pages and their map documents), while ``--writers``
   providers edit their own services without pause. Reads: errors and p50/p95 (target:
   0 errors, p95 under 200 ms). Writes: every status, any "database is locked", and lost
   updates (a save answered as saved whose text is not what the service holds at the end).

Usage (the database is made, filled and dropped by the script):
    scripts/with-postgres.sh .venv/bin/python bench/bench_production.py    # PostgreSQL
    .venv/bin/python bench/bench_production.py --sqlite                    # SQLite
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_finder import finder_queries  # noqa: E402
from bench.bench_writes import CSRF, PASSWORD, VERSION, add_providers, service_form  # noqa: E402
from bench.httpbench import Server, build_database, load, machine  # noqa: E402


def fresh_postgres_database(server_url: str) -> tuple[str, callable]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()

    return url, drop


def service_slugs(url: str, n: int) -> list[str]:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as connection:
        slugs = list(
            connection.execute(text("SELECT slug FROM service WHERE moderation = 'published' ORDER BY id")).scalars()
        )
    engine.dispose()
    return random.Random(5).sample(slugs, min(n, len(slugs)))


def mixed_paths(n: int, slugs: list[str], seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    finder = finder_queries(2000, seed=seed)
    maps = [
        "/maps/gaps",
        "/maps/gaps/frame",
        "/maps/coverage?category=accommodation",
        "/maps/coverage/frame?category=accommodation",
        "/maps/sites?borough=E09000022",
        "/maps/sites/frame?borough=E09000022",
        "/maps",
        "/boroughs/E09000022",
    ]
    out = []
    for _ in range(n):
        roll = rng.random()
        if roll < 0.35:
            out.append(rng.choice(finder))
        elif roll < 0.55:
            out.append("/find?" + rng.choice(finder).split("?", 1)[1])
        elif roll < 0.85:
            out.append(f"/services/{rng.choice(slugs)}")
        else:
            out.append(rng.choice(maps))
    return out


class Writes:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.statuses: Counter = Counter()
        self.locked = 0
        self.seconds: list[float] = []
        self.acknowledged: dict[int, str] = {}


def writers(base: str, emails: list[str], done: threading.Event, writes: Writes) -> list[threading.Thread]:
    def run(n: int, email: str) -> None:
        client = requests.Session()
        token = CSRF.search(client.get(f"{base}/login").text).group(1)
        client.post(
            f"{base}/login", data={"csrf_token": token, "email": email, "password": PASSWORD}, allow_redirects=False
        )
        new = client.get(f"{base}/provider/services/new").text
        client.post(
            f"{base}/provider/services/new",
            allow_redirects=False,
            data={**service_form(f"Bench Writer Service {n}", "First."), "csrf_token": CSRF.search(new).group(1)},
        )
        service_id = int(re.findall(r"/provider/services/(\d+)/edit", client.get(f"{base}/provider/").text)[0])
        k = 0
        while not done.is_set():
            k += 1
            page = client.get(f"{base}/provider/services/{service_id}/edit").text
            version = VERSION.search(page)
            text = f"Edit {k} by writer {n}."
            t0 = time.perf_counter()
            response = client.post(
                f"{base}/provider/services/{service_id}/edit",
                allow_redirects=False,
                data={
                    **service_form(f"Bench Writer Service {n}", text),
                    "csrf_token": CSRF.search(page).group(1),
                    "version": version.group(1) or version.group(2),
                },
            )
            with writes.lock:
                writes.seconds.append(time.perf_counter() - t0)
                writes.statuses[response.status_code] += 1
                writes.locked += "database is locked" in response.text
                if response.status_code == 302:
                    writes.acknowledged[service_id] = text

    return [threading.Thread(target=run, args=(n, email)) for n, email in enumerate(emails)]


def lost_updates(url: str, acknowledged: dict[int, str]) -> int:
    """Saves answered as saved whose text the service's pending change does not hold."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    lost = 0
    with engine.connect() as connection:
        for service_id, summary in acknowledged.items():
            held = connection.execute(
                text(
                    "SELECT proposed FROM revision WHERE service_id = :id AND state = 'pending' "
                    "ORDER BY id DESC LIMIT 1"
                ),
                {"id": service_id},
            ).scalar()
            if isinstance(held, str):
                import json

                held = json.loads(held)
            lost += (held or {}).get("summary") != summary
    engine.dispose()
    return lost


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(p / 100 * len(s)))] if s else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    parser.add_argument("--services", type=int, default=5000)
    parser.add_argument("--sites", type=int, default=20000)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--find-clients", type=int, default=16)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--workers", type=int, default=None, help="gunicorn processes (default 2 a core)")
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    os.environ["SESSION_COOKIE_SECURE"] = "0"  # plain HTTP on loopback; requests honours Secure
    workers = args.workers or 2 * (os.cpu_count() or 1)

    server_url = os.environ.get("TEST_DATABASE_URL")
    with tempfile.TemporaryDirectory(prefix="bench-production-") as tmp:
        if args.sqlite or not server_url:
            url, drop = f"sqlite:///{Path(tmp) / 'bench.sqlite'}", (lambda: None)
            kind = "SQLite"
        else:
            url, drop = fresh_postgres_database(server_url)
            kind = "PostgreSQL"
        try:
            t = build_database(url, (args.services, args.sites))
            print(
                f"{machine()}\n{kind}: built the seed + {args.services:,} services / {args.sites:,} "
                f"sites in {t['seed_s'] + t.get('synthetic_s', 0):.0f} s; gunicorn {workers} workers "
                f"x {args.threads} threads",
                flush=True,
            )
            emails = add_providers(url, args.writers)
            slugs = service_slugs(url, 500)
            with Server("directory", url, workers=workers, threads=args.threads) as server:
                base = server.base
                find = load(
                    base,
                    finder_queries(200_000, seed=17),
                    args.find_clients,
                    "api/find",
                    max_seconds=args.seconds,
                    warm_paths=finder_queries(300, seed=29),
                )
                print(
                    f"1. /api/find, {args.find_clients} clients, {find.wall_s:.0f} s: "
                    f"{find.rps:.0f} req/s, p50 {find.pct(50):.1f} ms, p95 {find.pct(95):.1f} ms, "
                    f"errors {find.errors} of {find.n}",
                    flush=True,
                )

                writes, done = Writes(), threading.Event()
                threads = writers(base, emails, done, writes)
                for thread in threads:
                    thread.start()
                try:
                    reads = load(
                        base,
                        mixed_paths(500_000, slugs),
                        args.clients,
                        "mixed",
                        max_seconds=args.seconds,
                        warm_paths=mixed_paths(400, slugs, seed=8),
                    )
                finally:
                    done.set()
                    for thread in threads:
                        thread.join()
                print(
                    f"2. mixed reads, {args.clients} clients, {reads.wall_s:.0f} s: {reads.rps:.0f} req/s, "
                    f"p50 {reads.pct(50):.1f} ms, p95 {reads.pct(95):.1f} ms, p99 {reads.pct(99):.1f} ms, "
                    f"errors {reads.errors} of {reads.n}",
                    flush=True,
                )
                print(
                    f"   writes meanwhile ({args.writers} providers editing): {sum(writes.statuses.values())} "
                    f"saves, statuses {dict(sorted(writes.statuses.items()))}, p50 "
                    f"{pct(writes.seconds, 50) * 1000:.0f} ms, p95 {pct(writes.seconds, 95) * 1000:.0f} ms; "
                    f"'database is locked' {writes.locked}; lost updates "
                    f"{lost_updates(url, writes.acknowledged)} of {len(writes.acknowledged)} services"
                )
        finally:
            drop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
