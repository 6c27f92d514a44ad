"""Ranking the finder's results: local first, then pan-London, then unconfirmed; nearest first.

Pure and deterministic: the same profile and services always give the same order.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum

from .eligibility import decide
from .oocd import RULES, DisposalAssessment, OocdRules, assess_disposal
from .types import Decision, Profile, ServiceInfo, SiteInfo

__all__ = [
    "EARTH_RADIUS_KM",
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
    results: tuple[Match, ...]  # eligible, best first
    excluded: tuple[Match, ...]  # not eligible, by name
    assessment: DisposalAssessment  # the profile's disposal for this person


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def nearest_site(profile: Profile, service: ServiceInfo) -> tuple[SiteInfo | None, float | None]:
    """The service's delivery site nearest the profile's point, and how far it is.

    ``(None, None)`` when the profile has no point or no site has coordinates. Ties go to
    the site whose name sorts first.
    """
    if profile.lat is None or profile.lon is None:
        return None, None
    best: tuple[float, str, int] | None = None
    for index, site in enumerate(service.sites):
        if site.lat is None or site.lon is None:
            continue
        key = (distance_km(profile.lat, profile.lon, site.lat, site.lon), site.name, index)
        if best is None or key < best:
            best = key
    if best is None:
        return None, None
    return service.sites[best[2]], best[0]


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


def _result_key(match: Match) -> tuple:
    has_distance = match.distance_km is not None
    return (
        match.tier,
        0 if has_distance else 1,
        match.distance_km if has_distance else 0.0,
        match.service.name.casefold(),
        match.service.name,
        match.service.id,
    )


def _excluded_key(match: Match) -> tuple:
    return (match.service.name.casefold(), match.service.name, match.service.id)


def for_other_needs(match: Match) -> bool:
    """Excluded only because it helps with none of the needs asked about."""
    failed = match.decision.failed
    return len(failed) == 1 and failed[0].rule == "needs"


def split_excluded(outcome: FinderOutcome) -> tuple[tuple[Match, ...], tuple[Match, ...]]:
    """The excluded services worth explaining one by one, and those for other needs."""
    relevant = tuple(m for m in outcome.excluded if not for_other_needs(m))
    other = tuple(m for m in outcome.excluded if for_other_needs(m))
    return relevant, other


def rank(
    profile: Profile, services: Iterable[ServiceInfo], *, rules: OocdRules = RULES
) -> FinderOutcome:
    """Decide every service for ``profile`` and order them for the finder.

    Distances are worked out for the eligible services only: the excluded list is by name.
    """
    assessment = assess_disposal(profile, rules)
    results: list[Match] = []
    excluded: list[Match] = []
    for service in services:
        decision = decide(profile, service, rules=rules, assessment=assessment)
        site, km = nearest_site(profile, service) if decision.eligible else (None, None)
        match = Match(
            service=service,
            decision=decision,
            distance_km=km,
            nearest_site=site,
            tier=coverage_tier(profile, service),
        )
        (results if decision.eligible else excluded).append(match)
    return FinderOutcome(
        results=tuple(sorted(results, key=_result_key)),
        excluded=tuple(sorted(excluded, key=_excluded_key)),
        assessment=assessment,
    )
