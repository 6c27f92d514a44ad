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
from .eligibility import (
    BUILT_FOR_PROFILE_FIELDS,
    BUILT_FOR_SERVICE_FIELDS,
    COVERAGE_FIELDS,
    DISPOSAL_RULE,
    STATUS_FIELDS,
    built_for,
    decide,
    person_cohorts,
    selecting_categories,
    unmet_needs_for,
)
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
    built_for_person: bool = False  # built for who the person is (women, veterans...)


@dataclass(frozen=True)
class FinderOutcome:
    results: Sequence[Match]  # eligible, best first
    excluded: Sequence[Match]  # not eligible, with every failed rule, by name
    assessment: DisposalAssessment  # the profile's disposal for this person
    # Services that help with none of the needs asked about: excluded for that reason
    # alone (``other_needs_reason``) and not weighed further. By name.
    for_other_needs: Sequence[ServiceInfo] = ()
    other_needs_reason: Reason | None = None
    local_count: int = 0  # results delivered in the person's borough
    pan_london_count: int = 0
    built_for_count: int = 0  # results built for who the person is: they come first
    order: str = ""  # how the results are ordered, in a sentence


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
    """Eligible services in the finder's order, placed a group at a time as they are read.

    Groups are ``((built for the person: 0, else 1), (confirmed running: 0, else 1)), tier)``,
    best first. Items are
    ``(no distance, distance or 0, position, nearest site, distance, tier, built for)``. A
    page of results seldom reads beyond the first group or two, so distances to the sites
    of services further down are worked out only if someone reads that far.
    """

    def __init__(
        self,
        profile: Profile,
        services: Sequence[ServiceInfo],
        groups: list[tuple[tuple[tuple[int, int], Tier], int]],
    ):
        self._profile = profile
        self._services = services
        self._pending = [(key, bits) for key, bits in sorted(groups) if bits]
        self._count = sum(bits.bit_count() for _, bits in self._pending)
        self._placed: list[tuple] = []

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index: int) -> tuple:  # Deferred reads one index at a time
        while index >= len(self._placed) and self._pending:
            ((group, _standing), tier), bits = self._pending.pop(0)
            placed = []
            for pos in positions(bits):
                site, km = nearest_site(self._profile, self._services[pos])
                # Positions are in name order, so they break ties by name.
                placed.append((km is None, km or 0.0, pos, site, km, tier, group == 0))
            placed.sort(key=lambda p: p[:3])
            self._placed.extend(placed)
        return self._placed[index]


def _join(items: Sequence[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def describe_order(
    profile: Profile,
    built_for_count: int,
    tiers_present: Iterable[Tier],
    unconfirmed_count: int = 0,
    total: int = 0,
) -> str:
    """How the results are ordered, truthfully, for the line under their heading."""
    parts = []
    if built_for_count:
        parts.append(f"services built for {_join(person_cohorts(profile))} first")
    if 0 < unconfirmed_count < total:
        parts.append("services confirmed running before those not confirmed")
    present = sorted(set(tiers_present))
    if len(present) > 1:
        where = {
            Tier.LOCAL: f"those delivered in {profile.borough_name or 'the borough'}",
            Tier.PAN_LONDON: "pan-London ones",
            Tier.LISTED: "those delivered in named boroughs",
            Tier.UNCONFIRMED: "those whose coverage is not confirmed",
        }
        parts.append(", then ".join(where[t] for t in present))
    within = "nearest delivery site first" if profile.lat is not None else "by name"
    if not parts:
        return f"{within[:1].upper()}{within[1:]}."
    sentence = "; then ".join(parts) + f"; within each, {within}."
    return sentence[:1].upper() + sentence[1:]


def rank(
    profile: Profile,
    services: CatalogueIndex | Iterable[ServiceInfo],
    *,
    rules: OocdRules = RULES,
    only_tiers: frozenset[Tier] | None = None,
) -> FinderOutcome:
    """Every service for ``profile``: eligible ones best first, the rest by name.

    ``services`` is best a :class:`CatalogueIndex` kept between requests: the index decides
    who is eligible in bulk, and each list decides its services (the reasons) as they are
    read. Distances are worked out for eligible services only, a tier at a time.
    ``only_tiers`` keeps the results of those coverage tiers only.
    """
    index = services if isinstance(services, CatalogueIndex) else CatalogueIndex(services)
    catalogue = index.services
    assessment = assess_disposal(profile, rules)
    candidates = index.sharing_needs(selecting_categories(profile))
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
    local_count = (eligible & tiers.get(Tier.LOCAL, 0)).bit_count()
    pan_london_count = (eligible & tiers.get(Tier.PAN_LONDON, 0)).bit_count()
    cohort = index.classify(
        "built_for",
        lambda p, s: bool(built_for(p, s)),
        profile,
        BUILT_FOR_PROFILE_FIELDS,
        BUILT_FOR_SERVICE_FIELDS,
    ).get(True, 0)
    confirmed = index.classify("confirmed", is_confirmed, profile, ("today",), STATUS_FIELDS).get(True, 0)
    # Services built for the person first; within those, confirmed running ones; then the tier.
    shown = [
        (((group, standing), tier), eligible & bits & members & standing_bits)
        for tier, bits in tiers.items()
        if only_tiers is None or tier in only_tiers
        for group, members in ((0, cohort), (1, ~cohort))
        for standing, standing_bits in ((0, confirmed), (1, ~confirmed))
    ]
    order = _NearestFirst(profile, catalogue, shown)
    built_for_count = (eligible & cohort).bit_count()
    unconfirmed_count = (eligible & ~confirmed).bit_count()

    def result(placing: tuple) -> Match:
        _, _, pos, site, km, tier, built = placing
        return Match(catalogue[pos], decision_for(pos), km, site, tier, built)

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
        other_needs_reason=unmet_needs_for(profile) if other_needs else None,
        local_count=local_count,
        pan_london_count=pan_london_count,
        built_for_count=built_for_count,
        order=describe_order(
            profile,
            built_for_count,
            [tier for (_, tier), bits in shown if bits],
            unconfirmed_count,
            eligible.bit_count(),
        ),
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
