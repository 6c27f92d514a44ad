"""Fresh, empty databases of the kind the suite runs on (SQLite, or PostgreSQL in its run)."""

from __future__ import annotations


def fresh_database_url(tmp_path) -> tuple[str, object]:
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
