"""Hypothesis strategies for the eligibility engine's plain values: services and profiles."""

from __future__ import annotations

from datetime import date

from hypothesis import strategies as st

from directory.core.types import PartialDate, Profile, ServiceInfo, SiteInfo
from directory.core.vocabulary import (
    CATEGORIES,
    COHORTS,
    CONDITION_KINDS,
    DISPOSALS,
    GENDERS,
    OFFENCES,
    PERSON_COHORTS,
    RISK_LEVELS,
    STATUSES,
)

BOROUGHS = [f"E090000{n:02d}" for n in range(1, 34)]


def subsets(vocabulary, max_size=4, min_size=0):
    return st.frozensets(st.sampled_from(sorted(vocabulary)), min_size=min_size, max_size=max_size)


partial_dates = st.builds(
    PartialDate,
    value=st.dates(min_value=date(2015, 1, 1), max_value=date(2030, 12, 31)),
    precision=st.sampled_from(["day", "month", "year"]),
)
ages = st.integers(min_value=10, max_value=90)
hours = st.sampled_from([1, 5, 9.5, 10, 12, 20, 25, 40])
weeks = st.sampled_from([1, 8, 16, 18, 20, 24, 52])

sites = st.builds(
    SiteInfo,
    name=st.sampled_from(["Hub", "Centre", "Office"]),
    postcode=st.none(),
    borough_code=st.none() | st.sampled_from(BOROUGHS),
    lat=st.none() | st.floats(min_value=51.3, max_value=51.7),
    lon=st.none() | st.floats(min_value=-0.5, max_value=0.3),
)

services = st.builds(
    ServiceInfo,
    id=st.integers(min_value=1, max_value=10_000),
    slug=st.just("svc"),
    name=st.sampled_from(["Alpha", "beta", "Gamma", "delta", "Alpha"]),
    status=st.sampled_from(sorted(STATUSES)),
    ends_on=st.none() | partial_dates,
    starts_on=st.none() | partial_dates,
    pan_london=st.booleans(),
    borough_codes=st.frozensets(st.sampled_from(BOROUGHS), max_size=3),
    categories=subsets(CATEGORIES),
    cohorts=subsets(COHORTS, 2),
    min_age=st.none() | ages,
    max_age=st.none() | ages,
    genders=subsets(GENDERS, 2),
    risk_levels=subsets(RISK_LEVELS, 2),
    offences_accepted=subsets(OFFENCES, 2),
    offences_excluded=subsets(OFFENCES, 2),
    languages=st.frozensets(st.sampled_from(["English", "Polish", "Somali"]), max_size=2),
    veterans_only=st.booleans(),
    neurodivergent_only=st.booleans(),
    oocd_disposals=subsets(DISPOSALS),
    oocd_condition_kinds=subsets(CONDITION_KINDS),
    oocd_hours=st.none() | hours,
    oocd_completion_weeks=st.none() | weeks,
    sites=st.lists(sites, max_size=3).map(tuple),
    unnamed_borough_count=st.none() | st.integers(min_value=1, max_value=12),
    coverage_confirmed=st.booleans(),
)

profiles = st.builds(
    Profile,
    borough_code=st.none() | st.sampled_from(BOROUGHS),
    lat=st.none() | st.floats(min_value=51.3, max_value=51.7),
    lon=st.none() | st.floats(min_value=-0.5, max_value=0.3),
    needs=subsets(CATEGORIES, 3),
    age=st.none() | ages,
    gender=st.none() | st.sampled_from(sorted(GENDERS)),
    cohort=st.none() | st.sampled_from(sorted(PERSON_COHORTS)),
    risk_level=st.none() | st.sampled_from(sorted(RISK_LEVELS)),
    veteran=st.booleans(),
    neurodivergent=st.booleans(),
    language=st.none() | st.sampled_from(["English", "polish", "Somali"]),
    disposal=st.none() | st.sampled_from(sorted(DISPOSALS)),
    offence=st.none() | st.sampled_from(sorted(OFFENCES)),
    today=st.none() | st.dates(min_value=date(2015, 1, 1), max_value=date(2030, 12, 31)),
    borough_name=st.none() | st.just("Somewhere"),
)
