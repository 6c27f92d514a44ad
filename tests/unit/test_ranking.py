"""Ranking: distance, nearest site, tiers and order."""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from directory.core.eligibility import built_for
from directory.core.ranking import (
    FinderOutcome,
    Tier,
    coverage_tier,
    is_confirmed,
    distance_km,
    nearest_site,
    rank,
)
from directory.core.types import PartialDate, Profile, ServiceInfo, SiteInfo
from directory.core.vocabulary import CATEGORIES, DISPOSALS, STATUSES

LAMBETH = "E09000022"
CROYDON = "E09000008"
# Brixton and Croydon town centre, roughly.
BRIXTON = (51.4613, -0.1156)
CROYDON_CENTRE = (51.3762, -0.0982)
CHARING_CROSS = (51.5080, -0.1247)


def site(name, point, borough=None):
    return SiteInfo(name=name, postcode=None, borough_code=borough, lat=point[0], lon=point[1])


def service(id, name, **overrides):
    values = dict(id=id, slug=f"s{id}", name=name, status="commissioned")
    values.update(overrides)
    return ServiceInfo(**values)


# --------------------------------------------------------------------------------------
# distance_km and nearest_site
# --------------------------------------------------------------------------------------


def test_distance_zero_and_known_values():
    assert distance_km(*BRIXTON, *BRIXTON) == 0
    # One degree of latitude is about 111.2 km.
    assert distance_km(0, 0, 1, 0) == pytest.approx(111.195, abs=0.01)
    # Brixton to Croydon is about 9.5 km.
    assert distance_km(*BRIXTON, *CROYDON_CENTRE) == pytest.approx(9.5, abs=0.3)
    # Antipodes: half the circumference.
    assert distance_km(0, 0, 0, 180) == pytest.approx(math.pi * 6371.0088, rel=1e-9)


coords = st.tuples(st.floats(min_value=-90, max_value=90), st.floats(min_value=-180, max_value=180))


@given(a=coords, b=coords)
def test_distance_is_symmetric_and_non_negative(a, b):
    d = distance_km(*a, *b)
    assert d >= 0
    assert d == pytest.approx(distance_km(*b, *a), abs=1e-6)
    assert d <= math.pi * 6371.0088 + 1e-6


def test_nearest_site_picks_the_closest_with_coordinates():
    svc = service(
        1,
        "Two hubs",
        sites=(
            site("Croydon hub", CROYDON_CENTRE),
            site("No point", (None, None)),
            site("Brixton hub", BRIXTON),
        ),
    )
    found, km = nearest_site(Profile(lat=CHARING_CROSS[0], lon=CHARING_CROSS[1]), svc)
    assert found.name == "Brixton hub"
    assert km == pytest.approx(distance_km(*CHARING_CROSS, *BRIXTON))


def test_nearest_site_none_without_a_point_or_sites():
    svc = service(1, "S", sites=(site("Hub", BRIXTON),))
    assert nearest_site(Profile(), svc) == (None, None)
    assert nearest_site(Profile(lat=51.5, lon=-0.1), service(1, "S")) == (None, None)
    no_coords = service(1, "S", sites=(site("Hub", (None, None)),))
    assert nearest_site(Profile(lat=51.5, lon=-0.1), no_coords) == (None, None)


def test_nearest_site_ties_go_to_the_name_first_in_order():
    svc = service(1, "S", sites=(site("Zeta", BRIXTON), site("Alpha", BRIXTON)))
    found, _ = nearest_site(Profile(lat=51.5, lon=-0.1), svc)
    assert found.name == "Alpha"


# --------------------------------------------------------------------------------------
# Tiers and order
# --------------------------------------------------------------------------------------


def test_coverage_tiers():
    here = Profile(borough_code=LAMBETH)
    assert coverage_tier(here, service(1, "S", borough_codes=frozenset({LAMBETH}))) is Tier.LOCAL
    assert coverage_tier(here, service(1, "S", pan_london=True)) is Tier.PAN_LONDON
    assert coverage_tier(here, service(1, "S", unnamed_borough_count=10)) is Tier.UNCONFIRMED
    assert coverage_tier(here, service(1, "S")) is Tier.UNCONFIRMED
    unconfirmed = service(1, "S", borough_codes=frozenset({LAMBETH}), coverage_confirmed=False)
    assert coverage_tier(here, unconfirmed) is Tier.UNCONFIRMED
    listed = service(1, "S", borough_codes=frozenset({CROYDON}))
    assert coverage_tier(Profile(), listed) is Tier.LISTED


def test_rank_local_then_pan_london_then_unconfirmed_nearest_first():
    profile = Profile(borough_code=LAMBETH, borough_name="Lambeth", lat=CHARING_CROSS[0], lon=CHARING_CROSS[1])
    services = [
        service(1, "Unconfirmed", unnamed_borough_count=5, sites=(site("U", BRIXTON),)),
        service(2, "Pan far", pan_london=True, sites=(site("PF", CROYDON_CENTRE),)),
        service(3, "Pan near", pan_london=True, sites=(site("PN", BRIXTON),)),
        service(4, "Pan no site", pan_london=True),
        service(5, "Lambeth far", borough_codes=frozenset({LAMBETH}), sites=(site("LF", CROYDON_CENTRE),)),
        service(6, "Lambeth near", borough_codes=frozenset({LAMBETH}), sites=(site("LN", BRIXTON),)),
        service(7, "Croydon only", borough_codes=frozenset({CROYDON})),
        service(8, "Ended", pan_london=True, status="ended"),
        service(9, "a pan no site", pan_london=True),
    ]
    outcome = rank(profile, services)
    assert isinstance(outcome, FinderOutcome)
    assert [m.service.name for m in outcome.results] == [
        "Lambeth near",
        "Lambeth far",
        "Pan near",
        "Pan far",
        "a pan no site",
        "Pan no site",
        "Unconfirmed",
    ]
    assert [m.tier for m in outcome.results] == [
        Tier.LOCAL,
        Tier.LOCAL,
        Tier.PAN_LONDON,
        Tier.PAN_LONDON,
        Tier.PAN_LONDON,
        Tier.PAN_LONDON,
        Tier.UNCONFIRMED,
    ]
    assert [m.service.name for m in outcome.excluded] == ["Croydon only", "Ended"]
    assert outcome.excluded[0].decision.failed[0].text == "Not delivered in Lambeth"
    first = outcome.results[0]
    assert first.nearest_site.name == "LN"
    assert first.distance_km == pytest.approx(distance_km(*CHARING_CROSS, *BRIXTON))
    assert outcome.results[4].distance_km is None and outcome.results[4].nearest_site is None


def test_rank_without_a_point_orders_by_name_within_a_tier():
    services = [service(2, "beta", pan_london=True), service(1, "Alpha", pan_london=True)]
    outcome = rank(Profile(), services)
    assert [m.service.name for m in outcome.results] == ["Alpha", "beta"]


def test_rank_carries_the_disposal_assessment():
    svc = service(
        1,
        "Women's diversion",
        pan_london=True,
        oocd_disposals=frozenset({"conditional_caution"}),
        oocd_condition_kinds=frozenset({"rehabilitative"}),
    )
    outcome = rank(Profile(disposal="conditional_caution", age=16), [svc])
    assert not outcome.assessment.available
    assert outcome.results == ()
    assert "youth offending team" in outcome.excluded[0].decision.failed[0].text

    outcome = rank(Profile(disposal="conditional_caution", age=30, offence="theft"), [svc])
    assert outcome.assessment.available
    assert [m.service.id for m in outcome.results] == [1]
    assert rank(Profile(), [svc]).assessment.disposal is None


def test_rank_is_deterministic_and_accepts_any_iterable():
    services = [service(i, f"S{i % 3}", pan_london=True) for i in range(6)]
    assert rank(Profile(), iter(services)) == rank(Profile(), services)
    assert [m.service.id for m in rank(Profile(), services).results] == [0, 3, 1, 4, 2, 5]


# --------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------

BOROUGHS = [LAMBETH, CROYDON, "E09000028", "E09000033"]
points = st.tuples(st.floats(min_value=51.3, max_value=51.7), st.floats(min_value=-0.5, max_value=0.3))
maybe_points = st.none() | points
sites_st = st.builds(
    lambda name, p: SiteInfo(name=name, postcode=None, borough_code=None, lat=p and p[0], lon=p and p[1]),
    st.sampled_from(["A", "B", "C"]),
    maybe_points,
)
services_st = st.builds(
    ServiceInfo,
    id=st.integers(min_value=1, max_value=50),
    slug=st.just("s"),
    name=st.sampled_from(["Alpha", "alpha", "Beta", "gamma"]),
    status=st.sampled_from(sorted(STATUSES)),
    ends_on=st.none() | st.builds(PartialDate, st.dates(date(2020, 1, 1), date(2028, 1, 1))),
    pan_london=st.booleans(),
    borough_codes=st.frozensets(st.sampled_from(BOROUGHS), max_size=2),
    categories=st.frozensets(st.sampled_from(sorted(CATEGORIES)), max_size=3),
    min_age=st.none() | st.integers(16, 30),
    max_age=st.none() | st.integers(20, 60),
    veterans_only=st.booleans(),
    oocd_disposals=st.frozensets(st.sampled_from(sorted(DISPOSALS)), max_size=2),
    sites=st.lists(sites_st, max_size=3).map(tuple),
    unnamed_borough_count=st.none() | st.integers(1, 10),
    coverage_confirmed=st.booleans(),
)
profiles_st = st.builds(
    lambda borough, point, needs, age, disposal, today: Profile(
        borough_code=borough,
        lat=point and point[0],
        lon=point and point[1],
        needs=needs,
        age=age,
        disposal=disposal,
        today=today,
    ),
    st.none() | st.sampled_from(BOROUGHS),
    maybe_points,
    st.frozensets(st.sampled_from(sorted(CATEGORIES)), max_size=2),
    st.none() | st.integers(14, 70),
    st.none() | st.sampled_from(sorted(DISPOSALS)),
    st.none() | st.dates(date(2020, 1, 1), date(2028, 1, 1)),
)
PROPERTY = settings(max_examples=200, deadline=None)


@PROPERTY
@given(profile=profiles_st, services=st.lists(services_st, max_size=8))
def test_results_and_excluded_are_a_permutation_of_the_input(profile, services):
    outcome = rank(profile, services)
    out = [m.service for m in (*outcome.results, *outcome.excluded)] + list(outcome.for_other_needs)
    assert Counter(out) == Counter(services)
    assert all(m.decision.eligible for m in outcome.results)
    assert not any(m.decision.eligible for m in outcome.excluded)


@PROPERTY
@given(profile=profiles_st, services=st.lists(services_st, max_size=8))
def test_results_are_sorted_by_built_for_the_person_then_confirmed_then_tier_then_distance(profile, services):
    results = rank(profile, services).results
    for m in results:
        assert m.built_for_person == bool(built_for(profile, m.service))
    for a, b in zip(results, results[1:]):
        key_a = (not a.built_for_person, not is_confirmed(profile, a.service), a.tier)
        key_b = (not b.built_for_person, not is_confirmed(profile, b.service), b.tier)
        assert key_a <= key_b
        if key_a == key_b:
            if a.distance_km is None:
                assert b.distance_km is None
                assert a.service.name.casefold() <= b.service.name.casefold()
            elif b.distance_km is not None:
                assert a.distance_km <= b.distance_km


@PROPERTY
@given(
    profile=profiles_st,
    services=st.lists(services_st, max_size=8, unique_by=lambda s: s.id),
    data=st.data(),
)
def test_excluded_sorted_by_name_and_rank_is_order_independent(profile, services, data):
    outcome = rank(profile, services)
    names = [m.service.name.casefold() for m in outcome.excluded]
    assert names == sorted(names)
    others = [s.name.casefold() for s in outcome.for_other_needs]
    assert others == sorted(others)
    # Service ids are unique, and break every tie: the input order never matters.
    assert rank(profile, data.draw(st.permutations(services))) == outcome


@PROPERTY
@given(profile=profiles_st, services=st.lists(services_st, max_size=6))
def test_distance_is_that_of_the_nearest_site(profile, services):
    outcome = rank(profile, services)
    assert all(m.distance_km is None and m.nearest_site is None for m in outcome.excluded)
    for match in outcome.results:
        site, km = nearest_site(profile, match.service)
        assert (match.nearest_site, match.distance_km) == (site, km)
        if km is not None:
            for other in match.service.sites:
                if other.lat is not None and other.lon is not None:
                    assert km <= distance_km(profile.lat, profile.lon, other.lat, other.lon)


def test_services_for_other_needs_are_set_aside_with_one_reason():
    croydon_women = ServiceInfo(
        id=1, slug="w", name="Women only", status="commissioned", categories=frozenset({"women"}), pan_london=True
    )
    housing = ServiceInfo(
        id=2, slug="h", name="Housing", status="commissioned", categories=frozenset({"accommodation"}), pan_london=True
    )
    outcome = rank(Profile(needs=frozenset({"accommodation"})), [croydon_women, housing])
    assert [m.service.slug for m in outcome.results] == ["h"]
    assert outcome.excluded == ()
    assert outcome.for_other_needs == (croydon_women,)
    assert outcome.other_needs_reason.text == "Does not help with: Accommodation"


@PROPERTY
@given(profile=profiles_st, services=st.lists(services_st, max_size=8))
def test_set_aside_services_are_those_decide_excludes_for_needs_alone(profile, services):
    from directory.core.eligibility import decide

    outcome = rank(profile, services)
    for service in outcome.for_other_needs:
        decision = decide(profile, service)
        assert not decision.eligible
        assert decision.failed == (outcome.other_needs_reason,)


def _svc(id, name, **kw):
    return ServiceInfo(id=id, slug=name.lower().replace(" ", "-"), name=name, status="commissioned", **kw)


def test_a_cohort_service_ranks_above_a_general_one_and_the_order_is_said():
    da = [
        _svc(i, f"DA programme {i}", categories=frozenset({"domestic_abuse_perpetrators"}), pan_london=True)
        for i in range(1, 4)
    ]
    veterans = _svc(9, "Op Veterans", categories=frozenset({"veterans"}), borough_codes=frozenset({"E09000022"}))
    outcome = rank(Profile(borough_code="E09000022", borough_name="Lambeth", veteran=True), [*da, veterans])
    assert outcome.results[0].service.name == "Op Veterans"
    assert outcome.results[0].built_for_person
    assert "Built for veterans" in [r.text for r in outcome.results[0].decision.matched]
    assert outcome.order == (
        "Services built for veterans first; then those delivered in Lambeth, then pan-London ones; "
        "within each, by name."
    )
    plain = rank(Profile(borough_code="E09000022", borough_name="Lambeth"), [*da, veterans])
    assert plain.results[0].service.name == "Op Veterans"  # local first
    assert not plain.results[0].built_for_person
    assert plain.order == "Those delivered in Lambeth, then pan-London ones; within each, by name."


def test_a_womans_need_keeps_the_womens_services_without_ticking_women():
    women = _svc(1, "Women's centre", categories=frozenset({"women"}), pan_london=True)
    housing = _svc(2, "Housing", categories=frozenset({"accommodation"}), pan_london=True)
    drugs = _svc(3, "Drugs", categories=frozenset({"substance_misuse"}), pan_london=True)
    profile = Profile(needs=frozenset({"accommodation"}), gender="female", cohort="probation")
    outcome = rank(profile, [women, housing, drugs])
    assert [m.service.name for m in outcome.results] == ["Women's centre", "Housing"]
    notes = [r.text for r in outcome.results[0].decision.notes]
    assert "Not recorded as helping with: Accommodation" in notes
    assert [s.name for s in outcome.for_other_needs] == ["Drugs"]
    assert outcome.other_needs_reason.text == "Does not help with: Accommodation; not built for women"
    man = rank(dataclasses.replace(profile, gender="male"), [women, housing, drugs])
    assert [m.service.name for m in man.results] == ["Housing"]


def test_probation_services_rank_first_for_a_person_on_probation():
    general = _svc(1, "A general service", pan_london=True, cohorts=frozenset({"general_public", "probation"}))
    probation = _svc(2, "Probation service", pan_london=True, cohorts=frozenset({"probation"}))
    outcome = rank(Profile(cohort="probation"), [general, probation])
    assert [m.service.name for m in outcome.results] == ["Probation service", "A general service"]
    assert outcome.order.startswith("Services built for people on probation first")
