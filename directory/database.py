"""Engine set-up that differs by database, kept in one place."""

from __future__ import annotations

import os
import sqlite3

from flask import has_request_context, request
from sqlalchemy import event, exc, insert, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import ORMExecuteState, Session, object_mapper

from .models import (
    AuditEvent,
    OutgoingEmail,
    Referral,
    ReferralEvent,
    Revision,
    ServiceVersion,
    User,
)
from .models._base import utcnow
from .models.data_version import ROW_ID, DataVersion

# Bookkeeping no reader of the published data sees: writing it leaves the data version alone.
UNVERSIONED_TABLES = frozenset(
    model.__tablename__
    for model in (
        User,
        AuditEvent,
        Revision,
        ServiceVersion,
        DataVersion,
        Referral,
        ReferralEvent,
        OutgoingEmail,
    )
)


# Tables an extension makes and owns (PostGIS): never the migrations' business.
EXTENSION_TABLES = frozenset({"spatial_ref_sys", "geometry_columns", "geography_columns"})


# Kept by the database itself, made per dialect by migration 0008: the text search index
# (with FTS5's shadow tables) and the site's PostGIS point with its spatial index.
SEARCH_INDEX_TABLE = "service_search"
DATABASE_OWNED_COLUMNS = frozenset({("site", "point")})
DATABASE_OWNED_INDEXES = frozenset({"ix_site_point"})


def include_in_migrations(obj, name, type_, reflected, compare_to) -> bool:
    if not reflected or compare_to is not None:
        return True
    if type_ == "table":
        return not (name in EXTENSION_TABLES or name == SEARCH_INDEX_TABLE or name.startswith(f"{SEARCH_INDEX_TABLE}_"))
    if type_ == "column":
        return (obj.table.name, name) not in DATABASE_OWNED_COLUMNS
    if type_ == "index":
        return name not in DATABASE_OWNED_INDEXES
    return True


# Requests that cannot write: their transactions stay deferred, so they run side by side.
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def writes_expected() -> bool:
    """Whether a transaction begun now should take the write lock at once.

    In SQLite a deferred transaction that reads and then writes cannot wait for another
    writer: it fails with "database is locked" (or, in WAL mode, because its snapshot is
    stale). Taking the lock at BEGIN makes writers queue (up to the busy timeout) instead.
    Only read-only requests begin deferred; anything else (forms, commands) may write.
    """
    return not (has_request_context() and request.method in READ_ONLY_METHODS)


def sqlite_file(engine: Engine) -> str | None:
    """The database file's absolute path, or None for an in-memory or URI database."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:"):
        return None
    return os.path.abspath(database)


def _file_identity(path: str) -> tuple[int, int] | None:
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return None
    return stat.st_dev, stat.st_ino


def configure_engine(engine: Engine, busy_timeout_ms: int = 10_000) -> None:
    """SQLite: foreign keys, WAL, a busy timeout, write transactions that take the lock at BEGIN,
    and connections that follow the database file if it is deleted or replaced.

    SQLAlchemy owns the transactions (so savepoints work). A connection keeps the file it
    opened even after that file is deleted or replaced; each checkout compares the file's
    identity with the one the connection opened and reopens the pool if they differ. Once
    a database has been opened, a missing file is an error, never a new empty database.
    """
    if engine.dialect.name != "sqlite" or getattr(engine, "_directory_configured", False):
        return
    path = sqlite_file(engine)
    opened = {"before": False}

    @event.listens_for(engine, "do_connect")
    def refuse_missing_file(_dialect, _record, _cargs, _cparams):
        if path and opened["before"] and not os.path.exists(path):
            raise sqlite3.OperationalError(f"unable to open database file: {path} is missing")

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        if path:
            record.info["file"] = _file_identity(path)
            opened["before"] = True
            try:
                cursor.execute("PRAGMA journal_mode=WAL")  # kept in the file; readers never wait
                cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL
            except sqlite3.DatabaseError:
                pass  # not a database (or locked) right now: the request's own query says so
        cursor.close()

    @event.listens_for(engine, "checkout")
    def follow_the_file(_dbapi_connection, record, _proxy):
        if path and record.info.get("file") != _file_identity(path):
            raise exc.InvalidatePoolError(f"the database file {path} was deleted or replaced")

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes_expected() else "BEGIN")

    engine._directory_configured = True


_BUSY = ("database is locked", "database table is locked", "database is busy")


def is_busy(error: BaseException) -> bool:
    """Another connection holds the lock for longer than the busy timeout."""
    return isinstance(error, exc.OperationalError) and any(b in str(error.orig) for b in _BUSY)


UNDEFINED_TABLE = "42P01"  # PostgreSQL's SQLSTATE


def missing_table(error: BaseException) -> bool:
    """The schema is not there: a database that was never migrated, or the wrong one."""
    orig = getattr(error, "orig", None)
    return "no such table" in str(orig) or UNDEFINED_TABLE in (
        getattr(orig, "sqlstate", None),
        getattr(orig, "pgcode", None),
    )


def database_unavailable(error: BaseException) -> bool:
    """A fault of the database rather than of the request: missing, replaced, not a
    database, without its tables, locked, or no connection to be had."""
    return (
        isinstance(error, (exc.OperationalError, exc.InterfaceError, exc.TimeoutError))
        or type(error) is exc.DatabaseError
        or (isinstance(error, exc.DBAPIError) and error.connection_invalidated)
        or missing_table(error)
    )


def recover(session: Session, engine: Engine, error: BaseException) -> None:
    """After such a fault: end the request's transaction and, unless another writer merely
    held the lock, drop every pooled connection so the next request opens the file afresh."""
    try:
        session.rollback()
    except exc.SQLAlchemyError:
        session.close()
    if not is_busy(error):
        engine.dispose()


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
        connection.execute(insert(DataVersion).values(id=ROW_ID, number=1, changed_at=values["changed_at"]))


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
    if (state.is_insert or state.is_update or state.is_delete) and _versioned(getattr(state.statement, "table", None)):
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
