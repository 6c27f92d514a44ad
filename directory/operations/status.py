"""What `/health` reports: read from real tables, so a missing or foreign file shows."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from ..models.data_version import ROW_ID, DataVersion


class NotMigrated(Exception):
    """The database has no schema revision: `flask db upgrade` has not run on it."""


@dataclass(frozen=True)
class DatabaseStatus:
    schema: str
    data_version: int | None  # None until the first write through the app


def database_status(session: Session) -> DatabaseStatus:
    """The schema revision and the data version; raises the database's own error if it
    cannot read them (the file missing, replaced, locked or without these tables)."""
    schema = session.scalar(text("SELECT version_num FROM alembic_version"))
    if not schema:
        raise NotMigrated()
    number = session.scalar(select(DataVersion.number).where(DataVersion.id == ROW_ID))
    return DatabaseStatus(schema=schema, data_version=number)
