"""The finder: a place and a person in, ranked services with reasons out."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..core.absences import Absence, applying
from ..core.catalogue_index import CatalogueIndex
from ..core.queries import FinderQuery, InvalidInput
from ..core.ranking import FinderOutcome, rank, warm
from ..core.types import PartialDate, Profile, ServiceInfo, SiteInfo
from ..geo.postcode_directory import PostcodeDirectory
from ..models import Borough, KnownAbsence, Service, Site
from . import catalogue
from .catalogue import ServiceCard
from .geography import Place, postcode_record
from .versioning import LatestSnapshot, data_version


class OutsideLondon(ValueError):
    """A real postcode, but not in London: the finder covers London only."""

    def __init__(self, place: Place):
        name = place.authority_name or place.record.la_code
        super().__init__(
            f"{place.record.postcode} is outside London ({name}). "
            "This directory covers London's 33 local authorities."
        )
        self.place = place


@dataclass(frozen=True)
class Area:
    code: str
    name: str


@dataclass(frozen=True)
class BoroughRef:
    """A borough as the finder shows it: its name, and its police BCU when it has one."""

    code: str
    name: str
    bcu: Area | None


@dataclass(frozen=True)
class Location:
    borough: BoroughRef
    postcode: str | None
    lat: float | None
    lon: float | None


@dataclass(frozen=True)
class FinderResult:
    location: Location
    outcome: FinderOutcome
    services: Mapping[int, ServiceCard]  # cards for (at least) the results, by service id
    absences: tuple[Absence, ...] = ()  # known gaps that answer this search
    today: date | None = None


def known_absences(session: Session) -> tuple[Absence, ...]:
    rows = session.scalars(
        select(KnownAbsence).options(selectinload(KnownAbsence.citations)).order_by(KnownAbsence.slug)
    )
    return tuple(
        Absence(
            slug=row.slug,
            statement=row.statement,
            categories=frozenset(row.categories or ()),
            disposal=row.disposal,
            offence=row.offence,
            next_step=row.next_step,
            as_of=row.as_of,
            sources=tuple(catalogue.source_of(c) for c in row.citations),
        )
        for row in rows
    )


def _partial(value: date | None, precision: str | None) -> PartialDate | None:
    return PartialDate(value, precision or "day") if value else None


def service_info(service: Service, sites: tuple[SiteInfo, ...] | None = None) -> ServiceInfo:
    """A catalogue row as the plain value the eligibility engine reads.

    ``sites`` are the service's sites already read as values (see :func:`site_infos`);
    without them they are read from ``service.sites``.
    """
    borough_codes = frozenset(b.code for b in service.boroughs)
    as_of, precision, source = catalogue.status_as_of(
        service.status_as_of, service.status_as_of_precision, service.status_source,
        service.last_confirmed_at, service.updated_at,
    )
    if sites is None:
        sites = tuple(
            SiteInfo(
                name=site.name,
                postcode=site.postcode,
                borough_code=site.borough.code if site.borough else None,
                lat=site.lat,
                lon=site.lon,
            )
            for site in service.sites
        )
    return ServiceInfo(
        id=service.id,
        slug=service.slug,
        name=service.name,
        status=service.status,
        starts_on=_partial(service.starts_on, service.starts_on_precision),
        ends_on=_partial(service.ends_on, service.ends_on_precision),
        funded_until=_partial(service.funded_until, service.funded_until_precision),
        status_as_of=as_of,
        status_as_of_precision=precision,
        status_source=source,
        pan_london=service.pan_london,
        borough_codes=borough_codes,
        categories=frozenset(c.slug for c in service.categories),
        cohorts=frozenset(c.slug for c in service.cohorts),
        min_age=service.min_age,
        max_age=service.max_age,
        genders=frozenset(service.genders or ()),
        risk_levels=frozenset(service.risk_levels or ()),
        offences_accepted=frozenset(service.offences_accepted or ()),
        offences_excluded=frozenset(service.offences_excluded or ()),
        languages=frozenset(lang.lower() for lang in service.languages or ()),
        veterans_only=service.veterans_only,
        neurodivergent_only=service.neurodivergent_only,
        oocd_disposals=frozenset(service.oocd_disposals or ()),
        oocd_condition_kinds=frozenset(service.oocd_condition_kinds or ()),
        oocd_hours=service.oocd_hours,
        oocd_completion_weeks=service.oocd_completion_weeks,
        sites=sites,
        unnamed_borough_count=service.unnamed_borough_count,
        coverage_confirmed=bool(
            service.pan_london or borough_codes or service.unnamed_borough_count
            or any(site.borough_code for site in sites)
        ),
    )


def locate(
    boroughs: Mapping[str, BoroughRef], directory: PostcodeDirectory, query: FinderQuery
) -> Location:
    if query.postcode:
        record = postcode_record(directory, query.postcode)
        borough = boroughs.get(record.la_code)
        if borough is None:
            raise OutsideLondon(Place(record=record, borough=None))
        return Location(borough, record.postcode, record.lat, record.lon)
    borough = boroughs.get(query.borough or "")
    if borough is None:
        raise InvalidInput("borough", f"'{query.borough}' is not a London borough code.")
    return Location(borough, None, None, None)


def profile_for(query: FinderQuery, location: Location, today: date) -> Profile:
    return Profile(
        borough_code=location.borough.code,
        borough_name=location.borough.name,
        lat=location.lat,
        lon=location.lon,
        needs=frozenset(query.needs),
        age=query.age,
        gender=query.gender,
        cohort=query.cohort,
        risk_level=query.risk_level,
        veteran=query.veteran,
        neurodivergent=query.neurodivergent,
        language=query.language,
        disposal=query.disposal,
        offence=query.offence,
        today=today,
    )


def candidate_services(session: Session) -> list[Service]:
    """Every published service: the engine, not the query, decides and explains.

    Sites are not loaded as records (they are the bulk of the rows): :func:`site_infos`
    reads them as values.
    """
    return list(
        session.scalars(
            catalogue.published_services()
            .options(
                selectinload(Service.organisation),
                selectinload(Service.commissioners),
                selectinload(Service.boroughs),
                selectinload(Service.categories),
                selectinload(Service.cohorts),
            )
            .order_by(Service.name)
        )
    )


def site_infos(session: Session) -> dict[int, tuple[SiteInfo, ...]]:
    """Every published service's sites as values, keyed by service id, in Site.name order."""
    rows = session.execute(
        select(Site.service_id, Site.name, Site.postcode, Borough.code, Site.lat, Site.lon)
        .join(Service, Service.id == Site.service_id)
        .outerjoin(Borough, Borough.id == Site.borough_id)
        .where(Service.moderation == catalogue.PUBLISHED)
        .order_by(Site.service_id, Site.name, Site.id)
    )
    by_service: dict[int, list[SiteInfo]] = defaultdict(list)
    for service_id, name, postcode, borough_code, lat, lon in rows:
        by_service[service_id].append(
            SiteInfo(name=name, postcode=postcode, borough_code=borough_code, lat=lat, lon=lon)
        )
    return {k: tuple(v) for k, v in by_service.items()}


_catalogues = LatestSnapshot()


@dataclass(frozen=True)
class CatalogueSnapshot:
    index: CatalogueIndex  # what the engine reads
    cards: dict[int, ServiceCard]  # what the results show, by service id
    boroughs: dict[str, BoroughRef]  # by ONS code
    absences: tuple[Absence, ...] = ()


def borough_refs(session: Session) -> dict[str, BoroughRef]:
    rows = session.scalars(select(Borough).options(selectinload(Borough.bcu)))
    return {
        b.code: BoroughRef(b.code, b.name, Area(b.bcu.code, b.bcu.name) if b.bcu else None)
        for b in rows
    }


def catalogue_snapshot(session: Session) -> CatalogueSnapshot:
    """Every published service as plain values, built once per data version and process."""

    def build() -> CatalogueSnapshot:
        sites = site_infos(session)
        rows = candidate_services(session)
        index = CatalogueIndex(service_info(s, sites.get(s.id, ())) for s in rows)
        boroughs = borough_refs(session)
        warm(index, boroughs, date.today())
        return CatalogueSnapshot(
            index=index,
            cards={s.id: catalogue.service_card(s) for s in rows},
            boroughs=boroughs,
            absences=known_absences(session),
        )

    return _catalogues.get(data_version(session), build)


def find(
    session: Session,
    directory: PostcodeDirectory,
    query: FinderQuery,
    today: date | None = None,
    snapshot: CatalogueSnapshot | None = None,
) -> FinderResult:
    """Rank the whole published catalogue for this person.

    ``snapshot`` is :func:`catalogue_snapshot`, when the caller has it already.
    """
    snapshot = snapshot or catalogue_snapshot(session)
    location = locate(snapshot.boroughs, directory, query)
    today = today or date.today()
    profile = profile_for(query, location, today)
    outcome = rank(profile, snapshot.index)
    return FinderResult(
        location=location,
        outcome=outcome,
        services=snapshot.cards,
        absences=applying(snapshot.absences, profile),
        today=today,
    )


def services_by_slug(session: Session, slugs: list[str]) -> list[Service]:
    rows = session.scalars(
        catalogue.published_services()
        .where(Service.slug.in_(slugs))
        .options(*catalogue.service_options())
    ).all()
    order = {slug: i for i, slug in enumerate(slugs)}
    return sorted(rows, key=lambda s: order[s.slug])
