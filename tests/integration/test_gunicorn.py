"""The repository's gunicorn configuration: a worker killed under load is replaced, and no
request fails beyond the ones that worker was holding."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from tests.databases import fresh_database_url
from tests.servers import ROOT, children, get, gunicorn

WORKERS, CLIENTS = 2, 4


@pytest.fixture
def served(tmp_path, postcode_directory):
    url, drop = fresh_database_url(tmp_path)
    env = {
        "DATABASE_URL": url,
        "SECRET_KEY": "gunicorn-test",
        "POSTCODE_DIRECTORY": str(postcode_directory.path),
    }
    flask = [sys.executable, "-m", "flask"]
    subprocess.run(
        [*flask, "db", "upgrade"],
        cwd=ROOT,
        env={**os.environ, "FLASK_APP": "wsgi:app", **env},
        check=True,
        capture_output=True,
    )
    try:
        with gunicorn(env, workers=WORKERS) as server:
            yield server
    finally:
        drop()


def test_a_killed_worker_is_replaced_and_only_its_own_requests_fail(served):
    server, base = served
    statuses: list[int] = []
    stop = threading.Event()

    def client():
        while not stop.is_set():
            statuses.append(get(f"{base}/services"))

    clients = [threading.Thread(target=client, daemon=True) for _ in range(CLIENTS)]
    for thread in clients:
        thread.start()
    try:
        _kill_a_worker_under_load(server, statuses)
    finally:
        stop.set()
        for thread in clients:
            thread.join(15)
    failed = [s for s in statuses if s != 200]
    # Only requests the killed worker held can fail: at most one per client connection.
    assert len(failed) <= CLIENTS, f"{len(failed)} of {len(statuses)} failed: {set(failed)}"
    assert get(f"{base}/health") == 200


def _kill_a_worker_under_load(server, statuses: list[int]) -> None:
    def served_at_least(n: int, within: float = 60) -> None:
        deadline = time.monotonic() + within
        while len(statuses) < n:
            assert time.monotonic() < deadline, f"only {len(statuses)} requests answered"
            time.sleep(0.05)

    served_at_least(30)
    before = children(server.pid)
    assert len(before) == WORKERS
    victim = min(before)
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while True:
        now = children(server.pid)
        if len(now) == WORKERS and victim not in now:
            break
        assert time.monotonic() < deadline, "the killed worker was not replaced"
        time.sleep(0.1)
    served_at_least(len(statuses) + 30)  # and the load goes on being served
