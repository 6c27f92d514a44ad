"""Reading the published catalogue: lists, filters, a service, a borough."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from ..core.queries import InvalidInput, ServiceFilters
from ..core.vocabulary import CATEGORIES
from ..models import (
    BCU,
    Borough,
    Category,
    Cohort,
    Dataset,
    Service,
    Site,
)
from ..models.catalogue import service_borough, service_category, service_cohort
from . import search

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


def published_services():
    return select(Service).where(Service.moderation == PUBLISHED)


def service_options():
    return (
        selectinload(Service.organisation),
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
        raise InvalidInput(
            "page", f"There are only {pages} page{'s' if pages != 1 else ''} of results."
        )
    items = session.scalars(
        stmt.options(*service_options())
        .order_by(Service.name, Service.id)
        .offset((filters.page - 1) * filters.per_page)
        .limit(filters.per_page)
    ).all()
    return Page(items=list(items), total=total, page=filters.page, per_page=filters.per_page)


def get_service(session: Session, key: str | int) -> Service:
    stmt = published_services().options(
        *service_options(), selectinload(Service.citations)
    )
    if isinstance(key, int) or (isinstance(key, str) and key.isascii() and key.isdigit() and len(key) <= 18):
        stmt = stmt.where(Service.id == int(key))
    elif isinstance(key, str) and len(key) == 36:
        stmt = stmt.where(or_(Service.uuid == key, Service.slug == key))
    else:
        stmt = stmt.where(Service.slug == key)
    service = session.scalar(stmt)
    if service is None:
        raise NotFound(str(key))
    return service


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
    pan_london = session.scalar(
        select(func.count()).select_from(
            published_services().where(Service.pan_london.is_(True)).subquery()
        )
    ) or 0
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


def borough_profile(session: Session, code: str) -> BoroughProfile:
    borough = session.scalar(
        select(Borough)
        .options(selectinload(Borough.bcu), selectinload(Borough.pdu))
        .where(Borough.code == code.upper())
    )
    if borough is None:
        raise NotFound(code)
    services = session.scalars(
        published_services()
        .where(available_in_borough(borough.id))
        .options(*service_options())
        .order_by(Service.name)
    ).all()
    by_category: dict[str, list[Service]] = {slug: [] for slug in CATEGORIES}
    for service in services:
        for category in service.categories:
            by_category.setdefault(category.slug, []).append(service)
    running = {
        c.slug
        for s in services
        if s.status not in ("ended", "planned")
        for c in s.categories
    }
    missing = [slug for slug in CATEGORIES if slug not in running]
    return BoroughProfile(
        borough=borough,
        services_by_category={k: v for k, v in by_category.items() if v},
        missing_categories=missing,
        services=list(services),
    )


def list_bcus(session: Session) -> list[BCU]:
    return list(
        session.scalars(select(BCU).options(selectinload(BCU.boroughs)).order_by(BCU.name))
    )


def catalogue_last_updated(session: Session) -> datetime | None:
    return session.scalar(select(func.max(Service.updated_at)))


def datasets(session: Session) -> list[Dataset]:
    return list(session.scalars(select(Dataset).order_by(Dataset.key)))


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


def service_card(service: Service) -> ServiceCard:
    organisation = service.organisation
    return ServiceCard(
        id=service.id,
        uuid=service.uuid,
        slug=service.slug,
        name=service.name,
        summary=service.summary,
        status=service.status,
        organisation=(organisation.uuid, organisation.slug, organisation.name)
        if organisation
        else None,
        pan_london=service.pan_london,
        boroughs=tuple((b.code, b.name) for b in service.boroughs),
        unnamed_borough_count=service.unnamed_borough_count,
        categories=tuple(c.slug for c in service.categories),
        cohorts=tuple(c.slug for c in service.cohorts),
        how_to_refer=service.how_to_refer,
        last_modified=service.updated_at.isoformat() if service.updated_at else None,
    )
