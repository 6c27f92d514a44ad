#!/usr/bin/env python
"""Benchmark the offline postcode lookup. A script, not a test.

Measures:
  * in-process lookup latency (p50/p90/p99/max) over 10,000 random real postcodes, each
    given in a raw form ("sw1a1aa") so normalisation is included, timed per call with
    time.perf_counter_ns; a cold pass (fresh connection) and a warm pass;
  * resident memory (VmRSS from /proc/self/status) before opening the lookup and after the
    lookups;
  * build time and peak memory (ru_maxrss) of build_directory, in a fresh subprocess writing
    to a temporary file (skip with --no-build).

Usage:  .venv/bin/python bench/bench_postcodes.py [--lookup PATH] [--n 10000] [--no-build]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def rss_kib() -> int:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def child_build(target: str) -> None:
    from directory.geo.postcode_directory import build_directory

    summary = build_directory(target)
    print(
        json.dumps(
            {
                "seconds": summary.seconds,
                "rows": summary.rows,
                "london_rows": summary.london_rows,
                "file_bytes": summary.file_bytes,
                "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            }
        )
    )


def sample_postcodes(path: Path, n: int, seed: int) -> list[str]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        # A random sample without reading every key into Python.
        conn.create_function("seeded_random", 1, lambda key: zlib.crc32(f"{seed}:{key}".encode()))
        rows = conn.execute("SELECT postcode FROM postcodes ORDER BY seeded_random(postcode) LIMIT ?", (n,)).fetchall()
    finally:
        conn.close()
    rng = random.Random(seed)
    out = []
    for (key,) in rows:  # present them as a person might type them
        raw = key.lower() if rng.random() < 0.5 else f"{key[:-3]} {key[-3:]}"
        out.append(raw)
    rng.shuffle(out)
    return out


def percentile(sorted_ns: list[int], p: float) -> float:
    k = max(0, min(len(sorted_ns) - 1, round(p / 100 * (len(sorted_ns) - 1))))
    return sorted_ns[k] / 1000.0


def time_lookups(directory, postcodes: list[str]) -> tuple[list[int], int]:
    timings = []
    found = 0
    lookup = directory.lookup
    for pc in postcodes:
        t0 = time.perf_counter_ns()
        record = lookup(pc)
        timings.append(time.perf_counter_ns() - t0)
        found += record is not None
    return timings, found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lookup", type=Path, default=ROOT / "instance" / "postcodes.sqlite")
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--no-build", action="store_true", help="skip the build measurement")
    parser.add_argument("--child-build", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_build:
        child_build(args.child_build)
        return 0

    from directory.geo.postcode_directory import PostcodeDirectory, ensure_directory

    ensure_directory(args.lookup)
    postcodes = sample_postcodes(args.lookup, args.n, args.seed)

    rss_before = rss_kib()
    directory = PostcodeDirectory(args.lookup)
    cold, found = time_lookups(directory, postcodes)
    warm, _ = time_lookups(directory, postcodes)
    rss_after = rss_kib()
    directory.close()

    rows: list[tuple[str, str]] = [
        ("lookup file", f"{args.lookup} ({args.lookup.stat().st_size / 2**20:.1f} MiB)"),
        ("postcodes looked up", f"{len(postcodes):,} random real postcodes ({found:,} found)"),
    ]
    for label, t in (("cold", cold), ("warm", warm)):
        s = sorted(t)
        rows.append(
            (
                f"lookup latency, {label}",
                f"p50 {percentile(s, 50):.1f} µs | p90 {percentile(s, 90):.1f} µs | "
                f"p99 {percentile(s, 99):.1f} µs | max {s[-1] / 1000:.1f} µs | "
                f"mean {statistics.fmean(s) / 1000:.1f} µs",
            )
        )
    rows.append(("RSS before opening lookup", f"{rss_before / 1024:.1f} MiB"))
    rows.append((f"RSS after {2 * len(postcodes):,} lookups", f"{rss_after / 1024:.1f} MiB"))
    rows.append(("RSS growth", f"{(rss_after - rss_before) / 1024:.1f} MiB"))

    if not args.no_build:
        with tempfile.TemporaryDirectory() as tmp:
            target = Path(tmp) / "postcodes.sqlite"
            t0 = time.perf_counter()
            proc = subprocess.run(
                [sys.executable, __file__, "--child-build", str(target)],
                check=True,
                capture_output=True,
                text=True,
            )
            wall = time.perf_counter() - t0
        built = json.loads(proc.stdout.strip().splitlines()[-1])
        rows.append(
            (
                "build_directory",
                f"{built['seconds']:.1f} s build ({wall:.1f} s with interpreter start-up), "
                f"{built['rows']:,} rows, {built['london_rows']:,} London",
            )
        )
        rows.append(("build peak memory (maxrss)", f"{built['maxrss_kib'] / 1024:.0f} MiB"))
        rows.append(("built file size", f"{built['file_bytes'] / 2**20:.1f} MiB"))

    rows.append(("machine", f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version}"))
    width = max(len(k) for k, _ in rows)
    print(f"{'measure':<{width}}  value")
    print(f"{'-' * width}  {'-' * 40}")
    for k, v in rows:
        print(f"{k:<{width}}  {v}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
