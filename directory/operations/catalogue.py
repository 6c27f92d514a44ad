"""Reading the published catalogue: lists, filters, a service, a borough."""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

from sqlalchemy import Integer, bindparam, cast, func, literal, null, or_, select, union_all
from sqlalchemy.orm import Session, aliased, joinedload, selectinload

from ..core.citations import Source
from ..core.contacts import Party, Reach
from ..core.queries import InvalidInput, ServiceFilters
from ..core.status import StatusEvidence, StatusReading, read_status
from ..core.types import PartialDate
from ..core.vocabulary import CATEGORIES
from ..models import (
    BCU,
    Borough,
    Category,
    Citation,
    Cohort,
    Dataset,
    Organisation,
    Service,
    Site,
)
from ..models.catalogue import service_borough, service_category, service_cohort, service_commissioner
from . import search
from .versioning import VersionedCache, data_version

PUBLISHED = "published"


class NotFound(LookupError):
    """No published record answers to that identifier."""


@dataclass(frozen=True)
class Page:
    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


APP_STATEMENT = "Stated in this directory by the provider or a commissioner"
CONFIRMED_IN_APP = "Confirmed current in this directory by the provider"


def status_as_of(
    as_of: date | None,
    precision: str | None,
    source: str | None,
    confirmed: datetime | None,
    updated: datetime | None,
) -> tuple[date | None, str, str | None]:
    """The date (and its precision) and source of a status: a person's confirmation in the
    app when it is newer than the cited source; else the cited one (perhaps undated); else,
    for a status stated in the app, that statement."""
    if confirmed is not None and (as_of is None or confirmed.date() > as_of):
        return confirmed.date(), "day", CONFIRMED_IN_APP
    if as_of is not None or source is not None:
        return as_of, precision or "day", source
    return (updated.date(), "day", APP_STATEMENT) if updated else (None, "day", source)


def _partial(value: date | None, precision: str | None) -> PartialDate | None:
    return PartialDate(value, precision or "day") if value else None


def status_evidence(service: Service | ServiceDetail) -> StatusEvidence:
    as_of, precision, source = status_as_of(
        service.status_as_of,
        service.status_as_of_precision,
        service.status_source,
        service.last_confirmed_at,
        service.updated_at,
    )
    return StatusEvidence(
        status=service.status,
        as_of=as_of,
        as_of_precision=precision,
        source=source,
        starts_on=_partial(service.starts_on, service.starts_on_precision),
        ends_on=_partial(service.ends_on, service.ends_on_precision),
        funded_until=_partial(service.funded_until, service.funded_until_precision),
    )


def status_reading(service: Service | ServiceDetail, today: date | None = None) -> StatusReading:
    """The one status rule, read for this record on ``today`` (default: the clock's day)."""
    return read_status(status_evidence(service), today or date.today())


def published_services():
    return select(Service).where(Service.moderation == PUBLISHED)


def service_options():
    return (
        selectinload(Service.organisation),
        selectinload(Service.commissioners),
        selectinload(Service.boroughs),
        selectinload(Service.categories),
        selectinload(Service.cohorts),
        selectinload(Service.sites).selectinload(Site.borough),
    )


def available_in_borough(borough_id: int):
    """Services delivered in a borough: named for it, pan-London, or with a site there."""
    named = select(service_borough.c.service_id).where(service_borough.c.borough_id == borough_id)
    sited = select(Site.service_id).where(Site.borough_id == borough_id)
    return or_(Service.pan_london.is_(True), Service.id.in_(named), Service.id.in_(sited))


def filter_services(stmt, session: Session, filters: ServiceFilters):
    if filters.borough:
        borough = session.scalar(select(Borough).where(Borough.code == filters.borough))
        if borough is None:
            raise NotFound(filters.borough)
        stmt = stmt.where(available_in_borough(borough.id))
    for slug in filters.categories:
        stmt = stmt.where(
            Service.id.in_(
                select(service_category.c.service_id)
                .join(Category, Category.id == service_category.c.category_id)
                .where(Category.slug == slug)
            )
        )
    if filters.cohort:
        stmt = stmt.where(
            Service.id.in_(
                select(service_cohort.c.service_id)
                .join(Cohort, Cohort.id == service_cohort.c.cohort_id)
                .where(Cohort.slug == filters.cohort)
            )
        )
    if filters.status:
        stmt = stmt.where(Service.status == filters.status)
    if filters.text and filters.text.strip():
        matches = search.matching_services(session, filters.text)
        stmt = stmt.join(matches, matches.c.service_id == Service.id).order_by(matches.c.rank)
    return stmt


def list_services(session: Session, filters: ServiceFilters) -> Page:
    stmt = filter_services(published_services(), session, filters)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    pages = max(1, math.ceil(total / filters.per_page))
    if filters.page > pages:
        raise InvalidInput("page", f"There are only {pages} page{'s' if pages != 1 else ''} of results.")
    items = session.scalars(
        stmt.options(*service_options())
        .order_by(Service.name, Service.id)
        .offset((filters.page - 1) * filters.per_page)
        .limit(filters.per_page)
    ).all()
    return Page(items=list(items), total=total, page=filters.page, per_page=filters.per_page)


def _answering_to(key: str | int):
    """Which service ``key`` names: an id, a UUID or a slug."""
    if isinstance(key, int) or (isinstance(key, str) and key.isascii() and key.isdigit() and len(key) <= 18):
        return Service.id == int(key)
    if isinstance(key, str) and len(key) == 36:
        return or_(Service.uuid == key, Service.slug == key)
    return Service.slug == key


def get_service(session: Session, key: str | int) -> Service:
    """A published service with everything its page shows: the provider in the same query,
    each collection in one more (a site's borough with the site)."""
    stmt = published_services().options(
        joinedload(Service.organisation),
        selectinload(Service.commissioners),
        selectinload(Service.boroughs),
        selectinload(Service.categories),
        selectinload(Service.cohorts),
        selectinload(Service.sites).joinedload(Site.borough),
        selectinload(Service.citations),
    )
    service = session.scalar(stmt.where(_answering_to(key)))
    if service is None:
        raise NotFound(str(key))
    return service


def source_of(citation: Citation) -> Source:
    return Source(
        kind=citation.kind or "board_note",
        quote=citation.quote or "",
        facts=tuple(citation.facts or ()),
        note=citation.note,
        meeting_date=citation.meeting_date,
        url=citation.url,
        title=citation.title,
        publisher=citation.publisher,
        source_date=_partial(citation.source_date, citation.source_date_precision),
        read_on=citation.read_on,
        file=citation.file,
        version=citation.version,
        record_id=citation.record_id,
        licence=citation.licence,
        stated_by=citation.stated_by,
    )


@dataclass(frozen=True)
class Contactable:
    """A service's provider or a commissioner, as its page names them."""

    name: str
    website: str | None
    email: str | None
    phone: str | None


@dataclass(frozen=True)
class Named:
    """A borough, need or group a service's page lists (``key``: its code or slug)."""

    name: str
    key: str


@dataclass(frozen=True)
class SiteDetail:
    name: str
    address: str | None
    postcode: str | None
    borough: Named | None


class ServiceDetail:
    """One published service as its page reads it, in three queries and no ORM objects: the
    service's own columns (a row, read as attributes), its provider, and its commissioners,
    boroughs, categories, cohorts, sites and citations in the order the model keeps them."""

    def __init__(self, row, organisation: Contactable | None, lists: dict[str, list], citations: list) -> None:
        self._row = row
        self.organisation = organisation
        self.commissioners: list[Contactable] = lists.get("commissioner", [])
        self.boroughs: list[Named] = lists.get("borough", [])
        self.categories: list[Named] = lists.get("category", [])
        self.cohorts: list[Named] = lists.get("cohort", [])
        self.sites: list[SiteDetail] = lists.get("site", [])
        self.citations = citations

    def __getattr__(self, name: str):
        return getattr(self._row, name)


_ORGANISATION = (Organisation.name, Organisation.website, Organisation.email, Organisation.phone)


@cache
def _detail_statements():
    """The page's statements, built once (building them costs more than running them): the
    service with its provider (to be given a WHERE), its lists, and its citations, for
    ``:service_id``. Lists are (kind, position, name, a, b, c, d) rows in each list's order."""
    service_id = bindparam("service_id", type_=Integer)
    site_borough = aliased(Borough)

    def part(kind: str, position, name, *values):
        padded = list(values) + [null()] * (4 - len(values))
        return select(literal(kind).label("kind"), position.label("position"), name.label("name"), *padded)

    no_position = cast(null(), Integer)
    lists = union_all(
        part(
            "commissioner", no_position, Organisation.name, Organisation.website, Organisation.email, Organisation.phone
        )
        .join(service_commissioner, service_commissioner.c.organisation_id == Organisation.id)
        .where(service_commissioner.c.service_id == service_id),
        part("borough", no_position, Borough.name, Borough.code)
        .join(service_borough, service_borough.c.borough_id == Borough.id)
        .where(service_borough.c.service_id == service_id),
        part("category", Category.position, Category.name, Category.slug)
        .join(service_category, service_category.c.category_id == Category.id)
        .where(service_category.c.service_id == service_id),
        part("cohort", Cohort.position, Cohort.name, Cohort.slug)
        .join(service_cohort, service_cohort.c.cohort_id == Cohort.id)
        .where(service_cohort.c.service_id == service_id),
        part("site", no_position, Site.name, Site.address, Site.postcode, site_borough.name, site_borough.code)
        .outerjoin(site_borough, site_borough.id == Site.borough_id)
        .where(Site.service_id == service_id),
    ).order_by("kind", "position", "name")
    service = (
        select(Service.__table__, *(c.label(f"organisation_{c.key}") for c in _ORGANISATION))
        .outerjoin(Organisation, Organisation.id == Service.organisation_id)
        .where(Service.moderation == PUBLISHED)
    )
    citations = select(Citation.__table__).where(Citation.service_id == service_id).order_by(Citation.id)
    return service, lists, citations


def _listed(kind: str, row) -> Contactable | Named | SiteDetail:
    if kind == "commissioner":
        return Contactable(row.name, *row[3:6])
    if kind == "site":
        return SiteDetail(row.name, row[3], row[4], Named(row[5], row[6]) if row[6] else None)
    return Named(row.name, row[3])


def service_detail(session: Session, key: str | int) -> ServiceDetail:
    """The published service ``key`` names, as its page reads it (see :class:`ServiceDetail`)."""
    service, lists_of, citations_of = _detail_statements()
    row = session.execute(service.where(_answering_to(key))).first()
    if row is None:
        raise NotFound(str(key))
    lists: dict[str, list] = {}
    for listed in session.execute(lists_of, {"service_id": row.id}):
        lists.setdefault(listed.kind, []).append(_listed(listed.kind, listed))
    citations = list(session.execute(citations_of, {"service_id": row.id}))
    organisation = Contactable(*row[-4:]) if row.organisation_id is not None else None
    return ServiceDetail(row, organisation, lists, citations)


@dataclass(frozen=True)
class ServicePage:
    service: ServiceDetail
    reading: StatusReading
    reach: Reach
    sources: tuple[Source, ...]


def service_page(session: Session, key: str | int, today: date | None = None) -> ServicePage:
    """A published service with its status read on ``today``, how to reach it, its sources."""
    service = service_detail(session, key)
    return ServicePage(
        service=service,
        reading=status_reading(service, today),
        reach=reach(service),
        sources=tuple(source_of(c) for c in service.citations),
    )


# A few hundred rendered service pages per process (about 15 KB each), the most recently read.
_service_pages = VersionedCache(300)


def memo_service_page(version: tuple, key: Hashable, render: Callable[[], object]):
    """A service page rendered under the data ``version`` (and whatever else ``key`` names:
    the day its status is read on), kept until that version or day has passed."""
    return _service_pages.get_or_compute((version, key), render)


def clear_service_pages() -> None:
    _service_pages.clear()


def borough_codes(session: Session) -> set[str]:
    return set(session.scalars(select(Borough.code)))


def borough_choices(session: Session) -> list[Borough]:
    """The boroughs by name, for a form's list (no service counts)."""
    return list(session.scalars(select(Borough).order_by(Borough.name)))


def list_boroughs(session: Session) -> list[tuple[Borough, int]]:
    """Every borough with the number of published services available in it."""
    boroughs = session.scalars(
        select(Borough).options(selectinload(Borough.bcu), selectinload(Borough.pdu)).order_by(Borough.name)
    ).all()
    pan_london = (
        session.scalar(
            select(func.count()).select_from(published_services().where(Service.pan_london.is_(True)).subquery())
        )
        or 0
    )
    local = dict(
        session.execute(
            select(Borough.id, func.count(func.distinct(Service.id)))
            .join(service_borough, service_borough.c.borough_id == Borough.id)
            .join(Service, Service.id == service_borough.c.service_id)
            .where(Service.moderation == PUBLISHED, Service.pan_london.is_(False))
            .group_by(Borough.id)
        ).all()
    )
    return [(b, local.get(b.id, 0) + pan_london) for b in boroughs]


@dataclass(frozen=True)
class BoroughProfile:
    borough: Borough
    services_by_category: dict[str, list[Service]]
    missing_categories: list[str]
    services: list[Service]


def borough_profile(session: Session, code: str, today: date | None = None) -> BoroughProfile:
    borough = session.scalar(
        select(Borough)
        .options(selectinload(Borough.bcu), selectinload(Borough.pdu))
        .where(Borough.code == code.upper())
    )
    if borough is None:
        raise NotFound(code)
    services = session.scalars(
        published_services().where(available_in_borough(borough.id)).options(*service_options()).order_by(Service.name)
    ).all()
    by_category: dict[str, list[Service]] = {slug: [] for slug in CATEGORIES}
    for service in services:
        for category in service.categories:
            by_category.setdefault(category.slug, []).append(service)
    running = {c.slug for s in services if status_reading(s, today).counts_as_present for c in s.categories}
    missing = [slug for slug in CATEGORIES if slug not in running]
    return BoroughProfile(
        borough=borough,
        services_by_category={k: v for k, v in by_category.items() if v},
        missing_categories=missing,
        services=list(services),
    )


def list_bcus(session: Session) -> list[BCU]:
    return list(session.scalars(select(BCU).options(selectinload(BCU.boroughs)).order_by(BCU.name)))


_last_updated = VersionedCache(4)


def catalogue_last_updated(session: Session) -> datetime | None:
    """When a published service last changed (drafts awaiting review do not count).

    Every page's footer shows it: worked out once per data version (a scan of the services).
    """
    return _last_updated.get_or_compute(
        data_version(session),
        lambda: session.scalar(select(func.max(Service.updated_at)).where(Service.moderation == PUBLISHED)),
    )


def datasets(session: Session) -> list[Dataset]:
    return list(session.scalars(select(Dataset).order_by(Dataset.key)))


def _party(organisation: Organisation | Contactable, role: str) -> Party:
    return Party(organisation.name, role, organisation.website, organisation.email, organisation.phone)


def reach(service: Service | ServiceDetail, sites: bool = True) -> Reach:
    """How to reach ``service``, and who can tell when nothing is published.

    ``sites`` False leaves delivery sites and cited pages out (lists that have not loaded
    them)."""
    parties = tuple([_party(service.organisation, "provider")] if service.organisation else []) + tuple(
        _party(o, "commissioner") for o in service.commissioners
    )
    return Reach(
        website=service.website,
        email=service.email,
        phone=service.phone,
        how_to_refer=service.how_to_refer,
        where=service.referral_where,
        routes=tuple(service.referral_routes or ()),
        sites=tuple(", ".join(p for p in (site.name, site.address, site.postcode) if p) for site in service.sites)
        if sites
        else (),
        parties=parties,
        sources=tuple(dict.fromkeys(c.url for c in service.citations if c.kind == "web_page" and c.url))
        if sites
        else (),
    )


@dataclass(frozen=True)
class ServiceCard:
    """What a list of services shows about one, as plain values (cacheable, no session)."""

    id: int
    uuid: str
    slug: str
    name: str
    summary: str | None
    status: str
    organisation: tuple[str, str, str] | None  # uuid, slug, name
    pan_london: bool
    boroughs: tuple[tuple[str, str], ...]  # code, name
    unnamed_borough_count: int | None
    categories: tuple[str, ...]
    cohorts: tuple[str, ...]
    how_to_refer: str | None
    last_modified: str | None
    status_evidence: StatusEvidence
    reach: Reach


def service_card(service: Service) -> ServiceCard:
    organisation = service.organisation
    return ServiceCard(
        id=service.id,
        uuid=service.uuid,
        slug=service.slug,
        name=service.name,
        summary=service.summary,
        status=service.status,
        organisation=(organisation.uuid, organisation.slug, organisation.name) if organisation else None,
        pan_london=service.pan_london,
        boroughs=tuple((b.code, b.name) for b in service.boroughs),
        unnamed_borough_count=service.unnamed_borough_count,
        categories=tuple(c.slug for c in service.categories),
        cohorts=tuple(c.slug for c in service.cohorts),
        how_to_refer=service.how_to_refer,
        last_modified=service.updated_at.isoformat() if service.updated_at else None,
        status_evidence=status_evidence(service),
        reach=reach(service, sites=False),
    )
