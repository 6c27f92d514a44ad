"""Coverage and gap analysis: where services are, where the minimum offer is missing.

Pure functions over frozen dataclasses and numpy arrays; no Flask, no SQLAlchemy. The
operations layer loads the rows and calls :func:`analyse`.

What counts
    The one status rule (:mod:`.status`), read on the analysis's day, decides. For each
    borough and category, for one population (gender, age band, cohort):

    - **met**: a service confirmed running that the population can use, delivered in the
      borough (pan-London, naming the borough, or with a delivery site there);
    - **unknown**: no such service, but one whose status is unconfirmed (not confirmed since
      a date, or not known) is delivered there, or one whose boroughs are not named (or not
      recorded at all) may be. A gap in what the directory knows, not necessarily in provision;
    - **missing**: none at all. Ended and planned services never count.

Who a service is for
    A service counts only for the people it serves, read as the finder reads it: its
    genders (none recorded: everyone), its age range (overlapping the band; none recorded:
    every band) and its cohorts (none recorded, or open to anyone: every cohort). Left
    open, a dimension means everyone on it: a category is met for "everyone" only when
    women, men and people of another gender, and each age band, all have a service (one or
    several). Categories for one group by name (women's services, young adults) are asked
    only about that group; a service only for veterans or for neurodivergent people counts
    only in the category named for them.

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
    For each category, the **population-weighted Gini coefficient** of confirmed running
    services per 100,000 residents (Census 2021 usual residents, ``seed/populations.yaml``):
    every resident of London counts once, so the City's 8,500 people do not weigh as much as
    Croydon's 389,700. 0 means every resident has the same provision per head; values near 1
    mean it sits with a few. It says nothing about *which* authorities miss out, so it is
    always shown with the residents living in authorities with no service at all (and with
    only unconfirmed ones). When no authority has a confirmed service there is no index: the
    answer is "no provision anywhere", not "equal". The same index over distance coverage
    is given where delivery sites are recorded; where none are, distance coverage is "no
    delivery sites recorded", never 0%.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

import numpy as np

from .queries import Args, InvalidInput, choice, first
from .status import Standing, read_status
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

GENDER_GROUPS = ("female", "male", "other")
_ALL_GENDERS = frozenset(GENDER_GROUPS)
GENDER_WORDS = {"female": "women", "male": "men", "other": "people of another gender"}
COHORT_WORDS = {
    "oocd": "on a pre-charge or out-of-court disposal",
    "probation": "on probation",
    "prison_leaver": "leaving prison",
    "remand": "on remand",
    "general_public": "with no criminal justice status",
}
GENDER_CHOICES = {"female": "Women", "male": "Men", "other": "Another gender"}
OPEN_TO_ANYONE = "general_public"
# Categories that are, by their name, for one group: only that group is asked about them.
CATEGORY_GENDERS = {"women": frozenset({"female"})}
CATEGORY_BANDS = {"young_adults": frozenset({"18-25"})}
# Services only for one group count only in the category named for that group.
GROUP_CATEGORIES = {"veterans_only": "veterans", "neurodivergent_only": "neurodiversity"}


def serves_category(service: ServiceInfo, category: str) -> bool:
    """In the category, and not only for a group (veterans, neurodivergent people) that
    the category is not named for."""
    if category not in service.categories:
        return False
    return all(category == named for flag, named in GROUP_CATEGORIES.items() if getattr(service, flag, False))


@dataclass(frozen=True)
class Population:
    """Who a figure is for. None on a dimension means everyone on it: every gender and every
    age band must then be served (by one service or several) for a category to be met."""

    gender: str | None = None
    band: AgeBand | None = None
    cohort: str | None = None

    def segments(self, category: str | None) -> tuple[tuple[str, AgeBand], ...]:
        """The (gender, age band) groups that must each be served; none when the category
        is not for this population (women's services for men)."""
        genders = (self.gender,) if self.gender else GENDER_GROUPS
        bands = (self.band,) if self.band else AGE_BANDS
        if category in CATEGORY_GENDERS:
            genders = tuple(g for g in genders if g in CATEGORY_GENDERS[category])
        if category in CATEGORY_BANDS:
            bands = tuple(b for b in bands if b.slug in CATEGORY_BANDS[category])
        return tuple((g, b) for g in genders for b in bands)

    @property
    def is_everyone(self) -> bool:
        return self.gender is None and self.band is None and self.cohort is None

    def describe(self) -> str:
        """ "Everyone (all genders and ages, any cohort)", "Women aged 18 to 25 on probation"."""
        if self.is_everyone:
            return "Everyone: all genders and all ages, any criminal justice status"
        who = GENDER_WORDS[self.gender].capitalize() if self.gender else "People of any gender"
        parts = [who]
        parts.append(f"aged {self.band.label.lower()}" if self.band else "of any age")
        parts.append(COHORT_WORDS.get(self.cohort, self.cohort) if self.cohort else "with any criminal justice status")
        return " ".join(parts)

    def query_args(self) -> dict[str, str]:
        args = {}
        if self.gender:
            args["gender"] = self.gender
        if self.band:
            args["age"] = self.band.slug
        if self.cohort:
            args["cohort"] = self.cohort
        return args


def is_running(service: ServiceInfo, today: date | None = None) -> bool:
    """Counts as present on ``today`` by the one status rule (:mod:`.status`): ended and
    planned (not yet running) services never count."""
    return read_status(service.status_evidence, today).counts_as_present


def serves_cohort(service: ServiceInfo, cohort: str | None) -> bool:
    """As the finder reads it: no cohort recorded, or open to anyone, serves every cohort."""
    return cohort is None or not service.cohorts or cohort in service.cohorts or OPEN_TO_ANYONE in service.cohorts


def serves_gender(service: ServiceInfo, gender: str | None) -> bool:
    """As the finder reads it: a service recording some genders serves only those."""
    if gender is None or not service.genders:
        return True
    served = service.genders & _ALL_GENDERS
    return not served or served == _ALL_GENDERS or gender in served


def coverage_unnamed(service: ServiceInfo) -> bool:
    """Its boroughs are not all named: "delivered in 6 boroughs", or nothing recorded at
    all. It may be in any borough it does not name, so it makes a borough unknown, never met."""
    if service.pan_london:
        return False
    if service.unnamed_borough_count:
        return True
    return not service.borough_codes and not any(s.borough_code for s in service.sites)


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
    return [s for s in services if is_running(s, today) and serves_cohort(s, cohort) and serves_band(s, band)]


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
        return np.floor(x / self.side).astype(np.int64) * self._STRIDE + np.floor(y / self.side).astype(np.int64)

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


def within_distance(px: np.ndarray, py: np.ndarray, sx: np.ndarray, sy: np.ndarray, distance: float) -> np.ndarray:
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

MET, UNKNOWN, MISSING = "met", "unknown", "missing"
STATES = (MET, UNKNOWN, MISSING)
STATE_LABELS = {MET: "Met", UNKNOWN: "Unknown", MISSING: "Missing"}
UNKNOWN_CAVEAT = (
    "Unknown means a service may be there but the directory cannot confirm it: its status "
    "is not confirmed since a date or not known, or the boroughs it covers are not named. "
    "Unknowns are gaps in what the directory knows, not necessarily gaps in provision."
)
NO_SITES = "no delivery sites recorded"


def worst(states: Iterable[str]) -> str:
    """Missing if any is missing, else unknown if any is unknown, else met."""
    found = set(states)
    for state in (MISSING, UNKNOWN):
        if state in found:
            return state
    return MET


@dataclass(frozen=True)
class GapCell:
    """One borough and one category, for the analysis's population."""

    borough: str
    category: str
    service_ids: tuple[int, ...]  # confirmed running there, serving some of the population
    unknown_ids: tuple[int, ...]  # unconfirmed status or coverage, serving some of it
    state: str | None  # MET, UNKNOWN or MISSING; None: the category is not for this population
    in_offer: bool
    offer_state: str | None  # the worst state of the offer items for this category
    coverage: float | None  # share of postcodes within the distance of a site
    has_sites: bool = True  # False: no delivery site recorded, so no distance coverage

    @property
    def services(self) -> int:
        return len(self.service_ids)

    @property
    def unknowns(self) -> int:
        return len(self.unknown_ids)

    @property
    def missing(self) -> bool:
        """An offer item for this category has no service, confirmed or not."""
        return self.offer_state == MISSING

    @property
    def unknown(self) -> bool:
        return self.offer_state == UNKNOWN


@dataclass(frozen=True)
class BoroughGaps:
    area: Area
    met_items: tuple[OfferItem, ...]
    unknown_items: tuple[OfferItem, ...]
    missing_items: tuple[OfferItem, ...]
    categories_with_none: tuple[str, ...]
    postcodes: int
    population: int | None = None

    @property
    def met_count(self) -> int:
        return len(self.met_items)

    @property
    def unknown_count(self) -> int:
        return len(self.unknown_items)

    @property
    def missing_count(self) -> int:
        return len(self.missing_items)


@dataclass(frozen=True)
class LotteryIndex:
    """How unequal a category's provision is between authorities, for the population.

    ``gini_services`` is the population-weighted Gini of confirmed running services per
    100,000 residents (None when no authority has one: "no provision anywhere", not
    "equal"). ``residents_without`` live in authorities with no service at all, confirmed
    or not; ``residents_unknown`` where only unconfirmed ones are recorded.
    """

    category: str
    gini_services: float | None
    authorities_without: int
    authorities_unknown: int
    residents_without: int | None
    residents_unknown: int | None
    residents_total: int | None
    min_services: int
    max_services: int
    gini_coverage: float | None  # None when no site is recorded for the category

    @property
    def no_provision(self) -> bool:
        return self.max_services == 0

    @property
    def share_without(self) -> float | None:
        if not self.residents_total or self.residents_without is None:
            return None
        return self.residents_without / self.residents_total


def weighted_gini(values: Sequence[float], weights: Sequence[float]) -> float | None:
    """Gini of ``values`` where each counts ``weights`` times (population weighting).

    Mean absolute difference over all pairs of people, halved and divided by the mean:
    G = sum_ij w_i w_j |x_i - x_j| / (2 W^2 mean). None when every value is zero.
    """
    x = np.asarray(values, dtype="float64")
    w = np.asarray(weights, dtype="float64")
    if len(x) == 0 or w.sum() <= 0:
        return None
    if np.any(x < 0) or np.any(w < 0):
        raise ValueError("weighted_gini() needs values and weights that are zero or more")
    total = w.sum()
    mean = float((x * w).sum() / total)
    if mean <= 0:
        return None
    diff = np.abs(x[:, None] - x[None, :])
    value = float((w[:, None] * w[None, :] * diff).sum() / (2 * total * total * mean))
    return min(max(value, 0.0), 1.0)


@dataclass(frozen=True)
class GapAnalysis:
    distance_km: float
    population_filter: Population
    areas: tuple[Area, ...]
    categories: tuple[str, ...]
    offer: tuple[OfferItem, ...]
    cells: Mapping[tuple[str, str], GapCell]
    boroughs: tuple[BoroughGaps, ...]
    lottery: Mapping[str, LotteryIndex]
    services_counted: int
    sites_counted: int
    populations: Mapping[str, int] = field(default_factory=dict)

    @property
    def cohort(self) -> str | None:
        return self.population_filter.cohort

    @property
    def band(self) -> AgeBand | None:
        return self.population_filter.band

    @property
    def gender(self) -> str | None:
        return self.population_filter.gender

    @property
    def population_label(self) -> str:
        return self.population_filter.describe()

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
    gender: str | None = None,
    categories: Sequence[str] = tuple(CATEGORIES),
    today: date | None = None,
    populations: Mapping[str, int] | None = None,
) -> GapAnalysis:
    """The gap analysis for every borough and category, for one population.

    The population is ``gender``, ``band`` and ``cohort`` (each None for everyone). A
    category is met for it only when every group in it (each gender, each age band) has a
    confirmed running service it can use: a women-only service meets it for women, not
    for men. With a ``cohort``, only offer items for everyone or for that cohort apply.
    ``postcodes`` None skips distance coverage (every coverage is then ``None``).
    ``populations`` (residents by authority code) weights the postcode-lottery index.
    """
    services = list(services)
    population = Population(gender=gender, band=band, cohort=cohort)
    codes = [a.code for a in areas]
    populations = dict(populations or {})
    offer_items = tuple(
        item
        for item in dict.fromkeys(offer)
        if (cohort is None or item.cohort in (None, cohort)) and population.segments(item.category)
    )

    # each service's state in each borough, and which groups of the population it serves
    code_set = frozenset(codes)
    category_set = frozenset(categories)
    readings: dict[int, bool] = {}  # service id -> confirmed running
    relevant: list[ServiceInfo] = []
    at: dict[tuple[str, str], list[tuple[ServiceInfo, str]]] = defaultdict(list)
    for service in services:
        reading = read_status(service.status_evidence, today)
        if reading.excludes or not serves_cohort(service, cohort):
            continue
        confirmed = reading.standing is Standing.CONFIRMED
        placed = delivered_in(service, codes) & code_set
        where = {code: (MET if confirmed else UNKNOWN) for code in placed}
        if coverage_unnamed(service):
            where.update({code: UNKNOWN for code in codes if code not in placed})
        if not where:
            continue
        readings[service.id] = confirmed
        relevant.append(service)
        for category in service.categories & category_set:
            if serves_category(service, category):
                for code, state in where.items():
                    at[(code, category)].append((service, state))

    segments_of = {category: population.segments(category) for category in categories}
    masks: dict[tuple[int, str, str | None], int] = {}

    def mask(service: ServiceInfo, category: str, item_cohort: str | None) -> int:
        """Bit i set when the service serves the category's i-th group of the population."""
        key = (service.id, category, item_cohort)
        if key not in masks:
            bits = 0
            if serves_cohort(service, item_cohort):
                for i, (seg_gender, seg_band) in enumerate(segments_of[category]):
                    if serves_gender(service, seg_gender) and serves_band(service, seg_band):
                        bits |= 1 << i
            masks[key] = bits
        return masks[key]

    def state_for(code: str, category: str, item_cohort: str | None) -> tuple[str | None, set[int], set[int]]:
        segments = segments_of[category]
        if not segments:
            return None, set(), set()
        full = (1 << len(segments)) - 1
        met_bits = any_bits = 0
        met_ids: set[int] = set()
        unknown_ids: set[int] = set()
        for service, state in at.get((code, category), ()):
            bits = mask(service, category, item_cohort)
            if not bits:
                continue
            any_bits |= bits
            if state == MET:
                met_bits |= bits
                met_ids.add(service.id)
            else:
                unknown_ids.add(service.id)
        if any_bits != full:
            return MISSING, met_ids, unknown_ids
        return (MET if met_bits == full else UNKNOWN), met_ids, unknown_ids

    # distance coverage: delivery sites of services confirmed running for the population
    sites_by_category: dict[str, list[tuple[float, float]]] = defaultdict(list)
    counted_sites: set[tuple[int, float, float]] = set()
    everyone = population.segments(None)
    for service in relevant:
        if not readings[service.id]:
            continue
        if not any(serves_gender(service, g) and serves_band(service, b) for g, b in everyone):
            continue
        located = [(s.easting, s.northing) for s in service.sites if s.easting is not None and s.northing is not None]
        counted_sites.update((service.id, x, y) for x, y in located)
        for category in categories:
            if serves_category(service, category):
                sites_by_category[category].extend(located)

    coverage: dict[str, dict[str, float | None]] = {}
    index = (
        DistanceIndex(postcodes.x, postcodes.y, distance_km * 1000.0)
        if postcodes is not None and len(postcodes) and sites_by_category
        else None
    )
    for category in categories:
        if postcodes is None or not sites_by_category.get(category):
            coverage[category] = {code: None for code in codes}
        else:
            coverage[category] = coverage_within(
                postcodes,
                np.asarray(sites_by_category[category], dtype="float64"),
                distance_km * 1000.0,
                index,
            )

    offer_by_category: dict[str, list[OfferItem]] = defaultdict(list)
    for item in offer_items:
        offer_by_category[item.category].append(item)

    cells: dict[tuple[str, str], GapCell] = {}
    item_states: dict[tuple[str, OfferItem], str] = {}
    for code in codes:
        for category in categories:
            state, met_ids, unknown_ids = state_for(code, category, cohort)
            items = offer_by_category.get(category, [])
            for item in items:
                item_states[(code, item)] = (
                    state if item.cohort == cohort else state_for(code, category, item.cohort)[0]
                ) or MISSING
            cells[(code, category)] = GapCell(
                borough=code,
                category=category,
                service_ids=tuple(sorted(met_ids)),
                unknown_ids=tuple(sorted(unknown_ids - met_ids)),
                state=state,
                in_offer=bool(items),
                offer_state=worst(item_states[(code, i)] for i in items) if items else None,
                coverage=coverage[category].get(code),
                has_sites=bool(sites_by_category.get(category)),
            )

    boroughs = tuple(
        BoroughGaps(
            area=area,
            met_items=tuple(i for i in offer_items if item_states[(area.code, i)] == MET),
            unknown_items=tuple(i for i in offer_items if item_states[(area.code, i)] == UNKNOWN),
            missing_items=tuple(i for i in offer_items if item_states[(area.code, i)] == MISSING),
            categories_with_none=tuple(c for c in categories if cells[(area.code, c)].state == MISSING),
            postcodes=postcodes.count(area.code) if postcodes is not None else 0,
            population=populations.get(area.code),
        )
        for area in areas
    )

    weighted = bool(codes) and all(populations.get(code) for code in codes)
    lottery = {}
    for category in categories:
        applicable = [code for code in codes if cells[(code, category)].state is not None]
        counts = [cells[(code, category)].services for code in applicable]
        shares = [cells[(code, category)].coverage for code in applicable]
        has_sites = bool(sites_by_category.get(category)) and postcodes is not None
        without = [c for c in applicable if cells[(c, category)].state == MISSING]
        unknown = [c for c in applicable if cells[(c, category)].state == UNKNOWN]
        weights = [populations[c] for c in applicable] if weighted else [1] * len(applicable)
        per_capita = [n / w * 100_000 for n, w in zip(counts, weights)] if weighted else counts
        lottery[category] = LotteryIndex(
            category=category,
            gini_services=weighted_gini(per_capita, weights),
            authorities_without=len(without),
            authorities_unknown=len(unknown),
            residents_without=sum(populations[c] for c in without) if weighted else None,
            residents_unknown=sum(populations[c] for c in unknown) if weighted else None,
            residents_total=sum(populations[c] for c in applicable) if weighted else None,
            min_services=min(counts, default=0),
            max_services=max(counts, default=0),
            gini_coverage=(weighted_gini([s or 0.0 for s in shares], weights) if has_sites else None),
        )

    return GapAnalysis(
        distance_km=distance_km,
        population_filter=population,
        areas=tuple(areas),
        categories=tuple(categories),
        offer=offer_items,
        cells=cells,
        boroughs=boroughs,
        lottery=lottery,
        services_counted=len({i for c in cells.values() for i in c.service_ids}),
        sites_counted=len(counted_sites),
        populations=populations,
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
    """The same borough-by-category count for each age band (18 to 25, 26 to 29, 30+), of
    services confirmed running (as "met" in the gap analysis).

    Tests the "missing middle" providers raised in September 2022: over-30s falling
    outside age-specific services. Services with no age range count for every band.
    """
    services = list(services)
    codes = [a.code for a in areas]
    code_set = frozenset(codes)
    running = [
        s
        for s in services
        if serves_cohort(s, cohort) and read_status(s.status_evidence, today).standing is Standing.CONFIRMED
    ]
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
    worse = tuple(c for c in categories if boroughs_with[(older, c)] < boroughs_with[(young, c)])
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
    boroughs_missing: int  # boroughs in the group with no service for the offer item
    boroughs_unknown: int  # boroughs in the group where only unconfirmed services are recorded
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
                    boroughs_unknown=sum(1 for c in cells if c.unknown),
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
    gender: str | None = None
    distance_km: float = DEFAULT_DISTANCE_KM
    group: str = "borough"

    @property
    def age_band(self) -> AgeBand | None:
        return AGE_BAND_SLUGS.get(self.band) if self.band else None

    @property
    def population(self) -> Population:
        return Population(gender=self.gender, band=self.age_band, cohort=self.cohort)


def parse_distance_km(args: Args) -> float:
    value = first(args, "distance_km")
    if value is None:
        return DEFAULT_DISTANCE_KM
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if not np.isfinite(number):
        raise InvalidInput("distance_km", f"distance_km must be a number of kilometres, not '{value[:20]}'.")
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
        gender=choice(args, "gender", GENDER_CHOICES, "gender"),
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
