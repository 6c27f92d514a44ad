"""Engine set-up that differs by database, kept in one place."""

from __future__ import annotations

import os
import sqlite3

from flask import has_request_context, request
from sqlalchemy import event, exc, exists, insert, inspect, or_, select, update
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import ORMExecuteState, Session, object_mapper

from .models import (
    AuditEvent,
    Citation,
    ImportRun,
    Organisation,
    OutgoingEmail,
    Referral,
    ReferralEvent,
    Revision,
    Service,
    ServiceVersion,
    Site,
    StagedRecord,
    UnresolvedValue,
    User,
)
from .models._base import utcnow
from .models.catalogue import service_commissioner
from .models.data_version import MOVED_ON_CONNECTION, ROW_ID, DataVersion

# Bookkeeping no reader of the published data sees: writing it leaves the data version alone.
# (Revisions are proposals under review; an import's staging rows are what it read, not
# what it published: approving or applying them writes the catalogue's own tables.)
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
        ImportRun,
        StagedRecord,
        UnresolvedValue,
    )
)

PUBLISHED = "published"


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


def engine_options(url: str, options: dict, connect_timeout: int | None) -> dict:
    """The engine's options for ``url``: on PostgreSQL, a connection attempt gives up after
    ``connect_timeout`` seconds (libpq's least is 2) unless the URL or the options say otherwise."""
    if not connect_timeout or make_url(url).get_backend_name() != "postgresql":
        return options
    if "connect_timeout" in make_url(url).query:
        return options
    connect_args = {"connect_timeout": connect_timeout, **options.get("connect_args", {})}
    return {**options, "connect_args": connect_args}


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

    engine._directory_configured = True  # type: ignore[attr-defined]  # a marker read back with getattr above


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
    connection.info[MOVED_ON_CONNECTION] = True
    values = {"number": DataVersion.number + 1, "changed_at": utcnow()}
    moved = connection.execute(update(DataVersion).where(DataVersion.id == ROW_ID).values(values))
    if moved.rowcount == 0:
        connection.execute(insert(DataVersion).values(id=ROW_ID, number=1, changed_at=values["changed_at"]))


def _versioned(table) -> bool:
    return getattr(table, "name", None) not in UNVERSIONED_TABLES


def _before_and_after(record, key: str) -> set:
    """The attribute's values before and after the pending flush (loaded if need be)."""
    history = inspect(record).attrs[key].load_history()
    return {*history.added, *history.unchanged, *history.deleted}


def _was_or_is_published(record: Service | Organisation) -> bool:
    # Unset on a new record means the column default: published.
    states = _before_and_after(record, "moderation")
    return not states or PUBLISHED in states or None in states


def _owners(session: Session, record, relation: str, model) -> list:
    """The records ``record`` belongs to through ``relation``, before and after the flush."""
    owners = [o for o in _before_and_after(record, relation) if o is not None]
    for owner_id in _before_and_after(record, f"{relation}_id") - {None}:
        owner = session.get(model, owner_id)
        if owner is not None:
            owners.append(owner)
    return owners


def _organisation_shown(session: Session, organisation: Organisation) -> bool:
    """Published, or named by a published service (as its provider or a commissioner)."""
    if _was_or_is_published(organisation):
        return True
    if organisation.id is None:
        return False  # new: only a service in the same flush can name it, and that one counts
    return bool(
        session.scalar(
            select(
                exists().where(
                    Service.moderation == PUBLISHED,
                    or_(
                        Service.organisation_id == organisation.id,
                        Service.id.in_(
                            select(service_commissioner.c.service_id).where(
                                service_commissioner.c.organisation_id == organisation.id
                            )
                        ),
                    ),
                )
            )
        )
    )


def changes_published_data(session: Session, record) -> bool:
    """Could writing ``record`` change what a reader of the published catalogue sees?

    Bookkeeping tables never do. A service counts only if it is published before or after
    the write (a provider's draft awaiting review does not); so do its sites and citations;
    an organisation counts if it is published or named by a published service. Everything
    else (areas, categories, the minimum offer, known absences, datasets) always counts, and
    so does a site or citation whose owner cannot be found.
    """
    if not _versioned(object_mapper(record).local_table):
        return False
    with session.no_autoflush:
        if isinstance(record, Service):
            return _was_or_is_published(record)
        if isinstance(record, Organisation):
            return _organisation_shown(session, record)
        if isinstance(record, (Site, Citation)):
            citation = isinstance(record, Citation)
            if citation and (_before_and_after(record, "absence") | _before_and_after(record, "absence_id")) - {None}:
                return True
            services = _owners(session, record, "service", Service)
            organisations = _owners(session, record, "organisation", Organisation) if citation else []
            if not services and not organisations:
                return True
            return any(_was_or_is_published(s) for s in services) or any(
                _organisation_shown(session, o) for o in organisations
            )
    return True


def version_flushed_changes(session: Session, _context, _instances) -> None:
    records = [
        r
        for r in (*session.new, *session.dirty, *session.deleted)
        if r in session.new or r in session.deleted or session.is_modified(r)
    ]
    if any(changes_published_data(session, r) for r in records):
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
