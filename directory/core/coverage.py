"""Coverage and gap analysis: where services are, where the minimum offer is missing.

Pure functions over frozen dataclasses and numpy arrays; no Flask, no SQLAlchemy. The
operations layer loads the rows and calls :func:`analyse`.

What counts
    A service counts in a borough when the one status rule (:mod:`.status`), read on the
    analysis's day, does not say it has ended or is only planned: confirmed running, not
    confirmed since a date, and not known all count, because none is evidence that a
    service has stopped. It is delivered in a borough when
    it is pan-London, names the borough, or has a delivery site there.

Cohorts and ages
    A service with no cohorts recorded counts for every cohort, and a service with no
    age range recorded counts for every age band: the sources not saying is not a reason
    to leave a service out (the finder follows the same rule). A service serves an age
    band when its age range overlaps the band; a missing bound is open-ended.

Distance coverage
    The share of a borough's postcodes (ONS Postcode Directory points, British National
    Grid metres) within a chosen distance of a delivery site of a running service in the
    category. Sites anywhere in London count, so a borough next to a well-served one is
    partly covered. Pan-London services and services listed for a borough without a site
    address give no distance coverage: we do not know where they are delivered.
    Computed exactly (straight-line distance in metres) with a vectorised grid index over
    the sites (:class:`DistanceIndex`): a few tens of milliseconds per category for London's
    330,000 postcodes and thousands of sites. We tried a union of shapely buffers with a
    prepared ``contains_xy`` first; at 0.5 km with thousands of sites the union has so
    many vertices that it took over 0.5 s per category, and circles become polygons.

Postcode-lottery index
    For each category, the **Gini coefficient** of the number of running services
    available in each of the 33 authorities (each authority weighted equally). 0 means
    every authority has the same number of services; values near 1 mean provision sits in
    a few authorities. We chose Gini because it is one number between 0 and 1 that boards
    already meet in inequality reporting, it does not depend on the scale (so categories
    with 3 services and with 300 compare fairly), and it copes with authorities that have
    none (unlike measures built on logarithms, such as Theil's). It says nothing about
    *which* authorities miss out, so it is always shown with the number of authorities
    that have none. When no authority has any service the Gini is 0 (equally nothing):
    read it with ``authorities_without``. The same index over distance coverage is given
    where delivery sites are recorded.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import numpy as np

from .queries import Args, InvalidInput, choice, first
from .status import read_status
from .types import Area, ServiceInfo, SiteInfo
from .vocabulary import CATEGORIES, COHORTS

DEFAULT_DISTANCE_KM = 3.0
MIN_DISTANCE_KM = 0.5
MAX_DISTANCE_KM = 20.0
GROUPS = ("borough", "bcu", "pdu")


# -- inputs ------------------------------------------------------------------------------


@dataclass(frozen=True)
class OfferItem:
    """A category every borough should have, for everyone (cohort None) or one cohort."""

    category: str
    cohort: str | None = None

    def describe(self) -> str:
        label = CATEGORIES.get(self.category, self.category)
        if self.cohort:
            return f"{label} ({COHORTS.get(self.cohort, self.cohort).lower()})"
        return label


@dataclass(frozen=True)
class AgeBand:
    slug: str
    label: str
    low: int
    high: int | None  # None: no upper limit


AGE_BANDS = (
    AgeBand("18-25", "18 to 25", 18, 25),
    AgeBand("26-29", "26 to 29", 26, 29),
    AgeBand("30-plus", "30 and over", 30, None),
)
AGE_BAND_SLUGS = {band.slug: band for band in AGE_BANDS}


@dataclass(frozen=True, eq=False)
class PostcodePoints:
    """Postcode points grouped by authority: rows ``starts[code]:ends[code]`` of x and y."""

    x: np.ndarray
    y: np.ndarray
    spans: Mapping[str, tuple[int, int]]

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, float, float]]) -> PostcodePoints:
        """From ``(la_code, easting, northing)`` rows in any order."""
        grouped: dict[str, list[tuple[float, float]]] = defaultdict(list)
        for code, easting, northing in rows:
            grouped[code].append((easting, northing))
        xs: list[np.ndarray] = []
        spans: dict[str, tuple[int, int]] = {}
        start = 0
        for code in sorted(grouped):
            points = np.asarray(grouped[code], dtype="float64").reshape(-1, 2)
            xs.append(points)
            spans[code] = (start, start + len(points))
            start += len(points)
        stacked = np.concatenate(xs) if xs else np.empty((0, 2))
        return cls(x=stacked[:, 0].copy(), y=stacked[:, 1].copy(), spans=spans)

    def count(self, code: str) -> int:
        start, end = self.spans.get(code, (0, 0))
        return end - start

    def __len__(self) -> int:
        return len(self.x)


# -- rules -------------------------------------------------------------------------------


def is_running(service: ServiceInfo, today: date | None = None) -> bool:
    """Counts as present on ``today`` by the one status rule (:mod:`.status`): ended and
    planned (not yet running) services never count."""
    return read_status(service.status_evidence, today).counts_as_present


def serves_cohort(service: ServiceInfo, cohort: str | None) -> bool:
    return cohort is None or not service.cohorts or cohort in service.cohorts


def serves_band(service: ServiceInfo, band: AgeBand | None) -> bool:
    """The service's age range overlaps the band; an unknown bound is open-ended."""
    if band is None:
        return True
    if service.min_age is not None and band.high is not None and service.min_age > band.high:
        return False
    if service.max_age is not None and service.max_age < band.low:
        return False
    return True


def has_age_range(service: ServiceInfo) -> bool:
    return service.min_age is not None or service.max_age is not None


def delivered_in(service: ServiceInfo, all_codes: Iterable[str]) -> frozenset[str]:
    """The boroughs a service is delivered in: all if pan-London, named ones, site ones."""
    if service.pan_london:
        return frozenset(all_codes)
    sited = {s.borough_code for s in service.sites if s.borough_code}
    return service.borough_codes | frozenset(sited)


def counting(
    services: Iterable[ServiceInfo],
    cohort: str | None = None,
    band: AgeBand | None = None,
    today: date | None = None,
) -> list[ServiceInfo]:
    """The services that count for this cohort and age band on ``today``."""
    return [
        s for s in services
        if is_running(s, today) and serves_cohort(s, cohort) and serves_band(s, band)
    ]


# -- inequality --------------------------------------------------------------------------


def gini(values: Sequence[float]) -> float:
    """Gini coefficient of non-negative values: 0 when all equal (including all zero).

    Uses the sorted-values form G = sum((2i - n - 1) x_i) / (n sum x), i = 1..n.
    """
    data = np.sort(np.asarray(values, dtype="float64"))
    n = len(data)
    if n == 0:
        return 0.0
    if np.any(data < 0):
        raise ValueError("gini() needs values that are zero or more")
    total = data.sum()
    if total <= 0 or data[0] == data[-1]:
        return 0.0
    ranks = np.arange(1, n + 1)
    value = float(((2 * ranks - n - 1) * data).sum() / (n * total))
    return min(max(value, 0.0), 1.0)


@dataclass(frozen=True)
class LotteryIndex:
    category: str
    gini_services: float
    authorities_without: int
    min_services: int
    max_services: int
    gini_coverage: float | None  # None when no site is recorded for the category


# -- distance coverage -------------------------------------------------------------------


class DistanceIndex:
    """Points bucketed once for one distance, to ask which are near a set of sites.

    A vectorised grid index: points and sites fall into square cells of side
    ``distance / sqrt(2)``, so a site in a point's own cell is always within the distance.
    Points still uncovered are checked, by exact straight-line distance, against the sites
    in the 20 neighbouring cells that can hold a site within the distance, nearest cells
    first, dropping points as soon as one site is found. Lookups are per cell (London has
    tens of thousands of occupied cells, not 330,000 postcodes), and dense areas resolve
    in the first step, so one category takes a few tens of milliseconds.
    """

    _STRIDE = np.int64(1 << 22)  # BNG cells never reach 2**22 along an axis

    def __init__(self, px: np.ndarray, py: np.ndarray, distance: float):
        self.px = np.asarray(px, dtype="float64")
        self.py = np.asarray(py, dtype="float64")
        self.distance = float(distance)
        self.side = self.distance / math.sqrt(2.0)
        keys = self._keys(self.px, self.py)
        self.cells, self.inverse = np.unique(keys, return_inverse=True)
        self.inverse = self.inverse.reshape(-1)

    def _keys(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return (
            np.floor(x / self.side).astype(np.int64) * self._STRIDE
            + np.floor(y / self.side).astype(np.int64)
        )

    def covered(self, sx: np.ndarray, sy: np.ndarray) -> np.ndarray:
        """For each point, whether any site (sx, sy) is within the distance."""
        n = len(self.px)
        sx = np.asarray(sx, dtype="float64")
        sy = np.asarray(sy, dtype="float64")
        if n == 0 or len(sx) == 0:
            return np.zeros(n, dtype=bool)
        site_keys = self._keys(sx, sy)
        order = np.argsort(site_keys, kind="stable")
        site_keys, sx, sy = site_keys[order], sx[order], sy[order]
        covered = np.isin(self.cells, site_keys)[self.inverse]
        left = np.flatnonzero(~covered)
        limit = self.distance * self.distance
        for dx, dy in _NEIGHBOURS:
            if len(left) == 0:
                break
            wanted = self.cells + dx * self._STRIDE + dy
            lo = np.searchsorted(site_keys, wanted, "left")
            per_cell = np.searchsorted(site_keys, wanted, "right") - lo
            left_cells = self.inverse[left]
            counts = per_cell[left_cells]
            has = np.flatnonzero(counts)
            if len(has) == 0:
                continue
            c = counts[has]
            which = np.repeat(has, c)  # index into ``left`` for each candidate pair
            site = np.repeat(lo[left_cells[has]] - (np.cumsum(c) - c), c) + np.arange(int(c.sum()))
            point = left[which]
            hit = (self.px[point] - sx[site]) ** 2 + (self.py[point] - sy[site]) ** 2 <= limit
            found = np.zeros(len(left), dtype=bool)
            found[which[hit]] = True
            covered[left[found]] = True
            left = left[~found]
        return covered


def within_distance(
    px: np.ndarray, py: np.ndarray, sx: np.ndarray, sy: np.ndarray, distance: float
) -> np.ndarray:
    """For each point (px, py), whether any site (sx, sy) is within ``distance`` (exact)."""
    return DistanceIndex(px, py, distance).covered(sx, sy)


# Neighbouring cells (in cell steps) that can hold a site within the distance of a point:
# all within two cells except the four far corners, nearest first.
_NEIGHBOURS = sorted(
    (
        (dx, dy)
        for dx in range(-2, 3)
        for dy in range(-2, 3)
        if (dx, dy) != (0, 0) and not (abs(dx) == 2 and abs(dy) == 2)
    ),
    key=lambda step: step[0] ** 2 + step[1] ** 2,
)


def coverage_within(
    postcodes: PostcodePoints,
    sites_xy: np.ndarray,
    distance_m: float,
    index: DistanceIndex | None = None,
) -> dict[str, float | None]:
    """Per authority, the share of its postcodes within ``distance_m`` of any site.

    ``sites_xy`` is an (n, 2) array of BNG eastings and northings. An authority with no
    postcodes gets ``None``. Pass ``index`` (built for these postcodes and this distance)
    to reuse it across categories.
    """
    shares: dict[str, float | None] = {
        code: (0.0 if end > start else None) for code, (start, end) in postcodes.spans.items()
    }
    sites_xy = np.asarray(sites_xy, dtype="float64").reshape(-1, 2)
    if len(sites_xy) == 0 or len(postcodes) == 0:
        return shares
    if index is None:
        index = DistanceIndex(postcodes.x, postcodes.y, distance_m)
    inside = index.covered(sites_xy[:, 0], sites_xy[:, 1])
    for code, (start, end) in postcodes.spans.items():
        if end > start:
            shares[code] = float(inside[start:end].mean())
    return shares


@lru_cache(maxsize=1)
def _to_bng():
    from pyproj import Transformer

    return Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)


def to_bng(lons: Sequence[float], lats: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 longitude/latitude to British National Grid eastings/northings (metres)."""
    if len(lons) == 0:
        return np.empty(0), np.empty(0)
    x, y = _to_bng().transform(np.asarray(lons, dtype="float64"), np.asarray(lats, dtype="float64"))
    return np.asarray(x), np.asarray(y)


# -- the analysis ------------------------------------------------------------------------


@dataclass(frozen=True)
class GapCell:
    """One borough and one category."""

    borough: str
    category: str
    service_ids: tuple[int, ...]
    in_offer: bool
    missing: bool  # an offer item for this category is not met in the borough
    coverage: float | None  # share of postcodes within the distance of a site

    @property
    def services(self) -> int:
        return len(self.service_ids)


@dataclass(frozen=True)
class BoroughGaps:
    area: Area
    missing_items: tuple[OfferItem, ...]
    categories_with_none: tuple[str, ...]
    postcodes: int

    @property
    def missing_count(self) -> int:
        return len(self.missing_items)


@dataclass(frozen=True)
class GapAnalysis:
    distance_km: float
    cohort: str | None
    band: AgeBand | None
    areas: tuple[Area, ...]
    categories: tuple[str, ...]
    offer: tuple[OfferItem, ...]
    cells: Mapping[tuple[str, str], GapCell]
    boroughs: tuple[BoroughGaps, ...]
    lottery: Mapping[str, LotteryIndex]
    services_counted: int
    sites_counted: int

    def cell(self, borough: str, category: str) -> GapCell:
        return self.cells[(borough, category)]

    def borough(self, code: str) -> BoroughGaps:
        for entry in self.boroughs:
            if entry.area.code == code:
                return entry
        raise KeyError(code)

    @property
    def offer_categories(self) -> frozenset[str]:
        return frozenset(item.category for item in self.offer)


def analyse(
    areas: Sequence[Area],
    services: Iterable[ServiceInfo],
    offer: Iterable[OfferItem],
    postcodes: PostcodePoints | None = None,
    *,
    distance_km: float = DEFAULT_DISTANCE_KM,
    cohort: str | None = None,
    band: AgeBand | None = None,
    categories: Sequence[str] = tuple(CATEGORIES),
    today: date | None = None,
) -> GapAnalysis:
    """The gap analysis for every borough and category.

    ``cohort`` and ``band`` restrict which services count (see the module docstring);
    with a ``cohort``, only offer items for everyone or for that cohort apply.
    ``postcodes`` None skips distance coverage (every coverage is then ``None``).
    """
    codes = [a.code for a in areas]
    code_set = frozenset(codes)
    offer_items = tuple(
        item for item in dict.fromkeys(offer) if cohort is None or item.cohort in (None, cohort)
    )
    counted = counting(services, cohort, band, today)

    # services delivered in each (borough, category), and per offer item
    by_cell: dict[tuple[str, str], list[int]] = defaultdict(list)
    met: set[tuple[str, OfferItem]] = set()
    sites_by_category: dict[str, list[tuple[float, float]]] = defaultdict(list)
    sites_counted = 0
    for service in counted:
        where = delivered_in(service, codes) & code_set
        cats = [c for c in categories if c in service.categories]
        for category in cats:
            for code in where:
                by_cell[(code, category)].append(service.id)
        for item in offer_items:
            if item.category in service.categories and serves_cohort(service, item.cohort):
                for code in where:
                    met.add((code, item))
        located = [(s.easting, s.northing) for s in service.sites
                   if s.easting is not None and s.northing is not None]
        sites_counted += len(located)
        for category in cats:
            sites_by_category[category].extend(located)

    coverage: dict[str, dict[str, float | None]] = {}
    index = (
        DistanceIndex(postcodes.x, postcodes.y, distance_km * 1000.0)
        if postcodes is not None and len(postcodes) and sites_by_category
        else None
    )
    for category in categories:
        if postcodes is None:
            coverage[category] = {code: None for code in codes}
        else:
            coverage[category] = coverage_within(
                postcodes, np.asarray(sites_by_category.get(category, []), dtype="float64"),
                distance_km * 1000.0, index,
            )

    offer_by_category: dict[str, list[OfferItem]] = defaultdict(list)
    for item in offer_items:
        offer_by_category[item.category].append(item)

    cells: dict[tuple[str, str], GapCell] = {}
    for code in codes:
        for category in categories:
            items = offer_by_category.get(category, [])
            cells[(code, category)] = GapCell(
                borough=code,
                category=category,
                service_ids=tuple(sorted(set(by_cell.get((code, category), ())))),
                in_offer=bool(items),
                missing=any((code, item) not in met for item in items),
                coverage=coverage[category].get(code),
            )

    boroughs = tuple(
        BoroughGaps(
            area=area,
            missing_items=tuple(i for i in offer_items if (area.code, i) not in met),
            categories_with_none=tuple(
                c for c in categories if not cells[(area.code, c)].service_ids
            ),
            postcodes=postcodes.count(area.code) if postcodes is not None else 0,
        )
        for area in areas
    )

    lottery = {}
    for category in categories:
        counts = [cells[(code, category)].services for code in codes]
        shares = [cells[(code, category)].coverage for code in codes]
        has_sites = bool(sites_by_category.get(category)) and postcodes is not None
        lottery[category] = LotteryIndex(
            category=category,
            gini_services=gini(counts),
            authorities_without=sum(1 for n in counts if n == 0),
            min_services=min(counts, default=0),
            max_services=max(counts, default=0),
            gini_coverage=gini([s or 0.0 for s in shares]) if has_sites else None,
        )

    return GapAnalysis(
        distance_km=distance_km,
        cohort=cohort,
        band=band,
        areas=tuple(areas),
        categories=tuple(categories),
        offer=offer_items,
        cells=cells,
        boroughs=boroughs,
        lottery=lottery,
        services_counted=len(counted),
        sites_counted=sites_counted,
    )


# -- the "missing middle" ----------------------------------------------------------------


@dataclass(frozen=True)
class BandRow:
    """For one age band and category: how many boroughs have a service, and how many serve it."""

    category: str
    boroughs_with: int
    services: int


@dataclass(frozen=True)
class BandSummary:
    band: AgeBand
    rows: tuple[BandRow, ...]
    services: int  # running services serving the band (any category)
    age_specific: int  # of those, services that state an age range


@dataclass(frozen=True)
class MissingMiddle:
    bands: tuple[BandSummary, ...]
    running_services: int
    with_age_range: int  # running services that state an age range
    # categories where the over-30s have a service in fewer boroughs than the 18 to 25s
    worse_for_over_30s: tuple[str, ...]
    # services stating an age range that leaves out the over-30s
    closed_to_over_30s: tuple[str, ...]

    @property
    def gap_in_data(self) -> bool:
        return bool(self.worse_for_over_30s)


def by_age_band(
    areas: Sequence[Area],
    services: Iterable[ServiceInfo],
    *,
    categories: Sequence[str] = tuple(CATEGORIES),
    cohort: str | None = None,
    today: date | None = None,
) -> MissingMiddle:
    """The same borough-by-category count for each age band (18 to 25, 26 to 29, 30+).

    Tests the "missing middle" providers raised in September 2022: over-30s falling
    outside age-specific services. Services with no age range count for every band.
    """
    services = list(services)
    codes = [a.code for a in areas]
    code_set = frozenset(codes)
    running = counting(services, cohort, today=today)
    summaries = []
    boroughs_with: dict[tuple[str, str], int] = {}
    for band in AGE_BANDS:
        serving = [s for s in running if serves_band(s, band)]
        rows = []
        for category in categories:
            in_cat = [s for s in serving if category in s.categories]
            covered: set[str] = set()
            for service in in_cat:
                covered |= delivered_in(service, codes) & code_set
            boroughs_with[(band.slug, category)] = len(covered)
            rows.append(BandRow(category, len(covered), len(in_cat)))
        summaries.append(
            BandSummary(
                band=band,
                rows=tuple(rows),
                services=len(serving),
                age_specific=sum(1 for s in serving if has_age_range(s)),
            )
        )
    young, older = AGE_BANDS[0].slug, AGE_BANDS[-1].slug
    worse = tuple(
        c for c in categories if boroughs_with[(older, c)] < boroughs_with[(young, c)]
    )
    closed = tuple(sorted(s.name for s in running if not serves_band(s, AGE_BANDS[-1])))
    return MissingMiddle(
        bands=tuple(summaries),
        running_services=len(running),
        with_age_range=sum(1 for s in running if has_age_range(s)),
        worse_for_over_30s=worse,
        closed_to_over_30s=closed,
    )


# -- grouping for exports ----------------------------------------------------------------


@dataclass(frozen=True)
class GroupRow:
    """One area (borough, BCU or PDU) and one category, for the CSV export."""

    group_code: str
    group_name: str
    boroughs: tuple[str, ...]
    category: str
    services: int  # distinct services delivered anywhere in the group
    in_offer: bool
    boroughs_missing: int  # boroughs in the group where the offer item is not met
    coverage: float | None  # postcode-weighted across the group's boroughs


NO_BCU = ("no-bcu", "Not in a Met BCU (City of London Police)")
NO_PDU = ("no-pdu", "No PDU recorded")


def grouped(analysis: GapAnalysis, group: str, postcode_counts: Mapping[str, int]) -> list[GroupRow]:
    """Cells added up by BCU or PDU (``group="borough"`` gives one row per cell)."""
    if group not in GROUPS:
        raise ValueError(group)
    members: dict[tuple[str, str], list[str]] = defaultdict(list)
    for area in analysis.areas:
        if group == "borough":
            key = (area.code, area.name)
        elif group == "bcu":
            key = (area.bcu_code, area.bcu_name or "") if area.bcu_code else NO_BCU
        else:
            key = (area.pdu_code, area.pdu_name or "") if area.pdu_code else NO_PDU
        members[key].append(area.code)
    rows = []
    for (code, name), boroughs in members.items():
        for category in analysis.categories:
            cells = [analysis.cell(b, category) for b in boroughs]
            weights = [postcode_counts.get(b, 0) for b in boroughs]
            known = [(c.coverage, w) for c, w in zip(cells, weights) if c.coverage is not None and w]
            total = sum(w for _, w in known)
            rows.append(
                GroupRow(
                    group_code=code,
                    group_name=name,
                    boroughs=tuple(boroughs),
                    category=category,
                    services=len({i for c in cells for i in c.service_ids}),
                    in_offer=cells[0].in_offer,
                    boroughs_missing=sum(1 for c in cells if c.missing),
                    coverage=(sum(v * w for v, w in known) / total) if total else None,
                )
            )
    return rows


# -- query parameters --------------------------------------------------------------------


@dataclass(frozen=True)
class MapQuery:
    category: str | None = None
    cohort: str | None = None
    band: str | None = None
    distance_km: float = DEFAULT_DISTANCE_KM
    group: str = "borough"

    @property
    def age_band(self) -> AgeBand | None:
        return AGE_BAND_SLUGS.get(self.band) if self.band else None


def parse_distance_km(args: Args) -> float:
    value = first(args, "distance_km")
    if value is None:
        return DEFAULT_DISTANCE_KM
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if not np.isfinite(number):
        raise InvalidInput(
            "distance_km", f"distance_km must be a number of kilometres, not '{value[:20]}'."
        )
    if not MIN_DISTANCE_KM <= number <= MAX_DISTANCE_KM:
        raise InvalidInput(
            "distance_km",
            f"distance_km must be between {MIN_DISTANCE_KM:g} and {MAX_DISTANCE_KM:g} kilometres.",
        )
    return round(number, 2)


def parse_map_query(args: Args) -> MapQuery:
    """Raises InvalidInput naming the first value that cannot be used."""
    return MapQuery(
        category=choice(args, "category", CATEGORIES, "category"),
        cohort=choice(args, "cohort", COHORTS, "cohort"),
        band=choice(args, "age", AGE_BAND_SLUGS, "age band"),
        distance_km=parse_distance_km(args),
        group=choice(args, "group", GROUPS, "grouping") or "borough",
    )


__all__ = [
    "AGE_BANDS",
    "AgeBand",
    "Area",
    "BoroughGaps",
    "ServiceInfo",
    "GapAnalysis",
    "GapCell",
    "LotteryIndex",
    "MapQuery",
    "MissingMiddle",
    "OfferItem",
    "PostcodePoints",
    "SiteInfo",
    "analyse",
    "by_age_band",
    "coverage_within",
    "gini",
    "grouped",
    "parse_map_query",
    "to_bng",
]
