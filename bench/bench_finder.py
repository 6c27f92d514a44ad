#!/usr/bin/env python
"""Benchmark GET /api/find over HTTP. A script, not a test: timings are reported, never asserted.

Builds two throwaway SQLite databases: the real seed, and the real seed plus SYNTHETIC rows
(bench/synthetic.py: 5,000 services, 20,000 sites by default). Serves each with gunicorn
(gthread, one worker per CPU, 4 threads each) on 127.0.0.1 and a free port, and sends the
same fixed list of varied, realistic finder queries (real London postcodes or a borough,
1 to 3 needs, sometimes age, gender, cohort, a disposal, an offence) from 1 client and from
16 concurrent clients. A trivial Flask JSON endpoint, served the same way in the same run,
is the floor. Prints p50/p95/p99, throughput and the ratio to the trivial endpoint.

Targets (reported against, not enforced): /api/find p95 under 50 ms at 5,000 services, and
within 5x of the trivial endpoint.

Usage: .venv/bin/python bench/bench_finder.py [--requests 300] [--services 5000] [--sites 20000]
       [--max-seconds 90] [--server gunicorn|werkzeug]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.httpbench import (  # noqa: E402
    Run,
    Server,
    build_database,
    load,
    london_postcodes,
    machine,
    rss_kib,
)

NEED_WEIGHTS = {
    "domestic_abuse_perpetrators": 6,
    "accommodation": 8,
    "mental_health": 6,
    "substance_misuse": 6,
    "employment_education_training": 4,
    "women": 3,
    "young_adults": 3,
    "wellbeing": 3,
    "stalking": 2,
    "veterans": 1,
    "neurodiversity": 2,
    "family_relationships": 2,
    "resettlement": 3,
    "restorative_justice": 1,
    "hate_crime": 1,
}
BOROUGHS = ["E09000022", "E09000028", "E09000008", "E09000033", "E09000030", "E09000002", "E09000001"]


def finder_queries(n: int, seed: int = 11) -> list[str]:
    """``n`` varied /api/find paths, the same every run."""
    rng = random.Random(seed)
    postcodes = london_postcodes(200, seed=seed)
    needs, weights = list(NEED_WEIGHTS), list(NEED_WEIGHTS.values())
    out = []
    for _ in range(n):
        q: list[tuple[str, str]] = []
        if rng.random() < 0.85:
            q.append(("postcode", rng.choice(postcodes)))
        else:
            q.append(("borough", rng.choice(BOROUGHS)))
        for need in sorted(set(rng.choices(needs, weights, k=rng.choice([1, 1, 2, 3])))):
            q.append(("need", need))
        if rng.random() < 0.5:
            q.append(("age", str(rng.randint(15, 70))))
        if rng.random() < 0.4:
            q.append(("gender", rng.choice(["male", "female", "other"])))
        if rng.random() < 0.3:
            q.append(("cohort", rng.choice(["oocd", "probation", "prison_leaver", "none"])))
        if rng.random() < 0.2:
            q.append(
                (
                    "disposal",
                    rng.choice(
                        ["conditional_caution", "community_resolution", "diversionary_caution", "community_caution"]
                    ),
                )
            )
            if rng.random() < 0.5:
                q.append(("offence", rng.choice(["theft", "violence", "domestic_abuse", "drugs_possession"])))
        out.append("/api/find?" + urlencode(q))
    return out


def row(run: Run, floor: Run | None) -> str:
    ratio = f"{run.pct(95) / floor.pct(95):7.1f}x" if floor and floor.n else "      -"
    flag = " (time cap)" if run.stopped_early else ""
    return (
        f"{run.label:<34} {run.clients:>3} {run.n:>5} {run.pct(50):9.1f} {run.pct(95):9.1f} "
        f"{run.pct(99):9.1f} {run.rps:8.1f} {run.bytes / max(run.n, 1) / 1024:9.1f} {ratio}"
        f"{'  ERRORS=' + str(run.errors) if run.errors else ''}{flag}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="requests per scenario")
    parser.add_argument("--services", type=int, default=5000)
    parser.add_argument("--sites", type=int, default=20000)
    parser.add_argument("--max-seconds", type=float, default=90.0, help="time cap per scenario")
    parser.add_argument("--server", choices=["gunicorn", "werkzeug"], default="gunicorn")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 16])
    parser.add_argument("--workers", type=int, default=None, help="gunicorn processes (default: one per CPU)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn process")
    args = parser.parse_args()

    paths = finder_queries(args.requests)
    # Other queries like them (another seed: other postcodes and people), sent untimed first,
    # so that every server process is in the steady state a running service is in.
    warmers = finder_queries(100, seed=29)
    runs: list[tuple[Run, str]] = []
    with tempfile.TemporaryDirectory(prefix="bench-finder-") as tmp:
        real_db, synth_db = Path(tmp) / "real.sqlite", Path(tmp) / "synthetic.sqlite"
        t = build_database(real_db)
        print(f"built real-seed database in {t['seed_s']:.1f} s", flush=True)
        t = build_database(synth_db, (args.services, args.sites))
        print(
            f"built real + SYNTHETIC {args.services:,} services / {args.sites:,} sites "
            f"(synthetic rows inserted in {t['synthetic_s']:.1f} s)",
            flush=True,
        )

        floor: dict[int, Run] = {}
        cold: dict[str, float] = {}
        memory: dict[str, float] = {}
        serving = {"server": args.server, "workers": args.workers, "threads": args.threads}
        with Server("trivial", ready_path="/ping", **serving) as server:
            for c in args.clients:
                run = load(server.base, ["/ping"] * args.requests, c, "trivial Flask /ping", args.max_seconds)
                floor[c] = run
                runs.append((run, "floor"))
                print(row(run, None), flush=True)
        for label, db in (("/api/find, real seed", real_db), (f"/api/find, +{args.services:,} synthetic", synth_db)):
            with Server("directory", db=db, **serving) as server:
                t0 = time.perf_counter()
                with urllib.request.urlopen(server.base + paths[0], timeout=300) as first:
                    first.read()
                cold[label] = time.perf_counter() - t0
                print(f"{label}: first request (builds one process's snapshot) {cold[label]:.2f} s", flush=True)
                for c in args.clients:
                    run = load(server.base, paths, c, label, args.max_seconds, warm_paths=warmers)
                    runs.append((run, label))
                    print(row(run, floor[c]), flush=True)
                memory[label] = max(rss_kib(pid) for pid in server.pids()) / 1024

    print()
    workers = args.workers or "one per CPU"
    print(
        f"machine: {machine()}; server: {args.server}"
        + (
            f" (gthread, workers: {workers}, {args.threads} threads each)"
            if args.server == "gunicorn"
            else " (threaded)"
        )
    )
    print(
        f"{'scenario':<34} {'cl':>3} {'n':>5} {'p50 ms':>9} {'p95 ms':>9} {'p99 ms':>9} {'req/s':>8} "
        f"{'KiB/resp':>9} {'p95/floor':>8}"
    )
    for run, kind in runs:
        print(row(run, None if kind == "floor" else floor[run.clients]))
    print()
    for label, seconds in cold.items():
        print(
            f"{label}: first request after start, building the catalogue snapshot: {seconds:.2f} s; "
            f"largest server process afterwards {memory[label]:.0f} MiB RSS"
        )
    synth = [r for r, k in runs if k.startswith("/api/find, +")]
    for r in synth:
        p95, ratio = r.pct(95), r.pct(95) / floor[r.clients].pct(95)
        print(
            f"target at {args.services:,} services, {r.clients} client(s): p95 {p95:.1f} ms "
            f"({'meets' if p95 < 50 else 'MISSES'} < 50 ms); {ratio:.1f}x trivial "
            f"({'meets' if ratio <= 5 else 'MISSES'} <= 5x)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
