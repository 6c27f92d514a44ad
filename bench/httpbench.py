"""Shared pieces for the HTTP benchmarks: databases, a server subprocess, a load generator."""

from __future__ import annotations

import http.client
import os
import random
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
import zlib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POSTCODES = Path(os.environ.get("POSTCODE_DIRECTORY", ROOT / "instance" / "postcodes.sqlite"))
sys.path.insert(0, str(ROOT))


def database_url(target: Path | str) -> str:
    """A SQLite file path, or a database URL as it is."""
    return target if isinstance(target, str) and "://" in target else f"sqlite:///{target}"


def build_database(path: Path | str, synthetic: tuple[int, int] | None = None) -> dict:
    """Migrate and seed a fresh database (a SQLite file path or an empty database's URL);
    add SYNTHETIC rows if asked."""
    import flask_migrate

    from directory import create_app
    from directory.extensions import db
    from directory.geo.postcode_directory import PostcodeDirectory, ensure_directory
    from directory.operations.geocoding import Geocoder
    from directory.operations.seeding import seed_all

    ensure_directory(POSTCODES)
    directory = PostcodeDirectory(POSTCODES)
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url(path), "POSTCODE_DIRECTORY": str(POSTCODES)})
    timings = {}
    with app.app_context():
        t0 = time.perf_counter()
        flask_migrate.upgrade()
        seed_all(db.session, ROOT / "seed", Geocoder(directory, db.session))
        db.session.commit()
        timings["seed_s"] = time.perf_counter() - t0
        if synthetic:
            from bench.synthetic import populate

            t0 = time.perf_counter()
            populate(db.session, services=synthetic[0], sites=synthetic[1], seed=1, directory=directory)
            timings["synthetic_s"] = time.perf_counter() - t0
            if db.engine.dialect.name == "postgresql":  # rows written with their own ids
                from directory.operations.backup import _reset_sequences

                with db.engine.begin() as connection:
                    _reset_sequences(connection, db.metadata.sorted_tables)
        db.session.remove()
        db.engine.dispose()
    directory.close()
    return timings


def london_postcodes(n: int, seed: int = 7) -> list[str]:
    """``n`` real London postcodes (E09 authorities), a fixed pseudo-random sample."""
    conn = sqlite3.connect(f"file:{POSTCODES}?mode=ro", uri=True)
    try:
        conn.create_function("h", 1, lambda k: zlib.crc32(f"{seed}:{k}".encode()))
        rows = conn.execute(
            "SELECT postcode FROM postcodes WHERE la_code LIKE 'E09%' AND lat IS NOT NULL ORDER BY h(postcode) LIMIT ?",
            (n,),
        ).fetchall()
    finally:
        conn.close()
    return [f"{k[:-3]} {k[-3:]}" for (k,) in rows]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``bench/serve.py`` in a subprocess; a context manager that waits until it answers."""

    def __init__(
        self,
        app: str,
        db: Path | str | None = None,
        server: str = "gunicorn",
        workers: int | None = None,
        threads: int | None = 4,
        ready_path: str = "/health",
        config: str | None = None,
    ):
        """``config``: a gunicorn configuration file (relative to the repository) whose
        settings apply, ``workers`` and ``threads`` (when given) overriding its own."""
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        cmd = [
            sys.executable,
            str(ROOT / "bench" / "serve.py"),
            "--app",
            app,
            "--port",
            str(self.port),
            "--server",
            server,
        ]
        settings = {"workers": os.cpu_count() or 1, "threads": 4}
        if config:
            import runpy

            cmd += ["--config", str(ROOT / config)]
            from_file = runpy.run_path(str(ROOT / config))
            settings = {k: from_file[k] for k in ("workers", "threads", "max_requests") if k in from_file}
        if threads:
            cmd += ["--threads", str(threads)]
            settings["threads"] = threads
        if workers:
            cmd += ["--workers", str(workers)]
            settings["workers"] = workers
        self.settings = ", ".join(f"{k} {v}" for k, v in settings.items()) + (f" (from {config})" if config else "")
        if db:
            cmd += ["--db", database_url(db), "--postcodes", str(POSTCODES)]
        self.cmd = cmd
        self.ready_path = ready_path
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        self.proc = subprocess.Popen(self.cmd, start_new_session=True)
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}: {' '.join(self.cmd)}")
            try:
                with urllib.request.urlopen(self.base + self.ready_path, timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.__exit__()
                raise RuntimeError(f"server did not answer {self.base + self.ready_path} in 60 s")
            time.sleep(0.1)

    def __exit__(self, *exc) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()

    def pids(self) -> list[int]:
        """The serving processes: gunicorn's workers (children), or the one werkzeug process."""
        assert self.proc
        try:
            children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        except OSError:
            children = []
        return [int(c) for c in children] or [self.proc.pid]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return -1


@dataclass
class Run:
    label: str
    clients: int
    latencies_ms: list[float]
    wall_s: float
    errors: int
    bytes: int
    stopped_early: bool
    paths: list[str] = field(default_factory=list)  # beside latencies_ms, in the same order
    failed: list[str] = field(default_factory=list)  # "status path" of each error

    def by(self, kind) -> dict[str, Run]:
        """The requests grouped by ``kind(path)``, each group as a Run over the same wall time."""
        groups: dict[str, list[float]] = {}
        for path, ms in zip(self.paths, self.latencies_ms, strict=True):
            groups.setdefault(kind(path), []).append(ms)
        errors: dict[str, int] = {}
        for failure in self.failed:
            errors[kind(failure.split(" ", 1)[1])] = errors.get(kind(failure.split(" ", 1)[1]), 0) + 1
        return {
            k: Run(k, self.clients, v, self.wall_s, errors.get(k, 0), 0, self.stopped_early)
            for k, v in sorted(groups.items())
        }

    def pct(self, p: float) -> float:
        s = sorted(self.latencies_ms)
        if not s:
            return float("nan")
        k = max(0, min(len(s) - 1, round(p / 100 * (len(s) - 1))))
        return s[k]

    @property
    def n(self) -> int:
        return len(self.latencies_ms)

    @property
    def rps(self) -> float:
        return self.n / self.wall_s if self.wall_s else 0.0

    @property
    def mean(self) -> float:
        return statistics.fmean(self.latencies_ms) if self.latencies_ms else float("nan")


# Enough simultaneous connections that every server process takes some (2 workers here).
WARM_CONNECTIONS = 8


def warm(base: str, paths: list[str], connections: int) -> None:
    """Send ``paths``, shared out over ``connections`` simultaneous connections, untimed.

    Each server process builds its caches (the finder's catalogue snapshot, the verdicts it
    keeps per borough, age or cohort) as requests first need them; that one-off cost is
    measured on its own, not mixed into the steady state.
    """

    def send(share: list[str]) -> None:
        for path in share:
            with urllib.request.urlopen(base + path, timeout=120) as r:
                r.read()

    shares = [paths[i::connections] or paths[:1] for i in range(connections)]
    threads = [threading.Thread(target=send, args=(share,)) for share in shares]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def load(
    base: str,
    paths: list[str],
    clients: int,
    label: str = "",
    max_seconds: float = 120.0,
    warmup: int = 5,
    warm_paths: list[str] | None = None,
    pause: tuple[float, float] = (0.0, 0.0),
) -> Run:
    """GET each of ``paths`` once, from ``clients`` threads with keep-alive connections.

    First, untimed, ``warm_paths`` (or the first ``warmup`` of ``paths``) on several
    connections at once. Stops early (and says so) once ``max_seconds`` have passed, so
    that a slow scenario is still a bounded run. ``pause``: each client waits a random time
    between these bounds (seconds) after each answer before it asks again, as a person
    reading the page would; (0, 0) sends requests back to back.
    """
    host, port = base.removeprefix("http://").split(":")
    warm(base, warm_paths if warm_paths is not None else paths[:warmup], connections=max(clients, WARM_CONNECTIONS))
    lock = threading.Lock()
    queue = iter(paths)
    latencies: list[float] = []
    done_paths: list[str] = []
    failed: list[str] = []
    counters = {"errors": 0, "bytes": 0}
    deadline = time.monotonic() + max_seconds
    stopped = threading.Event()

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        conn = http.client.HTTPConnection(host, int(port), timeout=120)
        first = True
        while True:
            if pause[1] > 0:
                # staggered start, then a person's pause between answers
                time.sleep(rng.uniform(0, pause[1]) if first else rng.uniform(*pause))
                first = False
            with lock:
                path = next(queue, None)
            if path is None:
                break
            if time.monotonic() > deadline:
                stopped.set()
                break
            t0 = time.perf_counter()
            status: int | str
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                body = response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as error:
                conn.close()
                conn = http.client.HTTPConnection(host, int(port), timeout=120)
                status, body = type(error).__name__, b""
            elapsed = (time.perf_counter() - t0) * 1000
            with lock:
                latencies.append(elapsed)
                done_paths.append(path)
                counters["bytes"] += len(body)
                if status != 200:
                    counters["errors"] += 1
                    failed.append(f"{status} {path}")
        conn.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    return Run(
        label, clients, latencies, wall, counters["errors"], counters["bytes"], stopped.is_set(), done_paths, failed
    )


def machine() -> str:
    import platform

    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} CPUs ({model or platform.machine()}), Python {sys.version.split()[0]}, "
        f"SQLite {sqlite3.sqlite_version}"
    )
