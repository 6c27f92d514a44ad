#!/usr/bin/env python
"""Benchmark GET /api/postcodes/<pc> over HTTP, and the server's memory after 10,000 lookups.

Serves the directory (real seed) with werkzeug's threaded server in ONE process, so that
its resident memory is one number: VmRSS from /proc/<pid>/status after start-up and one
lookup, then after ``--n`` lookups of random real UK postcodes (in raw forms, e.g.
"sw1a1aa"; outside-London ones are answered too). Latency is per request from 1 client
with a keep-alive connection (werkzeug answers HTTP/1.0, so one connection per request).
A trivial Flask endpoint, served the same way, is the floor. A script, not a test.

Usage: .venv/bin/python bench/bench_postcodes_http.py [--n 10000] [--server werkzeug|gunicorn]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_postcodes import sample_postcodes  # noqa: E402
from bench.httpbench import POSTCODES, Server, build_database, load, machine, rss_kib  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=1)
    parser.add_argument("--server", choices=["werkzeug", "gunicorn"], default="werkzeug")
    parser.add_argument("--seed", type=int, default=20240601)
    args = parser.parse_args()

    postcodes = sample_postcodes(POSTCODES, args.n, args.seed)
    paths = [f"/api/postcodes/{quote(pc)}" for pc in postcodes]
    kwargs = {"server": args.server, "workers": 1} if args.server == "gunicorn" else {"server": args.server}
    with tempfile.TemporaryDirectory(prefix="bench-postcodes-") as tmp:
        db = Path(tmp) / "real.sqlite"
        build_database(db)
        with Server("trivial", ready_path="/ping", **kwargs) as server:
            floor = load(server.base, ["/ping"] * min(args.n, 2000), args.clients, "trivial /ping", 300)
        with Server("directory", db=db, **kwargs) as server:
            load(server.base, paths[:1], 1, warmup=1)
            pid = server.pids()[0]
            rss_start = rss_kib(pid)
            run = load(server.base, paths, args.clients, "/api/postcodes", 600, warmup=0)
            rss_end = rss_kib(pid)

    print(f"machine: {machine()}; server: {args.server}, one process (pid measured: {pid})")
    print(f"{'scenario':<18} {'n':>6} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'max ms':>8} {'req/s':>8}")
    for r in (floor, run):
        print(
            f"{r.label:<18} {r.n:>6} {r.pct(50):8.2f} {r.pct(90):8.2f} {r.pct(99):8.2f} "
            f"{max(r.latencies_ms):8.2f} {r.rps:8.0f}" + (f"  ERRORS={r.errors}" if r.errors else "")
        )
    non_200 = run.errors
    print(
        f"lookups: {run.n:,} random real UK postcodes ({non_200:,} answered non-200, e.g. 404 for "
        "postcodes with no local authority)"
    )
    print(f"p50 ratio to trivial: {run.pct(50) / floor.pct(50):.1f}x; p99 ratio {run.pct(99) / floor.pct(99):.1f}x")
    print(
        f"server VmRSS after start-up + 1 lookup: {rss_start / 1024:.1f} MiB; after {run.n:,} more "
        f"lookups: {rss_end / 1024:.1f} MiB (growth {(rss_end - rss_start) / 1024:+.1f} MiB)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
