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
            context = MigrationContext.configure(
                connection, opts={"include_object": include_in_migrations}
            )
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
