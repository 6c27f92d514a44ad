"""Ranking the finder's results: local first, then pan-London, then unconfirmed; nearest first.

Pure and deterministic: the same profile and services always give the same order.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum

from .eligibility import decide, helps_with_none, unmet_needs
from .oocd import RULES, DisposalAssessment, OocdRules, assess_disposal
from .types import Decision, Profile, Reason, ServiceInfo, SiteInfo

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
    excluded: tuple[Match, ...]  # not eligible, with every failed rule, by name
    assessment: DisposalAssessment  # the profile's disposal for this person
    # Services that help with none of the needs asked about: excluded for that reason
    # alone (``other_needs_reason``) and not weighed further. By name.
    for_other_needs: tuple[ServiceInfo, ...] = ()
    other_needs_reason: Reason | None = None


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


def _name_key(service: ServiceInfo) -> tuple:
    return service.name_key


def _excluded_key(match: Match) -> tuple:
    return match.service.name_key


def rank(
    profile: Profile, services: Iterable[ServiceInfo], *, rules: OocdRules = RULES
) -> FinderOutcome:
    """Decide every service for ``profile`` and order them for the finder.

    Services for other needs are set aside first, without deciding them: in a large
    catalogue they are most of it. Distances are worked out for eligible services only.
    """
    assessment = assess_disposal(profile, rules)
    results: list[Match] = []
    excluded: list[Match] = []
    other: list[ServiceInfo] = []
    for service in services:
        if helps_with_none(profile, service):
            other.append(service)
            continue
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
        for_other_needs=tuple(sorted(other, key=_name_key)),
        other_needs_reason=unmet_needs(profile.needs) if other else None,
    )
