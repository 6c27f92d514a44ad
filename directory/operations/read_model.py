"""The published catalogue as plain values: the one read model the finder, the maps, the gap
analysis and the API read (and the Open Referral feed will).

Built once per data version and process (see :mod:`.versioning`), in one cache: every
published service as a :class:`~directory.core.types.ServiceInfo` (the value the eligibility
engine, the status rule and the gap analysis all read), a :class:`~.catalogue.ServiceCard`
for lists, the 33 authorities as :class:`~directory.core.types.Area`, the minimum offer,
the boundaries and the known absences. The finder's index over the services is built with it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from ..core.absences import Absence
from ..core.catalogue_index import CatalogueIndex
from ..core.coverage import OfferItem, to_bng
from ..core.ranking import warm
from ..core.types import Area, ServiceInfo, SiteInfo
from ..models import BCU, PDU, Borough, Category, Cohort, KnownAbsence, MinimumOfferItem, Service, Site
from . import catalogue
from .catalogue import ServiceCard
from ..replica import read_lag_tolerant
from .versioning import LatestSnapshot, data_version

# While one thread builds a new version, the others read the previous one (see LatestSnapshot):
# whatever is derived from it must be keyed on ``PublishedCatalogue.version``, not on the
# version asked for.
_published = LatestSnapshot()


def clear() -> None:
    _published.clear()


@dataclass(frozen=True)
class PublishedCatalogue:
    version: tuple
    areas: tuple[Area, ...]  # by name
    boroughs: dict[str, Area]  # by ONS code
    services: tuple[ServiceInfo, ...]  # by name
    cards: dict[int, ServiceCard]  # by service id
    index: CatalogueIndex  # what the finder's engine reads
    offer: tuple[OfferItem, ...]
    absences: tuple[Absence, ...]
    commissioners: dict[int, tuple[str, ...]]  # organisation names, by service id
    borough_shapes: dict[str, str]  # code -> GeoJSON geometry text
    bcu_shapes: dict[str, tuple[str, str]]  # code -> (name, GeoJSON geometry text)
    last_updated: datetime | None


def _areas(session: Session) -> tuple[tuple[Area, ...], dict[str, str]]:
    rows = session.execute(
        select(
            Borough.code,
            Borough.name,
            BCU.code,
            BCU.name,
            PDU.code,
            PDU.name,
            Borough.boundary_geojson,
        )
        .outerjoin(BCU, BCU.id == Borough.bcu_id)
        .outerjoin(PDU, PDU.id == Borough.pdu_id)
        .order_by(Borough.name)
    ).all()
    return tuple(Area(*r[:6]) for r in rows), {r[0]: r[6] for r in rows if r[6]}


def _sites(session: Session) -> dict[int, tuple[SiteInfo, ...]]:
    """Every published service's sites as values (degrees and BNG metres), in name order."""
    rows = session.execute(
        select(Site.service_id, Site.name, Site.postcode, Borough.code, Site.lat, Site.lon)
        .join(Service, Service.id == Site.service_id)
        .outerjoin(Borough, Borough.id == Site.borough_id)
        .where(Service.moderation == catalogue.PUBLISHED)
        .order_by(Site.service_id, Site.name, Site.id)
    ).all()
    located = [i for i, r in enumerate(rows) if r.lat is not None and r.lon is not None]
    xs, ys = to_bng([rows[i].lon for i in located], [rows[i].lat for i in located])
    points = {i: (float(x), float(y)) for i, x, y in zip(located, xs, ys)}
    by_service: dict[int, list[SiteInfo]] = defaultdict(list)
    for i, (service_id, name, postcode, borough_code, lat, lon) in enumerate(rows):
        easting, northing = points.get(i, (None, None))
        by_service[service_id].append(SiteInfo(name, postcode, borough_code, lat, lon, easting, northing))
    return {k: tuple(v) for k, v in by_service.items()}


def _services(session: Session) -> list[Service]:
    """Every published service; sites are read as values by :func:`_sites`."""
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


def _offer(session: Session) -> tuple[OfferItem, ...]:
    rows = session.execute(
        select(Category.slug, Cohort.slug)
        .select_from(MinimumOfferItem)
        .join(Category, Category.id == MinimumOfferItem.category_id)
        .outerjoin(Cohort, Cohort.id == MinimumOfferItem.cohort_id)
        .order_by(Category.position, Cohort.position)
    ).all()
    return tuple(OfferItem(category, cohort) for category, cohort in rows)


def _absences(session: Session) -> tuple[Absence, ...]:
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


def published(session: Session, version: tuple | None = None) -> PublishedCatalogue:
    """The published catalogue at its current version (built once per version)."""
    from .finder import service_info  # the row-to-value conversion the finder defines

    version = version or data_version(session)

    def build(reader: Session) -> PublishedCatalogue:
        areas, shapes = _areas(reader)
        sites = _sites(reader)
        rows = _services(reader)
        services = tuple(service_info(s, sites.get(s.id, ())) for s in rows)
        index = CatalogueIndex(services)
        boroughs = {a.code: a for a in areas}
        warm(index, boroughs, date.today())
        return PublishedCatalogue(
            version=version,
            areas=areas,
            boroughs=boroughs,
            services=services,
            cards={s.id: catalogue.service_card(s) for s in rows},
            index=index,
            offer=_offer(reader),
            absences=_absences(reader),
            commissioners={s.id: tuple(o.name for o in s.commissioners) for s in rows},
            borough_shapes=shapes,
            bcu_shapes={
                code: (name, shape)
                for code, name, shape in reader.execute(
                    select(BCU.code, BCU.name, BCU.boundary_geojson).order_by(BCU.name)
                )
                if shape
            },
            last_updated=reader.scalar(select(func.max(Service.updated_at))),
        )

    return _published.get(version, lambda: read_lag_tolerant(session, build, version))
