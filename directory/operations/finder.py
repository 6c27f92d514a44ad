"""The finder: a place and a person in, ranked services with reasons out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy.orm import Session

from ..core.absences import Absence, applying
from ..core.postcodes import InvalidPostcode
from ..core.queries import FinderQuery, InvalidInput
from ..core.ranking import FinderOutcome, Match, Tier, rank
from ..core.types import Area, PartialDate, Profile, ServiceInfo, SiteInfo
from ..geo.postcode_directory import PostcodeDirectory
from ..models import Service
from . import catalogue, read_model
from .catalogue import ServiceCard
from .geography import ResolvedPlace, resolve_place
from .read_model import PublishedCatalogue
from .youth_justice import YouthRoute, youth_route

ELSEWHERE_SHOWN = 5


class OutsideLondon(ValueError):
    """A real place, but not in London: the finder covers London only."""

    def __init__(self, label: str, la_code: str, authority_name: str | None):
        super().__init__(
            f"{label} is outside London ({authority_name or la_code}). "
            "This directory covers London's 33 local authorities."
        )
        self.la_code = la_code
        self.authority_name = authority_name


class ChooseBorough(LookupError):
    """The place typed spans several boroughs: the person chooses one (``place.choices``)."""

    def __init__(self, place: ResolvedPlace):
        super().__init__(place.explanation)
        self.place = place


@dataclass(frozen=True)
class Location:
    borough: Area  # with its police BCU, when it has one
    postcode: str | None
    lat: float | None
    lon: float | None
    place: ResolvedPlace | None = None  # what was typed, and what was done with it


@dataclass(frozen=True)
class Commissioning:
    """Who the directory records as commissioning services of the kinds asked about."""

    categories: tuple[str, ...]
    names: tuple[str, ...]  # empty: none recorded
    in_borough: bool  # False: none in the borough, so these are elsewhere in London


@dataclass(frozen=True)
class NextSteps:
    """What to do when the answer is no: who to reach, and where else to look."""

    youth: YouthRoute | None = None  # the person is under 18
    no_local_service: bool = False
    elsewhere: tuple[Match, ...] = ()  # nearest services in other boroughs open to them
    elsewhere_from: str | None = None  # where their distances are measured from
    commissioning: Commissioning | None = None


@dataclass(frozen=True)
class FinderResult:
    location: Location
    outcome: FinderOutcome
    services: Mapping[int, ServiceCard]  # cards for (at least) the results, by service id
    absences: tuple[Absence, ...] = ()  # known gaps that answer this search
    today: date | None = None
    # When the disposal asked about cannot be given: the services for this person without it.
    without_disposal: FinderOutcome | None = None
    next_steps: NextSteps = NextSteps()


def _partial(value: date | None, precision: str | None) -> PartialDate | None:
    return PartialDate(value, precision or "day") if value else None


def service_info(service: Service, sites: tuple[SiteInfo, ...] | None = None) -> ServiceInfo:
    """A catalogue row as the plain value the eligibility engine reads.

    ``sites`` are the service's sites already read as values (see :mod:`.read_model`);
    without them they are read from ``service.sites``.
    """
    borough_codes = frozenset(b.code for b in service.boroughs)
    as_of, precision, source = catalogue.status_as_of(
        service.status_as_of,
        service.status_as_of_precision,
        service.status_source,
        service.last_confirmed_at,
        service.updated_at,
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
            service.pan_london
            or borough_codes
            or service.unnamed_borough_count
            or any(site.borough_code for site in sites)
        ),
    )


def locate(boroughs: Mapping[str, Area], directory: PostcodeDirectory, query: FinderQuery) -> Location:
    """Where the person is. Raises UnknownPostcode, OutsideLondon, or ChooseBorough when
    what was typed spans several boroughs and none of them was chosen (``query.borough``)."""
    if query.place is not None:
        names = {code: b.name for code, b in boroughs.items()}
        try:
            place = resolve_place(directory, query.place, names, chosen=query.borough)
        except InvalidPostcode as error:
            raise InvalidInput("postcode", str(error)) from error
        if place.outside_london is not None:
            code, name = place.outside_london
            raise OutsideLondon(place.label, code, name)
        if place.code is None:
            raise ChooseBorough(place)
        return Location(boroughs[place.code], place.postcode, place.lat, place.lon, place)
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
        dash_risk=query.dash_risk,
        today=today,
    )


def find(
    session: Session,
    directory: PostcodeDirectory,
    query: FinderQuery,
    today: date | None = None,
    snapshot: PublishedCatalogue | None = None,
    seed_dir: str | None = None,
) -> FinderResult:
    """Rank the whole published catalogue for this person, with the next steps for a no.

    ``snapshot`` is :func:`.read_model.published`, when the caller has it already; ``seed_dir``
    holds the youth justice contacts.
    """
    snapshot = snapshot or read_model.published(session)
    location = locate(snapshot.boroughs, directory, query)
    today = today or date.today()
    profile = profile_for(query, location, today)
    outcome = rank(profile, snapshot.index)
    without = None
    if profile.disposal is not None and not outcome.assessment.available:
        without = rank(replace(profile, disposal=None), snapshot.index)
    return FinderResult(
        location=location,
        outcome=outcome,
        services=snapshot.cards,
        absences=applying(snapshot.absences, profile),
        today=today,
        without_disposal=without,
        next_steps=next_steps(snapshot, directory, profile, without or outcome, location, seed_dir),
    )


def next_steps(
    snapshot: PublishedCatalogue,
    directory: PostcodeDirectory,
    profile: Profile,
    shown: FinderOutcome,
    location: Location,
    seed_dir: str | None,
) -> NextSteps:
    youth = None
    if profile.age is not None and profile.age < 18 and seed_dir is not None:
        youth = youth_route(seed_dir, location.borough.code, location.borough.name)
    if shown.local_count:
        return NextSteps(youth=youth)
    wider = replace(profile, borough_code=None, borough_name=None)
    if location.lat is not None:
        origin = f"from {location.postcode}" if location.postcode else f"from the middle of {location.place.label}"
    else:
        middle = directory.middle(location.borough.code)
        origin = f"from the middle of {location.borough.name}'s postcodes" if middle else None
        if middle:
            wider = replace(wider, lat=middle[0], lon=middle[1])
    ranked = rank(wider, snapshot.index, only_tiers=frozenset({Tier.LISTED})).results
    # The nearest by distance (the ranking puts confirmed services first, then measures);
    # with no point to measure from, the ranking's own order.
    measured = sorted((m for m in ranked if m.distance_km is not None), key=lambda m: m.distance_km)
    elsewhere = measured or list(ranked)
    return NextSteps(
        youth=youth,
        no_local_service=True,
        elsewhere=tuple(elsewhere[:ELSEWHERE_SHOWN]),
        elsewhere_from=origin,
        commissioning=commissioning(snapshot, profile) if profile.needs else None,
    )


def commissioning(snapshot: PublishedCatalogue, profile: Profile) -> Commissioning:
    """Commissioners recorded for services of the kinds asked about: in the borough (or
    pan-London) if any are, otherwise anywhere in London."""
    kinds = [s for s in snapshot.index.services if s.categories & profile.needs and s.status != "ended"]
    local = [s for s in kinds if profile.borough_code in s.borough_codes or s.pan_london]
    for services, in_borough in ((local, True), (kinds, False)):
        names = sorted({name for s in services for name in snapshot.commissioners.get(s.id, ())})
        if names:
            return Commissioning(tuple(sorted(profile.needs)), tuple(names), in_borough)
    return Commissioning(tuple(sorted(profile.needs)), (), True)


def services_by_slug(session: Session, slugs: list[str]) -> list[Service]:
    rows = session.scalars(
        catalogue.published_services().where(Service.slug.in_(slugs)).options(*catalogue.service_options())
    ).all()
    order = {slug: i for i, slug in enumerate(slugs)}
    return sorted(rows, key=lambda s: order[s.slug])
