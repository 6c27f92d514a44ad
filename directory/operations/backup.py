"""Backup and restore of every table, the same on SQLite and PostgreSQL.

A backup is one gzipped JSON-lines file: a header line (format, schema revision, when,
each table's row count), then one line per row, table by table in foreign-key order. It
restores into a database migrated to the same revision, on either kind of database, in
one transaction: all of it or none of it.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import (
    Date,
    DateTime,
    Integer,
    MetaData,
    Table,
    delete,
    func,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import Connection, Engine

from ..database import move_data_version
from ..models._base import utcnow
from ..models.data_version import DataVersion

FORMAT = "london-directory-backup"
VERSION = 1
BATCH = 1000

Progress = Callable[[str], None]


class BackupError(ValueError):
    """A backup that cannot be restored here; nothing was changed."""


@dataclass
class BackupSummary:
    revision: str | None
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def _tables(metadata: MetaData) -> list[Table]:
    return list(metadata.sorted_tables)


def schema_revision(connection: Connection) -> str | None:
    if not inspect(connection).has_table("alembic_version"):
        return None  # never migrated
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _plain(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def _typed(table: Table) -> Callable[[list], dict]:
    """Turn one saved row back into the column values its table takes."""
    parsers = []
    for column in table.columns:
        if isinstance(column.type, DateTime):
            parsers.append((column.key, lambda v: None if v is None else datetime.fromisoformat(v)))
        elif isinstance(column.type, Date):
            parsers.append((column.key, lambda v: None if v is None else date.fromisoformat(v)))
        else:
            parsers.append((column.key, lambda v: v))

    def row(values: list) -> dict:
        return {name: parse(value) for (name, parse), value in zip(parsers, values, strict=True)}

    return row


def backup(engine: Engine, metadata: MetaData, path: Path, progress: Progress = lambda _: None) -> BackupSummary:
    """Write every table to ``path``, read in one transaction (a consistent copy)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(path.name + ".part")
    with engine.connect() as connection, connection.begin():
        if engine.dialect.name == "postgresql":
            connection.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"))
        summary = BackupSummary(schema_revision(connection))
        tables = _tables(metadata)
        for table in tables:
            summary.rows[table.name] = connection.execute(select(func.count()).select_from(table)).scalar_one()
        header = {
            "format": FORMAT,
            "version": VERSION,
            "revision": summary.revision,
            "dialect": engine.dialect.name,
            "created_at": utcnow().isoformat(),
            "tables": [
                {"name": t.name, "columns": [c.key for c in t.columns], "rows": summary.rows[t.name]} for t in tables
            ],
        }
        with gzip.open(draft, "wt", encoding="utf-8") as out:
            out.write(json.dumps(header) + "\n")
            for table in tables:
                progress(f"{table.name}: {summary.rows[table.name]} rows")
                order = list(table.primary_key.columns) or list(table.columns)
                for row in connection.execute(select(table).order_by(*order)):
                    out.write(json.dumps([_plain(v) for v in row], ensure_ascii=False) + "\n")
    draft.replace(path)
    return summary


def _read(path: Path) -> tuple[dict, Iterator[list]]:
    try:
        handle = gzip.open(path, "rt", encoding="utf-8")
        header = json.loads(handle.readline())
    except (OSError, EOFError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BackupError(f"{path.name} is not a backup made by `flask backup` ({error}).") from error
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        handle.close()
        raise BackupError(f"{path.name} is not a backup made by `flask backup`.")
    if header.get("version") != VERSION:
        handle.close()
        raise BackupError(f"{path.name} is backup format {header.get('version')}; this app reads {VERSION}.")

    def rows() -> Iterator[list]:
        with handle:
            for line in handle:
                yield json.loads(line)

    return header, rows()


def restore(
    engine: Engine,
    metadata: MetaData,
    path: Path,
    replace: bool = False,
    progress: Progress = lambda _: None,
) -> BackupSummary:
    """Load a backup into this (migrated) database in one transaction.

    Refuses a backup of another schema revision, a file whose tables do not match this
    app's, and (unless ``replace``) a database that already holds data.
    """
    header, lines = _read(path)
    tables = {t.name: t for t in _tables(metadata)}
    saved = header.get("tables") or []
    for entry in saved:
        table = tables.get(entry.get("name"))
        if table is None or [c.key for c in table.columns] != entry.get("columns"):
            raise BackupError(f"The backup's table {entry.get('name')!r} does not match this version of the app.")
    with engine.connect() as connection:
        revision = schema_revision(connection)
        connection.rollback()
        if revision != header.get("revision"):
            raise BackupError(
                f"The backup is of schema revision {header.get('revision')}, this database is at "
                f"{revision}. Run `flask db upgrade` (or use an app of the backup's version) first."
            )
        with connection.begin():
            holding = [
                name
                for name, table in tables.items()
                if name != DataVersion.__tablename__
                and connection.execute(select(func.count()).select_from(table)).scalar_one()
            ]
            if holding and not replace:
                raise BackupError(
                    "This database already holds data (" + ", ".join(holding[:5]) + "). "
                    "Restore into an empty database, or pass --replace to remove it first."
                )
            for table in reversed(list(tables.values())):
                connection.execute(delete(table))
            summary = BackupSummary(header.get("revision"))
            for entry in saved:
                table = tables[entry["name"]]
                typed = _typed(table)
                batch: list[dict] = []
                for _ in range(entry["rows"]):
                    try:
                        batch.append(typed(next(lines)))
                    except StopIteration:
                        raise BackupError(f"The backup ends inside table {table.name}.") from None
                    if len(batch) == BATCH:
                        connection.execute(insert(table), batch)
                        batch = []
                if batch:
                    connection.execute(insert(table), batch)
                summary.rows[table.name] = entry["rows"]
                progress(f"{table.name}: {entry['rows']} rows")
            if engine.dialect.name == "postgresql":
                _reset_sequences(connection, tables.values())
            move_data_version(connection)  # every process's caches see the restored data
    return summary


def _reset_sequences(connection: Connection, tables) -> None:
    """PostgreSQL: each serial id carries on after the highest id restored."""
    for table in tables:
        for column in table.primary_key.columns:
            if not isinstance(column.type, Integer):
                continue
            sequence = connection.execute(
                text("SELECT pg_get_serial_sequence(:table, :column)"),
                {"table": table.name, "column": column.name},
            ).scalar()
            if sequence:
                connection.execute(
                    text(
                        f'SELECT setval(:sequence, COALESCE((SELECT MAX("{column.name}") '
                        f'FROM "{table.name}"), 0) + 1, false)'
                    ),
                    {"sequence": sequence},
                )
