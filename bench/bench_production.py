#!/usr/bin/env python
"""Production shape: gunicorn at 5,000 services, on PostgreSQL (or SQLite), under load.

A script, not a test: figures are printed, never asserted.

1. Throughput: ``--find-clients`` clients send varied ``/api/find`` queries (bench_finder's
   list) for up to ``--seconds``: requests a second, p50/p95, errors.
   Target on PostgreSQL: at least 250 requests a second.
2. Mixed load: ``--clients`` clients for ``--seconds`` mixing the finder (page and API),
   service pages (any of the published services) and map pages (pages and their map
   documents), while ``--writers`` providers edit their own services. Run twice: first as
   people, each client and each provider pausing ``--pause`` (0.5 to 1.5 s) between an
   answer and its next request; then back to back, every client and provider asking again
   the moment it is answered (the server saturated: latency is then the queue, clients /
   throughput).
   Reads: errors and p50/p95 (target: 0 errors, p95 under 200 ms). Writes: every status,
   any "database is locked", and lost updates (a save answered as saved whose text is not
   what the service holds at the end).

gunicorn runs with the repository's ``gunicorn.conf.py`` (workers and threads as it sets
them, or ``--workers``/``--threads``); only the address, logging and the timeout differ.

Usage (the database is made, filled and dropped by the script):
    bash scripts/with-postgres.sh .venv/bin/python bench/bench_production.py    # PostgreSQL
    .venv/bin/python bench/bench_production.py --sqlite                         # SQLite
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
from collections.abc import Callable
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_finder import finder_queries  # noqa: E402
from bench.bench_writes import PASSWORD, add_providers, csrf_token, form_version, service_form  # noqa: E402
from bench.httpbench import Server, build_database, load, machine  # noqa: E402


def fresh_postgres_database(server_url: str) -> tuple[str, Callable[[], None]]:
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


def service_slugs(url: str, n: int | None) -> list[str]:
    """``n`` published services' slugs (a fixed sample), or all of them."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as connection:
        slugs = list(
            connection.execute(text("SELECT slug FROM service WHERE moderation = 'published' ORDER BY id")).scalars()
        )
    engine.dispose()
    return slugs if n is None else random.Random(5).sample(slugs, min(n, len(slugs)))


def kind(path: str) -> str:
    """What a mixed-load path asks for, for the per-kind figures."""
    if path.startswith("/api/find"):
        return "finder API"
    if path.startswith("/find"):
        return "finder page"
    if path.startswith("/services/"):
        return "service page"
    return "map page" if "/frame" not in path else "map document"


def data_version_number(url: str) -> int | None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as connection:
        number = connection.execute(text("SELECT number FROM data_version")).scalar()
    engine.dispose()
    return number


def load_average() -> str:
    return "load average " + ", ".join(f"{v:.2f}" for v in os.getloadavg())


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


def writers(
    base: str, emails: list[str], done: threading.Event, writes: Writes, pause: tuple[float, float] = (0.0, 0.0)
) -> list[threading.Thread]:
    """One thread per provider: sign in, add a service, then edit it again and again (with a
    random ``pause`` between a save's answer and opening the form again, when given)."""

    def run(n: int, email: str) -> None:
        rng = random.Random(n)
        client = requests.Session()
        token = csrf_token(client.get(f"{base}/login").text)
        client.post(
            f"{base}/login", data={"csrf_token": token, "email": email, "password": PASSWORD}, allow_redirects=False
        )
        new = client.get(f"{base}/provider/services/new").text
        client.post(
            f"{base}/provider/services/new",
            allow_redirects=False,
            data={**service_form(f"Bench Writer Service {n}", "First."), "csrf_token": csrf_token(new)},
        )
        service_id = int(re.findall(r"/provider/services/(\d+)/edit", client.get(f"{base}/provider/").text)[0])
        k = 0
        while not done.is_set():
            if pause[1] > 0 and done.wait(rng.uniform(*pause)):
                break
            k += 1
            page = client.get(f"{base}/provider/services/{service_id}/edit").text
            text = f"Edit {k} by writer {n}."
            t0 = time.perf_counter()
            response = client.post(
                f"{base}/provider/services/{service_id}/edit",
                allow_redirects=False,
                data={
                    **service_form(f"Bench Writer Service {n}", text),
                    "csrf_token": csrf_token(page),
                    "version": form_version(page),
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


def _pause_words(pause: tuple[float, float]) -> str:
    if pause[1] <= 0:
        return "back to back (no pause)"
    return f"each pausing {pause[0]:g}-{pause[1]:g} s between answers"


def mixed(base: str, url: str, args, emails: list[str], slugs: list[str], pause: tuple[float, float]):
    """Mixed reads from ``args.clients`` clients while ``args.writers`` providers edit: printed,
    and returned as (reads, writes, lost updates)."""
    version_before = data_version_number(url)
    mixed_load = load_average()
    writes, done = Writes(), threading.Event()
    threads = writers(base, emails, done, writes, pause)
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
            pause=pause,
        )
    finally:
        done.set()
        for thread in threads:
            thread.join()
    moves = (data_version_number(url) or 0) - (version_before or 0)
    print(
        f"2. mixed reads, {args.clients} clients {_pause_words(pause)}, {reads.wall_s:.0f} s: "
        f"{reads.rps:.0f} req/s, p50 {reads.pct(50):.1f} ms, p95 {reads.pct(95):.1f} ms, "
        f"p99 {reads.pct(99):.1f} ms, errors {reads.errors} of {reads.n} ({mixed_load} before)",
        flush=True,
    )
    for name, part in reads.by(kind).items():
        print(
            f"   {name:<13} {part.n:>6} requests, p50 {part.pct(50):7.1f} ms, "
            f"p95 {part.pct(95):7.1f} ms, errors {part.errors}"
        )
    for failure in reads.failed[:5]:
        print(f"   error: {failure}")
    lost = lost_updates(url, writes.acknowledged)
    saves = sum(writes.statuses.values())
    print(
        f"   writes meanwhile ({args.writers} providers editing, {_pause_words(pause)}): {saves} "
        f"saves, statuses {dict(sorted(writes.statuses.items()))}, p50 "
        f"{pct(writes.seconds, 50) * 1000:.0f} ms, p95 {pct(writes.seconds, 95) * 1000:.0f} ms; "
        f"'database is locked' {writes.locked}; lost updates "
        f"{lost} of {len(writes.acknowledged)} services; the published data version "
        f"moved {moves} times",
        flush=True,
    )
    return reads, writes, lost


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    parser.add_argument("--services", type=int, default=5000)
    parser.add_argument("--sites", type=int, default=20000)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--find-clients", type=int, default=16)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--workers", type=int, default=None, help="gunicorn processes (default: gunicorn.conf.py's)")
    parser.add_argument("--threads", type=int, default=None, help="threads a process (default: gunicorn.conf.py's)")
    parser.add_argument("--skip-find", action="store_true", help="only the mixed runs")
    parser.add_argument(
        "--pause",
        type=lambda text: tuple(float(v) for v in text.split(",")),
        default=(0.5, 1.5),
        help="the people's run: each client's pause between answers, 'least,most' seconds (default 0.5,1.5)",
    )
    parser.add_argument("--skip-back-to-back", action="store_true", help="only the people's mixed run")
    args = parser.parse_args()
    os.environ["SESSION_COOKIE_SECURE"] = "0"  # plain HTTP on loopback; requests honours Secure

    server_url = os.environ.get("TEST_DATABASE_URL")
    with tempfile.TemporaryDirectory(prefix="bench-production-") as tmp:
        if args.sqlite or not server_url:
            url, drop = f"sqlite:///{Path(tmp) / 'bench.sqlite'}", (lambda: None)
            kind_of_db = "SQLite"
        else:
            url, drop = fresh_postgres_database(server_url)
            kind_of_db = "PostgreSQL"
        try:
            t = build_database(url, (args.services, args.sites))
            emails = add_providers(url, args.writers)
            slugs = service_slugs(url, None)
            with Server(
                "directory", url, workers=args.workers, threads=args.threads, config="gunicorn.conf.py"
            ) as server:
                print(
                    f"{machine()}\n{kind_of_db}: built the seed + {args.services:,} services / "
                    f"{args.sites:,} sites in {t['seed_s'] + t.get('synthetic_s', 0):.0f} s; gunicorn "
                    f"{server.settings}",
                    flush=True,
                )
                base = server.base
                find = None
                if not args.skip_find:
                    find_load = load_average()
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
                        f"errors {find.errors} of {find.n} ({find_load} before)",
                        flush=True,
                    )

                pauses = [args.pause] if args.skip_back_to_back else [args.pause, (0.0, 0.0)]
                mixed_runs = [(pause, mixed(base, url, args, emails, slugs, pause)) for pause in pauses]
        finally:
            drop()
    print(f"\nSummary ({kind_of_db}, {args.services:,} services, {load_average()} after):")
    if find is not None:
        print(
            f"  /api/find, {args.find_clients} clients: {find.rps:.0f} req/s, p50 {find.pct(50):.0f} ms, "
            f"p95 {find.pct(95):.0f} ms, errors {find.errors}   [target >= 250 req/s]"
        )
    for pause, (reads, writes, lost) in mixed_runs:
        saves = sum(writes.statuses.values())
        print(
            f"  mixed, {args.clients} clients, {_pause_words(pause)}: {reads.rps:.0f} req/s, "
            f"p50 {reads.pct(50):.0f} ms, p95 {reads.pct(95):.0f} ms, errors {reads.errors}"
            f"   [target: 0 errors, p95 < 200 ms]"
        )
        print(
            f"    writes meanwhile: {saves} saves, non-redirects {saves - writes.statuses.get(302, 0)}, "
            f"'database is locked' {writes.locked}, lost updates {lost}   [target: 0 and 0]"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
