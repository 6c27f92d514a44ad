"""Engine set-up that differs by database, kept in one place."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from .models._base import utcnow


def configure_engine(engine: Engine) -> None:
    """SQLite: enforce foreign keys and let SQLAlchemy own transactions (so savepoints work)."""
    if engine.dialect.name != "sqlite" or getattr(engine, "_directory_configured", False):
        return

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        connection.exec_driver_sql("BEGIN")

    engine._directory_configured = True


def touch_changed_records(session: Session, _context, _instances) -> None:
    """Give every changed record a new ``updated_at``, even when only its links changed.

    Swapping a service's boroughs or categories writes only to link tables; touching the
    record makes the change visible to the catalogue's data version (and, for services,
    to their optimistic-locking version).
    """
    now = utcnow()
    for record in session.dirty:
        if hasattr(record, "updated_at") and session.is_modified(record):
            record.updated_at = now


def track_changes() -> None:
    if not event.contains(Session, "before_flush", touch_changed_records):
        event.listen(Session, "before_flush", touch_changed_records)
