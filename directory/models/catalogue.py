"""The catalogue: organisations, their services, delivery sites and source citations."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    event,
    inspect,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model, db
from ._base import Record
from .area import Borough

service_borough = Table(
    "service_borough",
    db.metadata,
    Column("service_id", ForeignKey("service.id", ondelete="CASCADE"), primary_key=True),
    Column("borough_id", ForeignKey("borough.id", ondelete="CASCADE"), primary_key=True),
)

service_category = Table(
    "service_category",
    db.metadata,
    Column("service_id", ForeignKey("service.id", ondelete="CASCADE"), primary_key=True),
    Column("category_id", ForeignKey("category.id", ondelete="CASCADE"), primary_key=True),
)

service_cohort = Table(
    "service_cohort",
    db.metadata,
    Column("service_id", ForeignKey("service.id", ondelete="CASCADE"), primary_key=True),
    Column("cohort_id", ForeignKey("cohort.id", ondelete="CASCADE"), primary_key=True),
)

service_commissioner = Table(
    "service_commissioner",
    db.metadata,
    Column("service_id", ForeignKey("service.id", ondelete="CASCADE"), primary_key=True),
    Column("organisation_id", ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True),
)


class Category(Model):
    """A category of need (the controlled taxonomy in core.vocabulary.CATEGORIES)."""

    __tablename__ = "category"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer, default=0)


class Cohort(Model):
    """A criminal-justice cohort a service is open to (core.vocabulary.COHORTS)."""

    __tablename__ = "cohort"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer, default=0)


class Organisation(Record, Model):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    website: Mapped[str | None] = mapped_column(String(300))
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(60))
    moderation: Mapped[str] = mapped_column(String(20), default="published")

    services: Mapped[list[Service]] = relationship(back_populates="organisation", order_by="Service.name")
    citations: Mapped[list[Citation]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan", order_by="Citation.id"
    )


class Service(Record, Model):
    """A rehabilitative or diversionary intervention.

    Nullable columns and empty lists mean the sources do not say; they are shown as
    "not known" and never exclude anyone in the finder.
    """

    __tablename__ = "service"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    summary: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="unknown")
    moderation: Mapped[str] = mapped_column(String(20), default="published")
    starts_on: Mapped[date | None] = mapped_column(Date)
    starts_on_precision: Mapped[str | None] = mapped_column(String(5))
    ends_on: Mapped[date | None] = mapped_column(Date)
    ends_on_precision: Mapped[str | None] = mapped_column(String(5))
    funded_until: Mapped[date | None] = mapped_column(Date)
    funded_until_precision: Mapped[str | None] = mapped_column(String(5))
    # The status is true as of this date, on this source ("Reported to the board").
    status_as_of: Mapped[date | None] = mapped_column(Date)
    status_as_of_precision: Mapped[str | None] = mapped_column(String(5))
    status_source: Mapped[str | None] = mapped_column(Text)

    pan_london: Mapped[bool] = mapped_column(Boolean, default=False)
    unnamed_borough_count: Mapped[int | None] = mapped_column(Integer)
    coverage_note: Mapped[str | None] = mapped_column(Text)

    min_age: Mapped[int | None] = mapped_column(Integer)
    max_age: Mapped[int | None] = mapped_column(Integer)
    genders: Mapped[list[str]] = mapped_column(JSON, default=list)
    risk_levels: Mapped[list[str]] = mapped_column(JSON, default=list)
    offences_accepted: Mapped[list[str]] = mapped_column(JSON, default=list)
    offences_excluded: Mapped[list[str]] = mapped_column(JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    veterans_only: Mapped[bool] = mapped_column(Boolean, default=False)
    neurodivergent_only: Mapped[bool] = mapped_column(Boolean, default=False)
    eligibility_notes: Mapped[str | None] = mapped_column(Text)

    oocd_disposals: Mapped[list[str]] = mapped_column(JSON, default=list)
    oocd_condition_kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    oocd_hours: Mapped[float | None] = mapped_column(Float)
    oocd_completion_weeks: Mapped[float | None] = mapped_column(Float)
    oocd_notes: Mapped[str | None] = mapped_column(Text)

    referral_routes: Mapped[list[str]] = mapped_column(JSON, default=list)
    how_to_refer: Mapped[str | None] = mapped_column(Text)
    referral_where: Mapped[str | None] = mapped_column(Text)  # the address, inbox or form referrals go to
    capacity: Mapped[str | None] = mapped_column(Text)
    cost: Mapped[str | None] = mapped_column(Text)
    funder: Mapped[str | None] = mapped_column(Text)
    website: Mapped[str | None] = mapped_column(String(300))
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(60))

    # Confirmed current by a person (a provider or commissioner in the app); the record's
    # last change is ``updated_at``. The six-month review flag reads this one.
    last_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)

    organisation: Mapped[Organisation | None] = relationship(back_populates="services")
    commissioners: Mapped[list[Organisation]] = relationship(
        secondary=service_commissioner, order_by="Organisation.name"
    )
    boroughs: Mapped[list[Borough]] = relationship(secondary=service_borough, order_by="Borough.name")
    categories: Mapped[list[Category]] = relationship(secondary=service_category, order_by="Category.position")
    cohorts: Mapped[list[Cohort]] = relationship(secondary=service_cohort, order_by="Cohort.position")
    sites: Mapped[list[Site]] = relationship(
        back_populates="service", cascade="all, delete-orphan", order_by="Site.name"
    )
    citations: Mapped[list[Citation]] = relationship(
        back_populates="service", cascade="all, delete-orphan", order_by="Citation.id"
    )

    __mapper_args__ = {"version_id_col": version}


class Site(Record, Model):
    """A place a service is delivered from; its point and borough come from its postcode."""

    __tablename__ = "site"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(Text)
    postcode: Mapped[str | None] = mapped_column(String(8))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    # The same point in British National Grid metres (kept in step with lat/lon on flush).
    easting: Mapped[float | None] = mapped_column(Float)
    northing: Mapped[float | None] = mapped_column(Float)
    borough_id: Mapped[int | None] = mapped_column(ForeignKey("borough.id"))
    opening_details: Mapped[str | None] = mapped_column(Text)

    service: Mapped[Service] = relationship(back_populates="sites")
    borough: Mapped[Borough | None] = relationship()

    __table_args__ = (Index("ix_site_grid", "easting", "northing"), Index("ix_site_service_id", "service_id"))


@event.listens_for(Site, "before_insert")
@event.listens_for(Site, "before_update")
def _keep_grid_point(_mapper, _connection, site: Site) -> None:
    """Give a site placed by lat/lon alone (a form, a test, a revision) its BNG point."""
    if site.lat is None or site.lon is None:
        site.easting = site.northing = None
        return
    state = inspect(site)
    moved = state.attrs.lat.history.has_changes() or state.attrs.lon.history.has_changes()
    placed = state.attrs.easting.history.has_changes() or state.attrs.northing.history.has_changes()
    if site.easting is None or site.northing is None or (moved and not placed):
        from ..geo.grid import to_grid

        site.easting, site.northing = to_grid(site.lat, site.lon)


class Citation(Model):
    """Where a fact comes from, and the date it was true (core.citations.CITATION_KINDS).

    A board note (``note``, ``meeting_date``); a public web page (``url``, ``title``,
    ``publisher``, ``source_date`` the page shows, ``read_on``); a record in a published
    dataset (``publisher``, ``file``, ``version``, ``record_id``, ``licence``); or a
    statement made in the app (``stated_by``, ``source_date``). ``quote`` holds the exact
    words, when there are any.
    """

    __tablename__ = "citation"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int | None] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    absence_id: Mapped[int | None] = mapped_column(ForeignKey("known_absence.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20), default="board_note", server_default="board_note")
    note: Mapped[str | None] = mapped_column(String(120))
    meeting_date: Mapped[date | None] = mapped_column(Date)
    quote: Mapped[str] = mapped_column(Text)
    facts: Mapped[list[str]] = mapped_column(JSON, default=list)
    url: Mapped[str | None] = mapped_column(String(500))
    title: Mapped[str | None] = mapped_column(Text)
    publisher: Mapped[str | None] = mapped_column(String(200))
    source_date: Mapped[date | None] = mapped_column(Date)
    source_date_precision: Mapped[str | None] = mapped_column(String(5))
    read_on: Mapped[date | None] = mapped_column(Date)
    file: Mapped[str | None] = mapped_column(String(300))
    version: Mapped[str | None] = mapped_column(String(120))
    record_id: Mapped[str | None] = mapped_column(String(120))
    licence: Mapped[str | None] = mapped_column(String(200))
    stated_by: Mapped[str | None] = mapped_column(String(200))

    service: Mapped[Service | None] = relationship(back_populates="citations")
    organisation: Mapped[Organisation | None] = relationship(back_populates="citations")
    absence: Mapped[KnownAbsence | None] = relationship(back_populates="citations")

    __table_args__ = (Index("ix_citation_service_id", "service_id"),)


class KnownAbsence(Model):
    """A gap the sources establish: "no London course for ... was found", with its sources.

    It applies to a need (category), and optionally to one out-of-court disposal and one
    offence, so the finder can show it beside an empty or short list.
    """

    __tablename__ = "known_absence"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    statement: Mapped[str] = mapped_column(Text)
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    disposal: Mapped[str | None] = mapped_column(String(40))
    offence: Mapped[str | None] = mapped_column(String(40))
    next_step: Mapped[str | None] = mapped_column(Text)
    as_of: Mapped[date | None] = mapped_column(Date)

    citations: Mapped[list[Citation]] = relationship(
        back_populates="absence", cascade="all, delete-orphan", order_by="Citation.id"
    )
