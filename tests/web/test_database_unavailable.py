"""The database file goes away, is replaced or is locked under a running app: 503s, then recovery."""

from __future__ import annotations

import os
import sqlite3
from contextlib import contextmanager

import pytest

from directory.extensions import db
from tests.file_database import build_file_app

PAGES = ("/services", "/boroughs")
API = ("/api/services", "/api/boroughs")


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    return tmp_path_factory.mktemp("unavailable") / "directory.sqlite"


@pytest.fixture(scope="module")
def app(database):
    app = build_file_app(database, SQLITE_BUSY_TIMEOUT_MS=200)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app):
    client = app.test_client()
    assert_working(client)  # and every pooled connection has the real file open
    return client


def assert_working(client):
    health = client.get("/health")
    assert health.status_code == 200, health.get_data(as_text=True)
    body = health.get_json()
    assert body["status"] == "ok" and body["schema"]
    for url in PAGES + API:
        assert client.get(url).status_code == 200, url


def assert_unavailable(client):
    health = client.get("/health")
    assert health.status_code == 503
    assert health.get_json()["status"] == "unavailable"
    assert "database" in health.get_json()["message"]
    for url in PAGES:
        response = client.get(url)
        assert response.status_code == 503, url
        html = response.get_data(as_text=True)
        assert "Try again in a few minutes" in html and "Sorry, the service is unavailable</h1>" in html
    for url in API:
        response = client.get(url)
        assert response.status_code == 503, url
        assert response.get_json()["error"] == "database_unavailable"


@contextmanager
def moved_away(database):
    """The database is gone from its place (deleted, as far as a new connection can tell).

    In WAL mode a SQLite database is its file with its ``-wal`` and ``-shm`` files: they are
    moved together, as anyone moving or restoring the database must (see the README).
    """
    parts = [database.with_name(database.name + suffix) for suffix in ("", "-wal", "-shm")]
    moved = [(part, part.with_name("aside-" + part.name)) for part in parts if part.exists()]
    for part, aside in moved:
        os.replace(part, aside)
    try:
        yield
    finally:
        for part, aside in moved:
            os.replace(aside, part)


def test_health_reports_the_schema_revision_it_read(client):
    from alembic.script import ScriptDirectory

    from directory.config import PROJECT_ROOT

    heads = ScriptDirectory(str(PROJECT_ROOT / "migrations")).get_heads()
    assert client.get("/health").get_json()["schema"] in heads


def test_deleted_file_gives_503s_then_recovers_when_it_is_back(client, database):
    with moved_away(database):
        assert_unavailable(client)
        assert not database.exists(), "the app must not create an empty database in its place"
    assert_working(client)


def test_file_replaced_by_garbage_gives_503s_then_recovers(client, database):
    with moved_away(database):
        database.write_bytes(b"this is not a database " * 500)
        assert_unavailable(client)
    assert_working(client)


def test_file_replaced_by_an_empty_database_gives_503s_then_recovers(client, database):
    with moved_away(database):
        sqlite3.connect(database).close()
        assert_unavailable(client)
    assert_working(client)


def test_a_program_holding_the_write_lock_stops_writes_with_503_not_reads(client, database):
    from tests.conftest import csrf_from

    token = csrf_from(client.get("/login").get_data(as_text=True))
    other = sqlite3.connect(database, isolation_level=None)
    try:
        other.execute("BEGIN EXCLUSIVE")
        other.execute("UPDATE data_version SET number = number")
        assert client.get("/health").status_code == 200  # readers do not wait for a writer
        for url in PAGES + API:
            assert client.get(url).status_code == 200, url
        response = client.post("/login", data={"csrf_token": token, "email": "someone@example.org", "password": "x"})
        assert response.status_code == 503
        assert 'value="someone@example.org"' in response.get_data(as_text=True)
    finally:
        other.execute("ROLLBACK")
        other.close()
    response = client.post("/login", data={"csrf_token": token, "email": "someone@example.org", "password": "x"})
    assert response.status_code < 500  # the sign-in is tried: refused for a wrong password
    assert_working(client)


def test_a_provider_edit_refused_while_locked_is_kept_and_saved_when_sent_again(app, client, database):
    import re
    from html import unescape

    from sqlalchemy import select

    from directory.models import Organisation, Service
    from directory.operations.accounts import create_user
    from tests.conftest import TEST_PASSWORD, csrf_from, service_form_data
    from tests.file_database import signed_in_client

    with app.app_context():
        org = Organisation(slug="locked-out-org", name="Locked Out Organisation", moderation="published")
        db.session.add(org)
        db.session.flush()
        create_user(db.session, "locked@example.org", "Lou Locked", TEST_PASSWORD, "provider", org.id)
        db.session.remove()
    provider = signed_in_client(app, "locked@example.org")
    page = provider.get("/provider/services/new").get_data(as_text=True)
    data = service_form_data(name="Held Up Service")
    assert provider.post("/provider/services/new", data={**data, "csrf_token": csrf_from(page)}).status_code == 302
    with app.app_context():
        service_id = db.session.scalar(select(Service.id).where(Service.name == "Held Up Service"))
        db.session.remove()
    url = f"/provider/services/{service_id}/edit"
    form = provider.get(url).get_data(as_text=True)
    version = re.search(r'name="version"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="version"', form)
    typed = service_form_data(name="Held Up Service", summary="Typed while another program wrote.")
    typed.update(csrf_token=csrf_from(form), version=version.group(1) or version.group(2))

    other = sqlite3.connect(database, isolation_level=None)
    try:
        other.execute("BEGIN EXCLUSIVE")
        refused = provider.post(url, data=typed)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert refused.status_code == 503
    html = refused.get_data(as_text=True)
    assert "Typed while another program wrote." in html and "Send again" in html

    resend = re.search(r'<form action="([^"]+)" method="post">(.*?)</form>', html, re.S)
    fields = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', resend.group(2))
    again: dict[str, list[str]] = {}
    for name, value in fields:
        again.setdefault(name, []).append(unescape(value))
    assert resend.group(1) == url
    assert provider.post(url, data=again).status_code == 302
    with app.app_context():
        assert db.session.get(Service, service_id).summary == "Typed while another program wrote."
        db.session.remove()


def test_a_form_post_while_unavailable_keeps_what_was_typed(client, database):
    from tests.conftest import csrf_from

    token = csrf_from(client.get("/login").get_data(as_text=True))
    with moved_away(database):
        response = client.post(
            "/login", data={"csrf_token": token, "email": "someone@example.org", "password": "secret words"}
        )
    assert response.status_code == 503
    html = response.get_data(as_text=True)
    assert 'value="someone@example.org"' in html  # kept, in a form that sends it again
    assert "secret words" not in html  # but a password is never written into a page
