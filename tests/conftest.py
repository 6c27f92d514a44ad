"""Shared fixtures: one migrated, seeded database per run; each test in a rolled-back savepoint."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy.orm import scoped_session, sessionmaker

ROOT = Path(__file__).resolve().parent.parent
POSTCODES = Path(os.environ.get("POSTCODE_DIRECTORY", ROOT / "instance" / "postcodes.sqlite"))


@pytest.fixture(scope="session")
def postcode_directory():
    from directory.geo.postcode_directory import PostcodeDirectory, ensure_directory

    ensure_directory(POSTCODES)
    return PostcodeDirectory(POSTCODES)


@pytest.fixture(scope="session")
def smtp_server():
    """A real SMTP server (aiosmtpd) on a free loopback port, for every test run."""
    from tests.smtp import start_smtp_server

    server = start_smtp_server()
    yield server
    server.stop()


@pytest.fixture
def mailbox(smtp_server):
    """What the SMTP server received during this test."""
    smtp_server.messages.clear()
    return smtp_server.messages


@pytest.fixture(scope="session")
def app(tmp_path_factory, postcode_directory, smtp_server):
    import flask_migrate

    from directory import create_app
    from directory.config import TestConfig
    from directory.extensions import db
    from directory.operations.geocoding import Geocoder
    from directory.operations.seeding import seed_all

    database_url = os.environ.get("TEST_DATABASE_URL") or (f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}")

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = database_url
        POSTCODE_DIRECTORY = str(POSTCODES)
        MAIL_SERVER, MAIL_PORT = smtp_server.host, smtp_server.port

    app = create_app(Config)
    with app.app_context():
        flask_migrate.upgrade()
        seed_all(db.session, ROOT / "seed", Geocoder(postcode_directory, db.session))
        db.session.remove()
    return app


@pytest.fixture
def session(app):
    """A session whose work is rolled back after the test, even what the app commits."""
    from directory.extensions import db

    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        original = db.session
        db.session = scoped_session(sessionmaker(bind=connection, join_transaction_mode="create_savepoint"))
        try:
            yield db.session
        finally:
            db.session.remove()
            db.session = original
            transaction.rollback()
            connection.close()


@pytest.fixture
def client(app, session):
    return app.test_client()


# --------------------------------------------------------------------------------------
# Accounts: users of each role, signing in through the real form, CSRF tokens from pages
# --------------------------------------------------------------------------------------

import re  # noqa: E402

TEST_PASSWORD = "correct horse battery staple"
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_from(html: str) -> str:
    """The CSRF token in a rendered page (the first form's)."""
    match = _CSRF.search(html)
    assert match, "no csrf_token on the page"
    return match.group(1)


_ERROR_SUMMARY = re.compile(r'role="alert">\s*<h2[^>]*>\s*There is a problem\s*</h2>(.*?)</ul>', re.S)
_LINK = re.compile(r'<a href="([^"]*)"[^>]*>\s*(.*?)\s*</a>', re.S)


def error_summary(html: str) -> dict[str, str]:
    """The page's error summary as a user meets it: each message and the field it links to.

    Empty when the page shows no "There is a problem" alert.
    """
    match = _ERROR_SUMMARY.search(html)
    return {text: href for href, text in _LINK.findall(match.group(1))} if match else {}


def post_form(client, url: str, data: dict, form_url: str | None = None, **kwargs):
    """Open the page holding the form, read its CSRF token, and post ``data`` with it."""
    page = client.get(form_url or url)
    payload = {"csrf_token": csrf_from(page.get_data(as_text=True)), **data}
    return client.post(url, data=payload, **kwargs)


@pytest.fixture(scope="session")
def password_hash():
    from directory.operations.accounts import hasher

    return hasher.hash(TEST_PASSWORD)


@pytest.fixture
def make_user(session, password_hash):
    """Build a user: make_user("provider", organisation=org, email=...)."""
    from directory.models import Organisation, User

    counter = iter(range(1, 10_000))

    def build(role: str = "officer", organisation=None, email: str | None = None, **overrides):
        n = next(counter)
        if role == "provider" and organisation is None:
            organisation = Organisation(
                slug=f"test-org-{n}-{role}", name=f"Test Organisation {n}", moderation="published"
            )
            session.add(organisation)
            session.flush()
        user = User(
            email=email or f"{role}{n}@example.org",
            name=f"Test {role.title()} {n}",
            password_hash=password_hash,
            role=role,
            organisation_id=organisation.id if organisation is not None else None,
            **overrides,
        )
        session.add(user)
        session.flush()
        return user

    return build


def sign_in(client, email: str, password: str = TEST_PASSWORD):
    from directory.extensions import limiter

    limiter.reset()
    if client.get("/login").status_code == 302:  # someone is signed in: sign them out first
        home = client.get("/").get_data(as_text=True)
        client.post("/logout", data={"csrf_token": csrf_from(home)})
    return post_form(client, "/login", {"email": email, "password": password})


@pytest.fixture
def login_as(client, make_user):
    """Sign the test client in as a new user of ``role``; returns the User row."""

    def do(role: str, **kwargs):
        user = make_user(role, **kwargs)
        response = sign_in(client, user.email)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return user

    return do


def service_form_data(**overrides) -> dict:
    """A valid service form submission (a site in Lambeth); override any field."""
    data = {
        "name": "Test Mentoring Service",
        "summary": "Mentoring for young adults leaving prison.",
        "description": "One-to-one mentoring.",
        "status": "commissioned",
        "starts_on": "2024-04-01",
        "ends_on": "",
        "boroughs": ["E09000022"],
        "categories": ["employment_education_training"],
        "cohorts": ["prison_leaver"],
        "min_age": "18",
        "max_age": "25",
        "languages": "English, Polish",
        "referral_routes": ["probation", "self"],
        "how_to_refer": "Email the team.",
        "email": "referrals@example.org",
        "sites-0-name": "Lambeth hub",
        "sites-0-address": "1 Example Street",
        "sites-0-postcode": "se17tp",
        "sites-0-opening_details": "Mondays",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}
