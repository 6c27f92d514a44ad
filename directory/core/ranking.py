"""Ranking the finder's results: confirmed running first; local, then pan-London, then
unconfirmed coverage; nearest first.

Pure and deterministic: the same profile and services always give the same order.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import IntEnum

from .catalogue_index import CatalogueIndex, Deferred, Positions, positions
from .eligibility import COVERAGE_FIELDS, DISPOSAL_RULE, STATUS_FIELDS, decide, unmet_needs
from .oocd import RULES, DisposalAssessment, OocdRules, assess_disposal
from .status import Standing, read_status
from .types import Decision, Profile, Reason, ServiceInfo, SiteInfo

__all__ = [
    "EARTH_RADIUS_KM",
    "TIER_FIELDS",
    "warm",
    "Tier",
    "TIER_LABELS",
    "Match",
    "FinderOutcome",
    "distance_km",
    "nearest_site",
    "coverage_tier",
    "rank",
]

EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG)


class Tier(IntEnum):
    """How sure we are that a service reaches the person's borough; lower ranks first."""

    LOCAL = 0  # delivered in the person's borough
    PAN_LONDON = 1
    LISTED = 2  # delivered in named boroughs; the person's borough was not given
    UNCONFIRMED = 3  # coverage not recorded, unnamed or unconfirmed


TIER_LABELS = {
    Tier.LOCAL: "In this borough",
    Tier.PAN_LONDON: "Pan-London",
    Tier.LISTED: "In named boroughs",
    Tier.UNCONFIRMED: "Coverage not confirmed",
}


@dataclass(frozen=True)
class Match:
    service: ServiceInfo
    decision: Decision
    distance_km: float | None
    nearest_site: SiteInfo | None
    tier: Tier


@dataclass(frozen=True)
class FinderOutcome:
    results: Sequence[Match]  # eligible, best first
    excluded: Sequence[Match]  # not eligible, with every failed rule, by name
    assessment: DisposalAssessment  # the profile's disposal for this person
    # Services that help with none of the needs asked about: excluded for that reason
    # alone (``other_needs_reason``) and not weighed further. By name.
    for_other_needs: Sequence[ServiceInfo] = ()
    other_needs_reason: Reason | None = None


def _haversine(phi1: float, cos1: float, lon1: float, phi2: float, cos2: float, lon2: float) -> float:
    h = math.sin((phi2 - phi1) / 2) ** 2 + cos1 * cos2 * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    return _haversine(phi1, math.cos(phi1), lon1, phi2, math.cos(phi2), lon2)


def nearest_site(profile: Profile, service: ServiceInfo) -> tuple[SiteInfo | None, float | None]:
    """The service's delivery site nearest the profile's point, and how far it is.

    ``(None, None)`` when the profile has no point or no site has coordinates. Ties go to
    the site whose name sorts first.
    """
    if profile.lat is None or profile.lon is None or not service.located_sites:
        return None, None
    phi1 = math.radians(profile.lat)
    cos1, lon1 = math.cos(phi1), profile.lon
    sites = service.sites
    best_km, best = math.inf, -1
    for index, phi2, cos2, lon2 in service.located_sites:
        km = _haversine(phi1, cos1, lon1, phi2, cos2, lon2)
        if km < best_km or (km == best_km and (sites[index].name, index) < (sites[best].name, best)):
            best_km, best = km, index
    return sites[best], best_km


# coverage_tier reads the profile's borough and the service's coverage, nothing else.
TIER_FIELDS = ("borough_code",)


def coverage_tier(profile: Profile, service: ServiceInfo) -> Tier:
    if not service.coverage_confirmed:
        return Tier.UNCONFIRMED
    if profile.borough_code is not None and profile.borough_code in service.borough_codes:
        return Tier.LOCAL
    if service.pan_london:
        return Tier.PAN_LONDON
    if profile.borough_code is None and service.borough_codes and not service.unnamed_borough_count:
        return Tier.LISTED
    return Tier.UNCONFIRMED


def is_confirmed(profile: Profile, service: ServiceInfo) -> bool:
    """Confirmed running on the profile's day: ranked above services that are not."""
    return read_status(service.status_evidence, profile.today).standing is Standing.CONFIRMED


class _NearestFirst(Sequence[tuple]):
    """Eligible services in the finder's order, placed a tier at a time as they are read.

    Items are ``(no distance, distance or 0, position, nearest site, distance, tier)``. A
    page of results seldom reads beyond the first tier or two, so distances to the sites of
    services further down are worked out only if someone reads that far.
    """

    def __init__(self, profile: Profile, services: Sequence[ServiceInfo], tiers: list[tuple[Tier, int]]):
        self._profile = profile
        self._services = services
        self._pending = [(tier, bits) for tier, bits in tiers if bits]
        self._count = sum(bits.bit_count() for _, bits in self._pending)
        self._placed: list[tuple] = []

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index: int) -> tuple:  # Deferred reads one index at a time
        while index >= len(self._placed) and self._pending:
            tier, bits = self._pending.pop(0)
            placed = []
            for pos in positions(bits):
                site, km = nearest_site(self._profile, self._services[pos])
                # Positions are in name order, so they break ties by name.
                placed.append((km is None, km or 0.0, pos, site, km, tier))
            placed.sort(key=lambda p: p[:3])
            self._placed.extend(placed)
        return self._placed[index]


def rank(
    profile: Profile,
    services: CatalogueIndex | Iterable[ServiceInfo],
    *,
    rules: OocdRules = RULES,
) -> FinderOutcome:
    """Every service for ``profile``: eligible ones best first, the rest by name.

    ``services`` is best a :class:`CatalogueIndex` kept between requests: the index decides
    who is eligible in bulk, and each list decides its services (the reasons) as they are
    read. Distances are worked out for eligible services only, a tier at a time.
    """
    index = services if isinstance(services, CatalogueIndex) else CatalogueIndex(services)
    catalogue = index.services
    assessment = assess_disposal(profile, rules)
    candidates = index.sharing_needs(profile.needs)
    eligible = index.passing_screened_rules(profile, candidates)
    decisions: dict[int, Decision] = {}
    if profile.disposal is not None and not assessment.available:
        eligible = 0  # every service fails on the disposal, with the assessment's reasons
    elif profile.disposal is not None and rules is RULES:
        eligible &= ~index.failing(DISPOSAL_RULE, profile)
    elif profile.disposal is not None:  # other tables (not kept in the index): decide here
        for pos in positions(eligible):
            decision = decide(profile, catalogue[pos], rules=rules, assessment=assessment)
            decisions[pos] = decision
            if not decision.eligible:
                eligible &= ~(1 << pos)

    def decision_for(pos: int) -> Decision:
        if pos not in decisions:
            decisions[pos] = decide(profile, catalogue[pos], rules=rules, assessment=assessment)
        return decisions[pos]

    tiers = index.classify("tier", coverage_tier, profile, TIER_FIELDS, COVERAGE_FIELDS)
    confirmed = index.classify(
        "confirmed", is_confirmed, profile, ("today",), STATUS_FIELDS
    ).get(True, 0)
    order = _NearestFirst(
        profile,
        catalogue,
        [(tier, eligible & bits & confirmed) for tier, bits in sorted(tiers.items())]
        + [(tier, eligible & bits & ~confirmed) for tier, bits in sorted(tiers.items())],
    )

    def result(placing: tuple) -> Match:
        _, _, pos, site, km, tier = placing
        return Match(catalogue[pos], decision_for(pos), km, site, tier)

    def excluded(pos: int) -> Match:
        service = catalogue[pos]
        return Match(service, decision_for(pos), None, None, coverage_tier(profile, service))

    not_eligible = candidates & ~eligible
    other_needs = index.everything & ~candidates
    return FinderOutcome(
        results=Deferred(order, result),
        excluded=Deferred(Positions(not_eligible), excluded),
        assessment=assessment,
        for_other_needs=Deferred(Positions(other_needs), catalogue.__getitem__),
        other_needs_reason=unmet_needs(profile.needs) if other_needs else None,
    )


def warm(index: CatalogueIndex, borough_codes: Iterable[str], today: date) -> None:
    """Work out ahead of requests what every borough's requests ask the index first.

    Coverage (the borough rule and the tiers) is the costliest verdict to work out and
    differs by borough; a first request from each borough would otherwise pay for it. Site
    points too: on Python 3.11 a first ``cached_property`` read holds a lock across threads.
    """
    for service in index.services:
        service.located_sites  # noqa: B018  (worked out once, before threads want it)
    for code in borough_codes:
        rank(Profile(borough_code=code, today=today), index)

