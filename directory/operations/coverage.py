"""Gap analysis over the published catalogue: read the one read model, call the core, cache.

The catalogue comes from :mod:`.read_model` (the same values the finder reads). The core
names the delivery sites that count (:func:`~directory.core.coverage.coverage_sites`),
:mod:`directory.geo.distance` measures how many postcodes lie near them, and the core's
:func:`~directory.core.coverage.analyse` takes those numbers. Analyses
are cached in-process and keyed on the *data version* (see :mod:`.versioning`) and the day
the status rule is read on. When the catalogue changes, the version changes
and the next request recomputes; until then maps and exports are served from memory.
Postcode points (which only change when the lookup file is rebuilt) are cached per file.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

import yaml
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.coverage import (
    AgeBand,
    Area,
    GapAnalysis,
    MapQuery,
    MissingMiddle,
    analyse,
    by_age_band,
    coverage_sites,
    is_running,
)
from ..geo.distance import PostcodePoints, distance_coverage
from ..geo.postcode_directory import PostcodeDirectory
from ..models import Borough, Dataset, Site
from ..replica import read_lag_tolerant
from . import read_model
from .catalogue import NotFound, ServiceCard, catalogue_last_updated, clear_service_pages
from .read_model import PublishedCatalogue
from .versioning import VersionedCache, data_version

_analyses = VersionedCache(64)
_rendered = VersionedCache(128)
_postcodes = VersionedCache(4)


def clear_caches(keep_postcodes: bool = False) -> None:
    """Forget everything cached (the postcode points too, unless ``keep_postcodes``)."""
    read_model.clear()
    clear_service_pages()
    for cache in (_analyses, _rendered) + (() if keep_postcodes else (_postcodes,)):
        cache.clear()


# -- the data version --------------------------------------------------------------------


def memo(version: tuple, key: Hashable, compute: Callable[[], object]):
    """Cache something derived from the catalogue (a rendered map, an export) by version."""
    return _rendered.get_or_compute((version, key), compute)


# -- loading -----------------------------------------------------------------------------

# The catalogue as the gap analysis reads it: the one published read model.
Snapshot = PublishedCatalogue


def snapshot(session: Session, version: tuple | None = None) -> PublishedCatalogue:
    """The published catalogue at its current version (see :mod:`.read_model`)."""
    return read_model.published(session, version)


def postcode_points(directory: PostcodeDirectory, codes: tuple[str, ...]) -> PostcodePoints:
    """The authorities' postcode points in BNG metres, read once per lookup file."""
    key = (str(directory.path), directory.path.stat().st_mtime_ns, codes)
    return _postcodes.get_or_compute(
        key,
        lambda: PostcodePoints.from_rows((la, float(e), float(n)) for la, _lat, _lon, e, n in directory.points(codes)),
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
        title=source["title"],
        publisher=source["publisher"],
        url=source["url"],
        licence=source["licence"],
        credit=source["credit"],
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
    snap = snapshot(session, data_version(session))
    version = snap.version  # the snapshot's own (a moment old while a newer one is built)
    today = today or date.today()
    key = (version, today, query.distance_km, query.cohort, query.band, query.gender, directory is not None)

    def compute() -> GapAnalysis:
        distance = None
        if directory is not None:
            codes = tuple(sorted(a.code for a in snap.areas))
            sites = coverage_sites(
                snap.areas,
                snap.services,
                cohort=query.cohort,
                band=query.age_band,
                gender=query.gender,
                today=today,
            )
            distance = distance_coverage(postcode_points(directory, codes), sites, query.distance_km)
        return analyse(
            snap.areas,
            snap.services,
            snap.offer,
            distance,
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
    snap = snapshot(session, version or data_version(session))
    version = snap.version
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
    service: ServiceCard
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
    snap = snapshot(session, version or data_version(session))
    version = snap.version
    today = today or date.today()

    def load(reader: Session) -> SiteList:
        services = {s.id: s for s in snap.services if is_running(s, today)}
        if category:
            services = {i: s for i, s in services.items() if category in s.categories}
        stmt = (
            select(Site.id, Site.service_id, Site.name, Site.address, Site.postcode, Site.lat, Site.lon, Borough.code)
            .outerjoin(Borough, Borough.id == Site.borough_id)
            .where(Site.service_id.in_(list(services)))
            .order_by(Site.name, Site.id)
        )
        if borough:
            stmt = stmt.where(Borough.code == borough)
        rows = reader.execute(stmt).all() if services else []
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
                service=snap.cards[r.service_id],
                categories=tuple(c for c in CATEGORIES if c in services[r.service_id].categories),
            )
            for r in located[:limit]
        )
        return SiteList(markers, len(located), len(rows) - len(located), version)

    return _analyses.get_or_compute(
        (version, today, "sites", category, borough, limit),
        lambda: read_lag_tolerant(session, load, version),
    )


@dataclass(frozen=True)
class BoroughGapProfile:
    report: GapReport
    area: Area
    services_by_category: dict[str, list[ServiceCard]]
    unknown_by_category: dict[str, list[ServiceCard]]


def borough_gap_profile(
    session: Session, directory: PostcodeDirectory | None, code: str, query: MapQuery
) -> BoroughGapProfile:
    report = gap_report(session, directory, query)
    code = code.upper()
    area = next((a for a in report.analysis.areas if a.code == code), None)
    if area is None:
        raise NotFound(code)
    labels = report.snapshot.cards

    def named(ids) -> list[ServiceCard]:
        return sorted((labels[i] for i in ids), key=lambda label: label.name.lower())

    cells = [report.analysis.cell(code, c) for c in report.analysis.categories]
    return BoroughGapProfile(
        report,
        area,
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
        catalogue_updated=catalogue_last_updated(session),
        datasets=tuple(
            (d.title, d.source, d.loaded_at) for d in session.scalars(select(Dataset).order_by(Dataset.key))
        ),
        postcode_version=meta.get("source_version"),
        postcode_built=meta.get("built_at"),
    )


__all__ = [
    "AgeBand",
    "Area",
    "BoroughGapProfile",
    "GapReport",
    "Provenance",
    "SiteList",
    "SiteMarker",
    "Snapshot",
    "ServiceCard",
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
