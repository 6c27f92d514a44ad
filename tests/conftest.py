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
def app(tmp_path_factory, postcode_directory):
    import flask_migrate

    from directory import create_app
    from directory.config import TestConfig
    from directory.extensions import db
    from directory.operations.geocoding import Geocoder
    from directory.operations.seeding import seed_all

    database_url = os.environ.get("TEST_DATABASE_URL") or (
        f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
    )

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = database_url
        POSTCODE_DIRECTORY = str(POSTCODES)

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
        db.session = scoped_session(
            sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
        )
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
