"""The schema comes from migrations, and the migrations match the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from directory.database import include_in_migrations
from directory.extensions import db


def test_models_and_migrations_agree(app):
    with app.app_context():
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"include_object": include_in_migrations}
            )
            diff = compare_metadata(context, db.metadata)
    assert diff == []


def _fresh_database_url(tmp_path) -> tuple[str, object]:
    """A new, empty database of the kind the suite runs on, and how to remove it."""
    import os
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    server = os.environ.get("TEST_DATABASE_URL")
    if not server or make_url(server).get_backend_name() == "sqlite":
        return f"sqlite:///{tmp_path / 'migrations.sqlite'}", lambda: None
    name = f"migrations_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    url = make_url(server).set(database=name).render_as_string(hide_password=False)

    def drop():
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()

    return url, drop


def test_migrations_upgrade_downgrade_and_upgrade_again(tmp_path):
    """Every migration runs both ways on this database (SQLite, or PostgreSQL in its run)."""
    import flask_migrate
    from sqlalchemy import inspect

    from directory import create_app
    from directory.config import TestConfig

    url, drop = _fresh_database_url(tmp_path)

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
