"""An app of its own on a real SQLite file: for what only a file database shows (locks, faults)."""

from __future__ import annotations

import threading
from pathlib import Path

from tests.conftest import POSTCODES, ROOT, TEST_PASSWORD, csrf_from


def build_file_app(path: Path, **settings):
    """A migrated app on ``path`` with boroughs but no catalogue (the full seed is not needed)."""
    import flask_migrate

    from directory import create_app
    from directory.config import TestConfig
    from directory.extensions import db
    from directory.operations.seeding import SeedSummary, seed_areas, seed_vocabularies

    config = {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
        "POSTCODE_DIRECTORY": str(POSTCODES),
        # Generous limits rather than RATELIMIT_ENABLED=False: the limiter is one object for
        # the whole process, and disabling it here would disable it for every other test.
        "LOGIN_LIMIT_PER_ADDRESS": "10000 per minute",
        "LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS": "10000 per minute",
        **settings,
    }
    app = create_app(type("Config", (TestConfig,), config))
    with app.app_context():
        flask_migrate.upgrade()
        summary = SeedSummary()
        seed_vocabularies(db.session, summary)
        seed_areas(db.session, ROOT / "seed", summary)
        db.session.commit()
        db.session.remove()
    return app


def signed_in_client(app, email: str):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    response = client.post("/login", data={"csrf_token": csrf_from(page), "email": email, "password": TEST_PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


def all_at_once(jobs) -> list:
    """Run each job in its own thread, released together; their results (or exceptions) in order."""
    results: list = [None] * len(jobs)
    start = threading.Barrier(len(jobs))

    def run(index, job):
        start.wait()
        try:
            results[index] = job()
        except BaseException as error:  # noqa: BLE001  (reported by the test, not lost in a thread)
            results[index] = error

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results
