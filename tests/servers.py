"""The app served for real: gunicorn with the repository's gunicorn.conf.py, and plain HTTP."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children(pid: int) -> set[int]:
    """The process ids of ``pid``'s children (gunicorn's workers)."""
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return {int(p) for p in out.stdout.split()}


@dataclass(frozen=True)
class Answer:
    status: int  # 0: the connection broke (mid-answer, too, when its worker was killed)
    content_type: str = ""
    body: str = ""


def fetch(url: str, timeout: float = 20) -> Answer:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            body = response.read().decode("utf-8", "replace")
            return Answer(response.status, response.headers.get("Content-Type", ""), body)
    except urllib.error.HTTPError as error:
        body = error.read().decode("utf-8", "replace")
        return Answer(error.code, error.headers.get("Content-Type", ""), body)
    except (urllib.error.URLError, OSError, http.client.HTTPException):
        return Answer(0)


def get(url: str) -> int:
    return fetch(url, timeout=10).status


@contextmanager
def gunicorn(
    env: dict[str, str],
    workers: int = 2,
    threads: int = 2,
    ready: str = "/health",
    log: Path | None = None,
):
    """gunicorn with gunicorn.conf.py on a free port: yields (the master process, base URL)
    once ``ready`` answers 200, and stops it afterwards. Its own log goes to ``log``."""
    port = free_port()
    env = {
        **os.environ,
        "FLASK_APP": "wsgi:app",
        **env,
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": str(workers),
        "WEB_THREADS": str(threads),
        "WEB_ACCESS_LOG": "/dev/null",
    }
    output = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 (closed below)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=output,
        stderr=output,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while get(f"{base}{ready}") != 200:
            assert server.poll() is None, "gunicorn did not start"
            assert time.monotonic() < deadline, "gunicorn did not answer within 60 s"
            time.sleep(0.2)
        yield server, base
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        if log:
            output.close()
