#!/usr/bin/env python
"""Run every benchmark in turn (`make bench`). Timings are printed, never asserted."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

BENCHES = [
    ("postcode lookup, in process", ["bench_postcodes.py", "--no-build"]),
    ("postcode API over HTTP, and server memory (werkzeug, as `make run`)", ["bench_postcodes_http.py"]),
    (
        "postcode API over HTTP, and server memory (gunicorn gthread)",
        ["bench_postcodes_http.py", "--server", "gunicorn"],
    ),
    ("finder API over HTTP, real seed and + SYNTHETIC 5,000 services", ["bench_finder.py"]),
    ("concurrent writers on one SQLite file, over HTTP", ["bench_writes.py"]),
]


def main() -> int:
    failed = []
    for title, args in BENCHES:
        print(f"\n=== {title} ===", flush=True)
        t0 = time.perf_counter()
        code = subprocess.call([sys.executable, str(HERE / args[0]), *args[1:]])
        print(f"--- {time.perf_counter() - t0:.0f} s, exit {code}", flush=True)
        if code:
            failed.append(title)
    if failed:
        print("\nFailed: " + "; ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
