"""The finder's catalogue index: bulk answers that must agree with decide(), service by service."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from directory.core.catalogue_index import CatalogueIndex, Deferred, Positions, positions
from directory.core.eligibility import (
    COVERAGE_FIELDS,
    DISPOSAL_RULE,
    ELIGIBILITY_RULES,
    decide,
    fails,
    helps_with_none,
)
from directory.core.oocd import assess_disposal
from directory.core.ranking import TIER_FIELDS, coverage_tier, nearest_site, rank
from directory.core.types import Profile, ServiceInfo
from tests.strategies import profiles, services

PROPERTY = settings(max_examples=300, deadline=None)


@PROPERTY
@given(profile=profiles, service=services, data=st.data())
def test_each_rule_fails_on_its_declared_fields_alone(profile, service, data):
    """The index works out a rule's verdict once per value of its ``fails_on`` fields."""
    for rule in ELIGIBILITY_RULES:
        probe = Profile(**{f: getattr(profile, f) for f in rule.fails_on})
        assert fails(rule, profile, service) == fails(rule, probe, service), rule.name


@PROPERTY
@given(profile=profiles, catalogue=st.lists(services, max_size=12))
def test_ranking_through_the_index_agrees_with_deciding_every_service(profile, catalogue):
    outcome = rank(profile, CatalogueIndex(catalogue))
    decisions = {id(s): decide(profile, s) for s in catalogue}

    eligible = [s for s in catalogue if decisions[id(s)].eligible]
    set_aside = [s for s in catalogue if helps_with_none(profile, s)]
    assert sorted(id(m.service) for m in outcome.results) == sorted(id(s) for s in eligible)
    assert sorted(id(s) for s in outcome.for_other_needs) == sorted(id(s) for s in set_aside)
    assert len(outcome.results) + len(outcome.excluded) + len(outcome.for_other_needs) == len(catalogue)
    for match in (*outcome.results, *outcome.excluded):
        assert match.decision == decisions[id(match.service)]
        assert match.tier == coverage_tier(profile, match.service)
    for match in outcome.results:
        assert (match.nearest_site, match.distance_km) == nearest_site(profile, match.service)


@PROPERTY
@given(profiles=st.lists(profiles, min_size=2, max_size=6), catalogue=st.lists(services, max_size=10))
def test_a_kept_index_answers_each_profile_as_a_fresh_one_would(profiles, catalogue):
    kept = CatalogueIndex(catalogue, remembered_values=3)
    for profile in profiles:
        assert rank(profile, kept) == rank(profile, CatalogueIndex(catalogue))


def test_the_index_remembers_a_bounded_number_of_values():
    index = CatalogueIndex(
        [ServiceInfo(id=1, slug="a", name="A", status="commissioned", languages=frozenset({"polish"}))],
        remembered_values=4,
    )
    language = next(r for r in ELIGIBILITY_RULES if r.name == "language")
    for n in range(50):
        assert index.failing(language, Profile(language=f"language {n}")) == 1
    assert index.remembered() == 4


@given(st.sets(st.integers(min_value=0, max_value=3000)))
def test_positions_reads_a_bit_set_in_order(members):
    assert positions(sum(1 << i for i in members)) == sorted(members)


def test_a_deferred_sequence_makes_only_what_is_read():
    made = []

    def make(key):
        made.append(key)
        return key * 10

    items = Deferred([1, 2, 3, 4], make)
    assert len(items) == 4 and made == []
    assert items[1] == 20 and items[-1] == 40 and made == [2, 4]
    assert items[:2] == (10, 20) and made == [2, 4, 1]
    assert list(items) == [10, 20, 30, 40] and items == (10, 20, 30, 40)
    assert made == [2, 4, 1, 3]  # each made once
    with pytest.raises(IndexError):
        items[4]


def test_the_order_does_not_depend_on_a_services_position_in_the_input():
    a = ServiceInfo(id=2, slug="a", name="alpha", status="commissioned", pan_london=True)
    b = ServiceInfo(id=1, slug="b", name="Beta", status="commissioned", pan_london=True)
    ended = dataclasses.replace(b, id=3, slug="c", name="Aardvark", status="ended")
    profile = Profile(borough_code="E09000022", today=date(2025, 1, 1))
    forward, backward = rank(profile, [a, b, ended]), rank(profile, [ended, b, a])
    assert [m.service.slug for m in forward.results] == ["a", "b"]
    assert forward == backward
    assert [m.service.slug for m in forward.excluded] == ["c"]


@PROPERTY
@given(profile=profiles, service=services, other=services)
def test_each_rule_reads_only_its_declared_service_fields(profile, service, other):
    """The index works out a rule's verdict once per kind of service (its ``reads`` fields)."""
    for rule in ELIGIBILITY_RULES:
        undeclared = {
            f.name: getattr(other, f.name) for f in dataclasses.fields(ServiceInfo) if f.name not in rule.reads
        }
        lookalike = dataclasses.replace(service, **undeclared)
        assert fails(rule, profile, service) == fails(rule, profile, lookalike), rule.name


@PROPERTY
@given(profile=profiles.filter(lambda p: p.disposal is not None), service=services, other=services)
def test_the_disposal_alone_decides_the_disposal_rules_when_it_is_available(profile, service, other):
    profile = dataclasses.replace(profile, needs=frozenset())  # or decide stops at needs
    if not assess_disposal(profile).available:
        assert not decide(profile, service).eligible
        return
    in_decision = any(r.rule.startswith("oocd") for r in decide(profile, service).failed)
    probe = Profile(disposal=profile.disposal)
    assert fails(DISPOSAL_RULE, probe, service) == in_decision
    undeclared = {
        f.name: getattr(other, f.name) for f in dataclasses.fields(ServiceInfo) if f.name not in DISPOSAL_RULE.reads
    }
    assert fails(DISPOSAL_RULE, probe, dataclasses.replace(service, **undeclared)) == in_decision


@PROPERTY
@given(profile=profiles, service=services, other_profile=profiles, other=services)
def test_the_coverage_tier_reads_only_its_declared_fields(profile, service, other_profile, other):
    probe = dataclasses.replace(other_profile, **{f: getattr(profile, f) for f in TIER_FIELDS})
    lookalike = dataclasses.replace(other, **{f: getattr(service, f) for f in COVERAGE_FIELDS})
    assert coverage_tier(profile, service) == coverage_tier(probe, lookalike)


def test_warming_works_out_each_boroughs_coverage_ahead_and_changes_no_answer():
    from directory.core.ranking import warm

    local = ServiceInfo(id=1, slug="a", name="A", status="commissioned", borough_codes=frozenset({"E09000022"}))
    index = CatalogueIndex([local])
    profile = Profile(borough_code="E09000008", today=date(2025, 1, 1), needs=frozenset({"women"}))
    before = rank(profile, CatalogueIndex([local]))
    warm(index, ["E09000022", "E09000008"], date(2025, 1, 1))
    kept = index.remembered()
    assert kept >= 4  # borough rule and tiers, for each borough
    assert rank(profile, index) == before
    assert index.remembered() == kept  # nothing left to work out for this profile


@given(st.sets(st.integers(min_value=0, max_value=3000)), st.integers(min_value=-5, max_value=40))
def test_positions_read_one_at_a_time_agree_with_the_whole_list(members, index):
    expected = sorted(members)
    found = Positions(sum(1 << i for i in members))
    assert len(found) == len(expected)
    if -len(expected) <= index < len(expected):
        assert found[index] == expected[index]
    else:
        with pytest.raises(IndexError):
            found[index]
    assert found[2:7] == expected[2:7] and list(found) == expected


@PROPERTY
@given(profile=profiles, service=services, other_profile=profiles, other=services)
def test_built_for_reads_only_its_declared_fields(profile, service, other_profile, other):
    from directory.core.eligibility import BUILT_FOR_PROFILE_FIELDS, BUILT_FOR_SERVICE_FIELDS, built_for

    lookalike = dataclasses.replace(
        service,
        **{
            f.name: getattr(other, f.name)
            for f in dataclasses.fields(ServiceInfo)
            if f.name not in BUILT_FOR_SERVICE_FIELDS
        },
    )
    probe = dataclasses.replace(other_profile, **{name: getattr(profile, name) for name in BUILT_FOR_PROFILE_FIELDS})
    assert built_for(profile, service) == built_for(probe, lookalike)
