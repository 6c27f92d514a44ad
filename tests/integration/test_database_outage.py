"""PostgreSQL goes away under the served app, then comes back: 503s with a clear message
while it is gone (never a 500 or a traceback), and the same workers serve again by
themselves once it returns (no restart).

gunicorn (the repository's gunicorn.conf.py, two workers) reaches the suite's PostgreSQL
through a TCP proxy in the test (tests/tcp_proxy.py), which the test cuts: every open
connection is reset and new ones are refused, as when the server stops or its host
restarts. Anonymous reads may answer from the data version a worker read under
CATALOGUE_LAG_SECONDS ago (directory/web/freshness.py), so the test waits that long after
each cut before it expects 503s. The SQLite equivalent (the database file deleted, replaced or locked) is
tests/web/test_database_unavailable.py.
"""

from __future__ import annotations

import html
import json
import os
import time

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from tests.servers import children, fetch, gunicorn
from tests.tcp_proxy import TcpProxy

SERVER = os.environ.get("TEST_DATABASE_URL", "")
postgresql_only = pytest.mark.skipif(
    not SERVER or make_url(SERVER).get_backend_name() != "postgresql",
    reason="cuts a database server's connections: PostgreSQL only (the suite's PostgreSQL run); "
    "on SQLite the file is taken away instead (tests/web/test_database_unavailable.py)",
)

WORKERS = 2
LAG_SECONDS = 1.0
UNAVAILABLE = "The directory's database is unavailable for a moment"


@pytest.fixture
def proxy():
    url = make_url(SERVER)
    proxy = TcpProxy(url.host, url.port or 5432)
    yield proxy
    proxy.close()


@pytest.fixture
def pages(app):
    """Pages that read the database: the finder (page and API) and a service's page."""
    from directory.extensions import db
    from directory.models import Service

    with app.app_context():
        slug = db.session.scalar(select(Service.slug).where(Service.moderation == "published").order_by(Service.id))
        db.session.remove()
    assert slug, "the suite's database is seeded"
    return (
        "/find?postcode=SE11+5RR",
        f"/services/{slug}",
        "/services",
        "/boroughs",
    ), (
        "/api/find?postcode=SE11+5RR",
        "/api/services",
    )


CONNECT_TIMEOUT = 2  # seconds: libpq's least


@pytest.fixture
def served(app, proxy, postcode_directory, tmp_path):
    """The app on gunicorn, reaching the suite's (migrated, seeded) database via the proxy."""
    through_proxy = make_url(SERVER).set(host="127.0.0.1", port=proxy.port)
    env = {
        "DATABASE_URL": through_proxy.render_as_string(hide_password=False),
        "SECRET_KEY": "outage-test",
        "DATABASE_CONNECT_TIMEOUT": str(CONNECT_TIMEOUT),
        "CATALOGUE_LAG_SECONDS": str(LAG_SECONDS),
        "POSTCODE_DIRECTORY": str(postcode_directory.path),
    }
    log = tmp_path / "gunicorn.log"
    with gunicorn(env, workers=WORKERS, log=log) as server:
        yield server
    print(log.read_text(errors="replace")[-5000:])  # shown when the test fails


def answers(base: str, pages, api, rounds: int) -> list[tuple[str, object]]:
    """Every page and API address ``rounds`` times (both workers get their share)."""
    got = []
    for _ in range(rounds):
        for path in ("/health", *pages, *api):
            got.append((path, fetch(base + path)))
    return got


def assert_all_served(base: str, pages, api) -> None:
    for path, answer in answers(base, pages, api, rounds=WORKERS * 2):
        assert answer.status == 200, (path, answer.status, answer.body[:300])


def assert_all_unavailable(base: str, pages, api, rounds: int = WORKERS * 2) -> None:
    for path, answer in answers(base, pages, api, rounds=rounds):
        assert answer.status == 503, (path, answer.status, answer.body[:300])
        assert "Traceback" not in answer.body and "psycopg" not in answer.body, path
        if path == "/health":
            body = json.loads(answer.body)
            assert body["status"] == "unavailable" and "database" in body["message"], body
        elif path.startswith("/api/"):
            body = json.loads(answer.body)
            assert body["error"] == "database_unavailable", (path, body)
            assert body["message"].startswith(UNAVAILABLE), (path, body)
        else:
            assert "text/html" in answer.content_type, path
            assert UNAVAILABLE in html.unescape(answer.body) and "<h1" in answer.body, path


@postgresql_only
def test_database_outage_gives_503s_and_the_app_recovers_without_a_restart(served, proxy, pages):
    server, base = served
    page_paths, api_paths = pages
    assert_all_served(base, page_paths, api_paths)  # every worker's pool holds live connections
    workers = children(server.pid)
    assert len(workers) == WORKERS

    proxy.cut()
    time.sleep(LAG_SECONDS)
    assert_all_unavailable(base, page_paths, api_paths)
    assert proxy.refused > 0  # the app did try the database again, and was refused

    proxy.restore()
    assert_all_served(base, page_paths, api_paths)
    assert children(server.pid) == workers  # the same workers: nothing was restarted

    # and a second outage is survived as well as the first
    proxy.cut()
    time.sleep(LAG_SECONDS)
    assert_all_unavailable(base, page_paths, api_paths)
    proxy.restore()
    assert_all_served(base, page_paths, api_paths)
    assert children(server.pid) == workers


@postgresql_only
def test_connections_broken_while_nobody_asked_are_not_given_to_the_next_request(served, proxy, pages):
    """The database restarts between two requests: the pooled connections are dead, and
    the first requests after it must not be the ones that find out."""
    server, base = served
    page_paths, api_paths = pages
    assert_all_served(base, page_paths, api_paths)
    proxy.cut()
    proxy.restore()
    assert_all_served(base, page_paths, api_paths)


@postgresql_only
def test_a_server_that_does_not_answer_at_all_gives_503s_within_the_connect_timeout(served, proxy, pages):
    """Its host unreachable: connections are never answered. Each request gives up after
    DATABASE_CONNECT_TIMEOUT seconds with a 503, rather than hanging for minutes."""
    server, base = served
    page_paths, api_paths = pages
    assert_all_served(base, page_paths, api_paths)
    proxy.silence()
    assert_all_unavailable(base, page_paths[:1], api_paths[:1], rounds=2)  # 2 s each
    proxy.restore()
    assert_all_served(base, page_paths, api_paths)


def test_only_postgresql_connections_get_the_connect_timeout():
    from directory.database import engine_options

    base = {"pool_pre_ping": True}
    assert engine_options("sqlite:///x.sqlite", base, 5) == base
    assert engine_options("postgresql+psycopg://h/db", base, 5) == {
        "pool_pre_ping": True,
        "connect_args": {"connect_timeout": 5},
    }
    assert engine_options("postgresql+psycopg://h/db?connect_timeout=9", base, 5) == base
    assert engine_options("postgresql+psycopg://h/db", base, 0) == base
