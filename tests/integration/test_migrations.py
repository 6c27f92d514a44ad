"""The schema comes from migrations, and the migrations match the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from directory.database import include_in_migrations
from directory.extensions import db
from tests.databases import fresh_database_url


def test_models_and_migrations_agree(app):
    with app.app_context():
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"include_object": include_in_migrations})
            diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_migrations_upgrade_downgrade_and_upgrade_again(tmp_path):
    """Every migration runs both ways on this database (SQLite, or PostgreSQL in its run)."""
    import flask_migrate
    from sqlalchemy import inspect

    from directory import create_app
    from directory.config import TestConfig

    url, drop = fresh_database_url(tmp_path)

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    app = create_app(Config)
    try:
        with app.app_context():
            flask_migrate.upgrade()
            tables = set(inspect(db.engine).get_table_names())
            assert {"service", "site", "user_account", "data_version"} <= tables
            flask_migrate.downgrade(revision="base")
            left = set(inspect(db.engine).get_table_names()) - {"alembic_version", "spatial_ref_sys"}
            assert left == set()
            flask_migrate.upgrade()
            assert set(inspect(db.engine).get_table_names()) == tables
            db.session.remove()
            db.engine.dispose()
    finally:
        drop()


def test_statuses_seeded_before_0005_are_dated_by_their_board_note(tmp_path):
    """An existing database keeps its records: the migration dates each status by the latest
    board note that states it, never by the day it was loaded."""
    import flask_migrate
    from sqlalchemy import text

    from directory import create_app
    from directory.config import TestConfig

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'old.sqlite'}"

    app = create_app(Config)
    with app.app_context():
        flask_migrate.upgrade(revision="0004_data_version")
        with db.engine.begin() as connection:
            for id_, slug in ((1, "old-a"), (2, "old-b")):
                connection.execute(
                    text(
                        "INSERT INTO service (id, uuid, slug, name, status, moderation, pan_london, "
                        "genders, risk_levels, offences_accepted, offences_excluded, languages, "
                        "veterans_only, neurodivergent_only, oocd_disposals, oocd_condition_kinds, "
                        "referral_routes, version, created_at, updated_at) VALUES (:id, :uuid, :slug, "
                        "'Old', 'commissioned', 'published', 0, '[]', '[]', '[]', '[]', '[]', 0, 0, "
                        "'[]', '[]', '[]', 1, '2024-01-01 00:00:00', '2024-01-01 00:00:00')"
                    ),
                    {"id": id_, "uuid": f"00000000-0000-0000-0000-00000000000{id_}", "slug": slug},
                )
            connection.execute(
                text(
                    "INSERT INTO citation (service_id, note, meeting_date, quote, facts) VALUES "
                    "(1, '003.txt', '2023-05-30', 'q', '[\"status\"]'), "
                    "(1, '000.txt', '2021-03-04', 'q', '[\"status\"]'), "
                    "(2, '000.txt', '2021-03-04', 'q', '[\"name\"]')"
                )
            )
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            rows = dict(
                (r[0], r[1:])
                for r in connection.execute(text("SELECT id, status_as_of, status_source FROM service ORDER BY id"))
            )
    assert str(rows[1][0]) == "2023-05-30"
    assert rows[1][1] == "Reported to the London Reducing Reoffending Board"
    assert rows[2] == (None, "no source found states its status")
