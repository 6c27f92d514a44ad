"""The finder: a place and a person in, ranked services with reasons out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from ..core.absences import Absence, applying
from ..core.queries import FinderQuery, InvalidInput
from ..core.ranking import FinderOutcome, rank
from ..core.types import Area, PartialDate, Profile, ServiceInfo, SiteInfo
from ..geo.postcode_directory import PostcodeDirectory
from ..models import Service
from . import catalogue, read_model
from .catalogue import ServiceCard
from .geography import Place, postcode_record
from .read_model import PublishedCatalogue


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
class Location:
    borough: Area  # with its police BCU, when it has one
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


def _partial(value: date | None, precision: str | None) -> PartialDate | None:
    return PartialDate(value, precision or "day") if value else None


def service_info(service: Service, sites: tuple[SiteInfo, ...] | None = None) -> ServiceInfo:
    """A catalogue row as the plain value the eligibility engine reads.

    ``sites`` are the service's sites already read as values (see :mod:`.read_model`);
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
    boroughs: Mapping[str, Area], directory: PostcodeDirectory, query: FinderQuery
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


def find(
    session: Session,
    directory: PostcodeDirectory,
    query: FinderQuery,
    today: date | None = None,
    snapshot: PublishedCatalogue | None = None,
) -> FinderResult:
    """Rank the whole published catalogue for this person.

    ``snapshot`` is :func:`.read_model.published`, when the caller has it already.
    """
    snapshot = snapshot or read_model.published(session)
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
