"""Gap analysis over the published catalogue: load rows, convert, call the core, cache.

Everything here is cached in-process and keyed on a *data version*: the latest change
time and row counts of services, sites, their borough/category/cohort links and the
minimum offer, plus the database URL. When the catalogue changes, the version changes
and the next request recomputes; until then maps and exports are served from memory.
Postcode points (which only change when the lookup file is rebuilt) are cached per file.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

import yaml
from flask import current_app

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..core.coverage import (
    AgeBand,
    Area,
    CoverageService,
    GapAnalysis,
    MapQuery,
    MissingMiddle,
    OfferItem,
    PostcodePoints,
    SitePoint,
    analyse,
    by_age_band,
    is_running,
    to_bng,
)
from ..geo.postcode_directory import PostcodeDirectory
from ..models import (
    BCU,
    PDU,
    Borough,
    Category,
    Cohort,
    Dataset,
    MinimumOfferItem,
    Service,
    Site,
)
from ..models.catalogue import service_borough, service_category, service_cohort
from ..core.types import PartialDate
from .catalogue import PUBLISHED, NotFound, status_as_of
from .versioning import VersionedCache, data_version


_snapshots = VersionedCache(8)
_analyses = VersionedCache(64)
_rendered = VersionedCache(128)
_postcodes = VersionedCache(4)


def clear_caches(keep_postcodes: bool = False) -> None:
    """Forget everything cached (the postcode points too, unless ``keep_postcodes``)."""
    for cache in (_snapshots, _analyses, _rendered) + (() if keep_postcodes else (_postcodes,)):
        cache.clear()


# -- the data version --------------------------------------------------------------------


def memo(version: tuple, key: Hashable, compute: Callable[[], object]):
    """Cache something derived from the catalogue (a rendered map, an export) by version."""
    return _rendered.get_or_compute((version, key), compute)


# -- loading -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceLabel:
    id: int
    slug: str
    name: str
    status: str


@dataclass(frozen=True)
class Snapshot:
    """The catalogue as the core sees it, at one data version."""

    version: tuple
    areas: tuple[Area, ...]
    services: tuple[CoverageService, ...]
    offer: tuple[OfferItem, ...]
    labels: dict[int, ServiceLabel]
    borough_shapes: dict[str, str]  # code -> GeoJSON geometry text
    bcu_shapes: dict[str, tuple[str, str]]  # code -> (name, GeoJSON geometry text)
    last_updated: datetime | None


def _load_areas(session: Session) -> tuple[tuple[Area, ...], dict[str, str]]:
    rows = session.execute(
        select(
            Borough.code, Borough.name, BCU.code, BCU.name, PDU.code, PDU.name,
            Borough.boundary_geojson,
        )
        .outerjoin(BCU, BCU.id == Borough.bcu_id)
        .outerjoin(PDU, PDU.id == Borough.pdu_id)
        .order_by(Borough.name)
    ).all()
    areas = tuple(Area(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows)
    shapes = {r[0]: r[6] for r in rows if r[6]}
    return areas, shapes


def _load_services(session: Session) -> tuple[tuple[CoverageService, ...], dict[int, ServiceLabel]]:
    published = select(Service.id).where(Service.moderation == PUBLISHED)
    base = session.execute(
        select(
            Service.id, Service.slug, Service.name, Service.status, Service.pan_london,
            Service.min_age, Service.max_age, Service.genders, Service.unnamed_borough_count,
            Service.veterans_only, Service.neurodivergent_only,
            Service.starts_on, Service.starts_on_precision,
            Service.ends_on, Service.ends_on_precision, Service.funded_until,
            Service.funded_until_precision, Service.status_as_of, Service.status_source,
            Service.status_as_of_precision,
            Service.last_confirmed_at, Service.updated_at,
        ).where(Service.moderation == PUBLISHED)
    ).all()

    def links(table, model, column):
        out: dict[int, set[str]] = defaultdict(set)
        stmt = (
            select(table.c.service_id, model.slug if model is not Borough else model.code)
            .join(model, model.id == column)
            .where(table.c.service_id.in_(published))
        )
        for service_id, value in session.execute(stmt):
            out[service_id].add(value)
        return out

    boroughs = links(service_borough, Borough, service_borough.c.borough_id)
    categories = links(service_category, Category, service_category.c.category_id)
    cohorts = links(service_cohort, Cohort, service_cohort.c.cohort_id)

    site_rows = session.execute(
        select(Site.service_id, Borough.code, Site.lat, Site.lon)
        .outerjoin(Borough, Borough.id == Site.borough_id)
        .where(Site.service_id.in_(published))
        .order_by(Site.id)
    ).all()
    located = [r for r in site_rows if r.lat is not None and r.lon is not None]
    xs, ys = to_bng([r.lon for r in located], [r.lat for r in located])
    points = {id(r): (float(x), float(y)) for r, x, y in zip(located, xs, ys)}
    sites: dict[int, list[SitePoint]] = defaultdict(list)
    for r in site_rows:
        x, y = points.get(id(r), (None, None))
        sites[r.service_id].append(SitePoint(r.service_id, r.code, x, y))

    def partial(value, precision):
        return PartialDate(value, precision or "day") if value else None

    def evidence(r) -> dict:
        as_of, precision, source = status_as_of(
            r.status_as_of, r.status_as_of_precision, r.status_source, r.last_confirmed_at, r.updated_at
        )
        return dict(
            starts_on=partial(r.starts_on, r.starts_on_precision),
            ends_on=partial(r.ends_on, r.ends_on_precision),
            funded_until=partial(r.funded_until, r.funded_until_precision),
            status_as_of=as_of,
            status_as_of_precision=precision,
            status_source=source,
        )

    services = tuple(
        CoverageService(
            id=r.id,
            name=r.name,
            status=r.status,
            **evidence(r),
            pan_london=bool(r.pan_london),
            borough_codes=frozenset(boroughs.get(r.id, ())),
            categories=frozenset(categories.get(r.id, ())),
            cohorts=frozenset(cohorts.get(r.id, ())),
            min_age=r.min_age,
            max_age=r.max_age,
            genders=frozenset(r.genders or ()),
            unnamed_borough_count=r.unnamed_borough_count,
            veterans_only=bool(r.veterans_only),
            neurodivergent_only=bool(r.neurodivergent_only),
            sites=tuple(sites.get(r.id, ())),
        )
        for r in base
    )
    labels = {r.id: ServiceLabel(r.id, r.slug, r.name, r.status) for r in base}
    return services, labels


def _load_offer(session: Session) -> tuple[OfferItem, ...]:
    rows = session.execute(
        select(Category.slug, Cohort.slug)
        .select_from(MinimumOfferItem)
        .join(Category, Category.id == MinimumOfferItem.category_id)
        .outerjoin(Cohort, Cohort.id == MinimumOfferItem.cohort_id)
        .order_by(Category.position, Cohort.position)
    ).all()
    return tuple(OfferItem(category, cohort) for category, cohort in rows)


def snapshot(session: Session, version: tuple | None = None) -> Snapshot:
    """The catalogue at its current version (loaded once per version)."""
    version = version or data_version(session)

    def load() -> Snapshot:
        areas, shapes = _load_areas(session)
        services, labels = _load_services(session)
        bcus = {
            code: (name, shape)
            for code, name, shape in session.execute(
                select(BCU.code, BCU.name, BCU.boundary_geojson).order_by(BCU.name)
            )
            if shape
        }
        return Snapshot(
            version=version,
            areas=areas,
            services=services,
            offer=_load_offer(session),
            labels=labels,
            borough_shapes=shapes,
            bcu_shapes=bcus,
            last_updated=session.scalar(select(func.max(Service.updated_at))),
        )

    return _snapshots.get_or_compute(version, load)


def postcode_points(directory: PostcodeDirectory, codes: tuple[str, ...]) -> PostcodePoints:
    """The authorities' postcode points in BNG metres, read once per lookup file."""
    key = (str(directory.path), directory.path.stat().st_mtime_ns, codes)
    return _postcodes.get_or_compute(
        key,
        lambda: PostcodePoints.from_rows(
            (la, float(e), float(n)) for la, _lat, _lon, e, n in directory.points(codes)
        ),
    )


@dataclass(frozen=True)
class Populations:
    """Residents by authority code, with where the figures come from."""

    residents: dict[str, int]
    title: str
    publisher: str
    url: str
    licence: str
    credit: str


@lru_cache(maxsize=4)
def _populations(path: str) -> Populations:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    source = data["source"]
    return Populations(
        residents={str(code): int(n) for code, n in data["populations"].items()},
        title=source["title"], publisher=source["publisher"], url=source["url"],
        licence=source["licence"], credit=source["credit"],
    )


def populations() -> Populations:
    """Census 2021 usual residents by authority (``seed/populations.yaml``)."""
    return _populations(str(Path(current_app.config["SEED_DIR"]) / "populations.yaml"))


# -- analyses ----------------------------------------------------------------------------


@dataclass(frozen=True)
class GapReport:
    version: tuple
    snapshot: Snapshot
    analysis: GapAnalysis
    today: date | None = None  # the day the status rule was read on

    @property
    def postcode_counts(self) -> dict[str, int]:
        return {b.area.code: b.postcodes for b in self.analysis.boroughs}


def gap_report(
    session: Session,
    directory: PostcodeDirectory | None,
    query: MapQuery,
    today: date | None = None,
) -> GapReport:
    """The gap analysis for the query's distance, cohort and age band on ``today`` (cached
    by version and day)."""
    version = data_version(session)
    snap = snapshot(session, version)
    today = today or date.today()
    key = (version, today, query.distance_km, query.cohort, query.band, query.gender,
           directory is not None)

    def compute() -> GapAnalysis:
        codes = tuple(sorted(a.code for a in snap.areas))
        points = postcode_points(directory, codes) if directory is not None else None
        return analyse(
            snap.areas,
            snap.services,
            snap.offer,
            points,
            distance_km=query.distance_km,
            cohort=query.cohort,
            band=query.age_band,
            gender=query.gender,
            today=today,
            populations=populations().residents,
        )

    return GapReport(version, snap, _analyses.get_or_compute(key, compute), today)


def missing_middle(
    session: Session,
    cohort: str | None = None,
    version: tuple | None = None,
    today: date | None = None,
) -> MissingMiddle:
    """The age-band comparison; pass ``version`` if the caller already has it."""
    version = version or data_version(session)
    snap = snapshot(session, version)
    today = today or date.today()
    return _analyses.get_or_compute(
        (version, today, "age-bands", cohort),
        lambda: by_age_band(snap.areas, snap.services, cohort=cohort, today=today),
    )


# -- what the maps and pages show --------------------------------------------------------


@dataclass(frozen=True)
class SiteMarker:
    site_id: int
    name: str
    address: str | None
    postcode: str | None
    lat: float
    lon: float
    borough: str | None
    service: ServiceLabel
    categories: tuple[str, ...]


@dataclass(frozen=True)
class SiteList:
    markers: tuple[SiteMarker, ...]
    total: int  # sites matching, before the cap
    unlocated: int  # matching sites with no point (no or unknown postcode)
    version: tuple


def site_markers(
    session: Session,
    category: str | None = None,
    borough: str | None = None,
    limit: int = 1000,
    version: tuple | None = None,
    today: date | None = None,
) -> SiteList:
    """Delivery sites of published services that count as present on ``today`` (the one
    status rule), optionally one category or borough."""
    version = version or data_version(session)
    snap = snapshot(session, version)
    today = today or date.today()

    def load() -> SiteList:
        services = {s.id: s for s in snap.services if is_running(s, today)}
        if category:
            services = {i: s for i, s in services.items() if category in s.categories}
        stmt = (
            select(Site.id, Site.service_id, Site.name, Site.address, Site.postcode,
                   Site.lat, Site.lon, Borough.code)
            .outerjoin(Borough, Borough.id == Site.borough_id)
            .where(Site.service_id.in_(list(services)))
            .order_by(Site.name, Site.id)
        )
        if borough:
            stmt = stmt.where(Borough.code == borough)
        rows = session.execute(stmt).all() if services else []
        located = [r for r in rows if r.lat is not None and r.lon is not None]
        from ..core.vocabulary import CATEGORIES

        markers = tuple(
            SiteMarker(
                site_id=r.id,
                name=r.name,
                address=r.address,
                postcode=r.postcode,
                lat=r.lat,
                lon=r.lon,
                borough=r.code,
                service=snap.labels[r.service_id],
                categories=tuple(c for c in CATEGORIES if c in services[r.service_id].categories),
            )
            for r in located[:limit]
        )
        return SiteList(markers, len(located), len(rows) - len(located), version)

    return _analyses.get_or_compute((version, today, "sites", category, borough, limit), load)


@dataclass(frozen=True)
class BoroughGapProfile:
    report: GapReport
    area: Area
    services_by_category: dict[str, list[ServiceLabel]]
    unknown_by_category: dict[str, list[ServiceLabel]]


def borough_gap_profile(
    session: Session, directory: PostcodeDirectory | None, code: str, query: MapQuery
) -> BoroughGapProfile:
    report = gap_report(session, directory, query)
    code = code.upper()
    area = next((a for a in report.analysis.areas if a.code == code), None)
    if area is None:
        raise NotFound(code)
    labels = report.snapshot.labels
    def named(ids) -> list[ServiceLabel]:
        return sorted((labels[i] for i in ids), key=lambda label: label.name.lower())

    cells = [report.analysis.cell(code, c) for c in report.analysis.categories]
    return BoroughGapProfile(
        report, area,
        {cell.category: named(cell.service_ids) for cell in cells},
        {cell.category: named(cell.unknown_ids) for cell in cells},
    )


@dataclass(frozen=True)
class Provenance:
    catalogue_updated: datetime | None
    datasets: tuple[tuple[str, str, datetime | None], ...]  # title, source, loaded at
    postcode_version: str | None
    postcode_built: str | None


def provenance(session: Session, directory: PostcodeDirectory | None) -> Provenance:
    meta = directory.metadata() if directory is not None else {}
    return Provenance(
        catalogue_updated=session.scalar(select(func.max(Service.updated_at))),
        datasets=tuple(
            (d.title, d.source, d.loaded_at)
            for d in session.scalars(select(Dataset).order_by(Dataset.key))
        ),
        postcode_version=meta.get("source_version"),
        postcode_built=meta.get("built_at"),
    )


__all__ = [
    "AgeBand",
    "BoroughGapProfile",
    "GapReport",
    "Provenance",
    "SiteList",
    "SiteMarker",
    "Snapshot",
    "borough_gap_profile",
    "clear_caches",
    "data_version",
    "gap_report",
    "memo",
    "missing_middle",
    "postcode_points",
    "provenance",
    "site_markers",
    "snapshot",
]
