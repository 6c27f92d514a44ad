"""Frozen dataclasses that cross the boundary between the core and the rest of the app."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache


@dataclass(frozen=True)
class PostcodeRecord:
    """One postcode from the ONS Postcode Directory."""

    postcode: str  # normalised, e.g. "SW1A 1AA"
    la_code: str  # ONS local authority code, e.g. "E09000033"
    lat: float | None
    lon: float | None
    easting: float | None = None
    northing: float | None = None

    @property
    def in_london(self) -> bool:
        return self.la_code.startswith("E09")


@dataclass(frozen=True)
class PartialDate:
    """A date known to a day, a month or only a year ("ended in January 2023")."""

    value: date
    precision: str = "day"  # "day" | "month" | "year"

    def describe(self) -> str:
        return _describe(self.value, self.precision)


@lru_cache(maxsize=4096)
def _describe(value: date, precision: str) -> str:
    if precision == "year":
        return f"{value.year}"
    if precision == "month":
        return value.strftime("%B %Y")
    return f"{value.day} {value.strftime('%B %Y')}"


@dataclass(frozen=True)
class Area:
    """One of the 33 London authorities, with its police and probation areas; or, read
    through :attr:`bcu`, a police BCU."""

    code: str
    name: str
    bcu_code: str | None = None
    bcu_name: str | None = None
    pdu_code: str | None = None
    pdu_name: str | None = None

    @property
    def bcu(self) -> Area | None:
        return Area(self.bcu_code, self.bcu_name or self.bcu_code) if self.bcu_code else None


@dataclass(frozen=True)
class SiteInfo:
    """A delivery site: its borough (if known) and its point in degrees and in British
    National Grid metres (if known)."""

    name: str
    postcode: str | None
    borough_code: str | None
    lat: float | None
    lon: float | None
    easting: float | None = None
    northing: float | None = None


@dataclass(frozen=True)
class ServiceInfo:
    """What the eligibility engine needs to know about one service.

    A value of ``None`` (or an empty collection, where noted) means the sources do not say,
    and the engine never excludes anyone on an unknown.
    """

    id: int
    slug: str
    name: str
    status: str  # vocabulary.STATUSES
    ends_on: PartialDate | None = None
    starts_on: PartialDate | None = None
    funded_until: PartialDate | None = None
    status_as_of: date | None = None  # the date of the source the status comes from
    status_as_of_precision: str = "day"
    status_source: str | None = None  # that source, in words
    pan_london: bool = False
    borough_codes: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()
    cohorts: frozenset[str] = frozenset()  # empty: not stated
    min_age: int | None = None
    max_age: int | None = None
    genders: frozenset[str] = frozenset()  # empty: any / not stated
    risk_levels: frozenset[str] = frozenset()  # empty: not stated
    offences_accepted: frozenset[str] = frozenset()  # empty: not restricted
    offences_excluded: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()  # empty: not stated
    veterans_only: bool = False
    neurodivergent_only: bool = False
    oocd_disposals: frozenset[str] = frozenset()
    oocd_condition_kinds: frozenset[str] = frozenset()
    oocd_hours: float | None = None
    oocd_completion_weeks: float | None = None
    sites: tuple[SiteInfo, ...] = ()
    # Coverage the sources describe without naming it: "delivered in 10 London boroughs"
    # (the count, with any named ones in borough_codes), or availability in London not
    # confirmed at all. Either way the engine notes it and never excludes on it.
    unnamed_borough_count: int | None = None
    coverage_confirmed: bool = True

    @cached_property
    def status_evidence(self):
        from .status import StatusEvidence

        return StatusEvidence(
            status=self.status,
            as_of=self.status_as_of,
            source=self.status_source,
            starts_on=self.starts_on,
            ends_on=self.ends_on,
            funded_until=self.funded_until,
            as_of_precision=self.status_as_of_precision,
        )

    @cached_property
    def name_key(self) -> tuple[str, str, int]:
        """Sorts by name, case-insensitively, then by id: the finder's order for lists."""
        return (self.name.casefold(), self.name, self.id)

    @cached_property
    def located_sites(self) -> tuple[tuple[int, float, float, float], ...]:
        """Sites with coordinates, for distances: (index in ``sites``, latitude in radians,
        its cosine, longitude in degrees). Worked out once per service value."""
        return tuple(
            (index, phi, math.cos(phi), site.lon)
            for index, site in enumerate(self.sites)
            if site.lat is not None and site.lon is not None
            for phi in (math.radians(site.lat),)
        )


@dataclass(frozen=True)
class Profile:
    """Who the finder is asked about, and where. Every field is optional."""

    borough_code: str | None = None
    lat: float | None = None
    lon: float | None = None
    needs: frozenset[str] = frozenset()
    age: int | None = None
    gender: str | None = None  # vocabulary.GENDERS
    cohort: str | None = None  # vocabulary.PERSON_COHORTS
    risk_level: str | None = None
    veteran: bool = False
    neurodivergent: bool = False
    language: str | None = None
    disposal: str | None = None  # vocabulary.DISPOSALS
    offence: str | None = None  # vocabulary.OFFENCES
    dash_risk: str | None = None  # vocabulary.DASH_LEVELS, for domestic abuse
    today: date | None = None
    borough_name: str | None = None  # for sentences: "Not delivered in Croydon"


@dataclass(frozen=True)
class Reason:
    """One rule's verdict, in a sentence a person can read."""

    rule: str  # stable machine name, e.g. "gender", "borough", "oocd_disposal"
    text: str
    source: str | None = None  # where the rule comes from, with its marker: "CJA 2003 s.22(1) [V]"


@dataclass(frozen=True)
class Decision:
    service_id: int
    eligible: bool
    matched: tuple[Reason, ...] = ()
    failed: tuple[Reason, ...] = ()
    notes: tuple[Reason, ...] = field(default=())  # cautions that do not exclude
