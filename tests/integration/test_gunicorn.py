"""The repository's gunicorn configuration: a worker killed under load is replaced, and no
request fails beyond the ones that worker was holding."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.databases import fresh_database_url

ROOT = Path(__file__).resolve().parents[2]
WORKERS, CLIENTS = 2, 4


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> set[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return {int(p) for p in out.stdout.split()}


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except (urllib.error.URLError, OSError, http.client.HTTPException):
        return 0  # the connection broke (mid-answer, too, when its worker was killed)


@pytest.fixture
def served(tmp_path, postcode_directory):
    url, drop = fresh_database_url(tmp_path)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "gunicorn-test",
        "POSTCODE_DIRECTORY": str(postcode_directory.path),
        "FLASK_APP": "wsgi:app",
    }
    flask = [sys.executable, "-m", "flask"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    port = _free_port()
    env.update(
        {
            "BIND": f"127.0.0.1:{port}",
            "WEB_CONCURRENCY": str(WORKERS),
            "WEB_THREADS": "2",
            "WEB_ACCESS_LOG": "/dev/null",
        }
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while _get(f"{base}/health") != 200:
        assert server.poll() is None, "gunicorn did not start"
        assert time.monotonic() < deadline, "gunicorn did not answer within 30 s"
        time.sleep(0.2)
    yield server, base
    server.send_signal(signal.SIGTERM)
    server.wait(20)
    drop()


def test_a_killed_worker_is_replaced_and_only_its_own_requests_fail(served):
    server, base = served
    statuses: list[int] = []
    stop = threading.Event()

    def client():
        while not stop.is_set():
            statuses.append(_get(f"{base}/services"))

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
    assert _get(f"{base}/health") == 200


def _kill_a_worker_under_load(server, statuses: list[int]) -> None:
    def served_at_least(n: int, within: float = 60) -> None:
        deadline = time.monotonic() + within
        while len(statuses) < n:
            assert time.monotonic() < deadline, f"only {len(statuses)} requests answered"
            time.sleep(0.05)

    served_at_least(30)
    before = _children(server.pid)
    assert len(before) == WORKERS
    victim = min(before)
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while True:
        now = _children(server.pid)
        if len(now) == WORKERS and victim not in now:
            break
        assert time.monotonic() < deadline, "the killed worker was not replaced"
        time.sleep(0.1)
    served_at_least(len(statuses) + 30)  # and the load goes on being served
