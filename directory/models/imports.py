"""Imports: each source record as staged, each run, and the values waiting for a person."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ._base import utcnow
from .catalogue import Organisation, Service


class ImportRun(db.Model):
    """One import of one source: what was read, what it would do, and whether it was applied."""

    __tablename__ = "import_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(60), index=True)
    origin: Mapped[str] = mapped_column(Text)  # the file name or URL read
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    applied_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    applied_by: Mapped[str | None] = mapped_column(String(254))
    summary: Mapped[dict] = mapped_column(JSON, default=dict)


class StagedRecord(db.Model):
    """A source record as last read, keyed by (source, foreign id), with its provenance.

    ``content_hash`` is the raw record's; ``applied_hash`` the mapped values' as last
    applied, and ``applied_version`` the service's version just after: a later version
    means someone edited the record in the app since.
    """

    __tablename__ = "staged_record"
    __table_args__ = (UniqueConstraint("source", "foreign_id", name="uq_staged_record_source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(60))
    foreign_id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # "service" | "organisation" | "location"
    content_hash: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    file: Mapped[str | None] = mapped_column(Text)
    commit: Mapped[str | None] = mapped_column(String(64))
    licence: Mapped[str | None] = mapped_column(Text)
    service_id: Mapped[int | None] = mapped_column(ForeignKey("service.id", ondelete="SET NULL"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="SET NULL"))
    applied_hash: Mapped[str | None] = mapped_column(String(64))
    applied_version: Mapped[int | None] = mapped_column(Integer)
    first_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    gone_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("import_run.id", ondelete="SET NULL"))

    service: Mapped[Service | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()


class UnresolvedValue(db.Model):
    """Free text an import could not resolve (a place, a term): a person decides, once."""

    __tablename__ = "unresolved_value"
    __table_args__ = (UniqueConstraint("source", "field", "value", name="uq_unresolved_value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(60))
    field: Mapped[str] = mapped_column(String(40))  # "place" | "need_area" | "taxonomy_term"
    value: Mapped[str] = mapped_column(String(300))
    context: Mapped[str | None] = mapped_column(Text)  # where it was seen: record ids, the text
    state: Mapped[str] = mapped_column(String(20), default="open")  # open | resolved
    resolution: Mapped[list] = mapped_column(JSON, default=list)  # e.g. borough codes
    resolved_by: Mapped[str | None] = mapped_column(String(254))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
