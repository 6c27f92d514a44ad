"""Anonymous reads may use a data version up to CATALOGUE_LAG_SECONDS old; nobody else does.

On a SQLite file of its own, so that a change can be made the way another worker process
makes it: through a connection of its own, outside this app.
"""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from directory.extensions import db
from directory.models import Borough, Category, Organisation, Service
from directory.operations.accounts import create_user
from tests.conftest import TEST_PASSWORD
from tests.file_database import build_file_app, signed_in_client

BOROUGH = "E09000022"


@pytest.fixture
def app(tmp_path):
    path = tmp_path / "directory.sqlite"
    app = build_file_app(path, CATALOGUE_LAG_SECONDS=60.0)
    app.config["DATABASE_FILE"] = path
    with app.app_context():
        org = Organisation(slug="lag-org", name="Lag Organisation", moderation="published")
        service = Service(slug="lag-mentoring", name="Lag Mentoring First", organisation=org, moderation="published")
        service.boroughs = [db.session.scalar(select(Borough).where(Borough.code == BOROUGH))]
        service.categories = [db.session.scalar(select(Category).where(Category.slug == "accommodation"))]
        db.session.add_all([org, service])
        db.session.flush()
        create_user(db.session, "reader@example.org", "Reader", TEST_PASSWORD, "officer", None)
        db.session.commit()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


def rename_in_another_process(app, name: str) -> None:
    """What another worker's committed change looks like to this one: rows it did not write."""
    connection = sqlite3.connect(app.config["DATABASE_FILE"])
    with connection:
        connection.execute("UPDATE service SET name = ? WHERE slug = 'lag-mentoring'", (name,))
        connection.execute(
            "UPDATE data_version SET number = number + 1, changed_at = ?", (datetime.now(UTC).isoformat(),)
        )
    connection.close()


def borough_page(client) -> str:
    response = client.get(f"/boroughs/{BOROUGH}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_anonymous_readers_see_another_workers_change_only_after_the_lag(app):
    anonymous = app.test_client()
    assert "Lag Mentoring First" in borough_page(anonymous)
    rename_in_another_process(app, "Lag Mentoring Second")
    assert "Lag Mentoring First" in borough_page(anonymous)  # within the lag: the version it read

    app.config["CATALOGUE_LAG_SECONDS"] = 0.2
    time.sleep(0.3)
    page = borough_page(anonymous)
    assert "Lag Mentoring Second" in page and "Lag Mentoring First" not in page


def test_a_signed_in_user_always_reads_the_current_version(app):
    anonymous = app.test_client()
    assert "Lag Mentoring First" in borough_page(anonymous)
    rename_in_another_process(app, "Lag Mentoring Second")
    assert "Lag Mentoring Second" in borough_page(signed_in_client(app, "reader@example.org"))
    # ... and the version it read is the one anonymous readers are given from then on.
    assert "Lag Mentoring Second" in borough_page(anonymous)


def test_a_change_committed_in_this_worker_reaches_anonymous_readers_at_once(app):
    anonymous = app.test_client()
    assert "Lag Mentoring First" in borough_page(anonymous)
    with app.app_context():
        db.session.scalar(select(Service).where(Service.slug == "lag-mentoring")).name = "Lag Mentoring Third"
        db.session.commit()
        db.session.remove()
    assert "Lag Mentoring Third" in borough_page(anonymous)


def test_with_no_lag_every_request_reads_the_version(app):
    app.config["CATALOGUE_LAG_SECONDS"] = 0
    anonymous = app.test_client()
    assert "Lag Mentoring First" in borough_page(anonymous)
    rename_in_another_process(app, "Lag Mentoring Second")
    assert "Lag Mentoring Second" in borough_page(anonymous)
