"""Engine set-up that differs by database, kept in one place."""

from __future__ import annotations

from sqlalchemy import event, insert, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import ORMExecuteState, Session, object_mapper

from .models import AuditEvent, Revision, ServiceVersion, User
from .models._base import utcnow
from .models.data_version import ROW_ID, DataVersion

# Bookkeeping no reader of the published data sees: writing it leaves the data version alone.
UNVERSIONED_TABLES = frozenset(
    model.__tablename__ for model in (User, AuditEvent, Revision, ServiceVersion, DataVersion)
)


# Tables an extension makes and owns (PostGIS): never the migrations' business.
EXTENSION_TABLES = frozenset({"spatial_ref_sys", "geometry_columns", "geography_columns"})


def include_in_migrations(obj, name, type_, reflected, compare_to) -> bool:
    return not (type_ == "table" and reflected and compare_to is None and name in EXTENSION_TABLES)


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


def bump_data_version(session: Session) -> None:
    """Move the data version on, in the writing transaction (so a rollback undoes it too)."""
    move_data_version(session.connection())


def move_data_version(connection) -> None:
    values = {"number": DataVersion.number + 1, "changed_at": utcnow()}
    moved = connection.execute(update(DataVersion).where(DataVersion.id == ROW_ID).values(values))
    if moved.rowcount == 0:
        connection.execute(
            insert(DataVersion).values(id=ROW_ID, number=1, changed_at=values["changed_at"])
        )


def _versioned(table) -> bool:
    return getattr(table, "name", None) not in UNVERSIONED_TABLES


def version_flushed_changes(session: Session, _context, _instances) -> None:
    records = (*session.new, *session.dirty, *session.deleted)
    if any(
        _versioned(object_mapper(r).local_table)
        for r in records
        if r in session.new or r in session.deleted or session.is_modified(r)
    ):
        bump_data_version(session)


def version_bulk_writes(state: ORMExecuteState) -> None:
    """``session.execute(insert(...)/update(...)/delete(...))`` skips the flush: catch it here."""
    if (state.is_insert or state.is_update or state.is_delete) and _versioned(
        getattr(state.statement, "table", None)
    ):
        bump_data_version(state.session)


_HOOKS = (
    ("before_flush", touch_changed_records),
    ("before_flush", version_flushed_changes),
    ("do_orm_execute", version_bulk_writes),
)


def track_changes() -> None:
    for name, hook in _HOOKS:
        if not event.contains(Session, name, hook):
            event.listen(Session, name, hook)
