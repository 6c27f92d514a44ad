"""Every disposal rule against every risk level, age band and offence kind.

Each rule declares what it forbids (``forbids``: True, False, or None when a fact it turns
on is not given). The assessment is written separately; these tests check that its answer
never contradicts a rule: nothing a rule forbids, or cannot yet decide, is "can be
considered"; a disposal not in force never is; a forbidden disposal says why, citing the
rule, and offers a next step that is not itself forbidden. The same walk runs on rule sets
that hypothesis makes up, so the engine is checked and not only today's tables.
"""

from __future__ import annotations

import dataclasses
import itertools
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from directory.core.oocd import (
    CAUTION,
    EXCLUDE,
    RULES,
    OffenceRule,
    RiskRule,
    Verdict,
    assess_disposal,
    disposal_choices,
    disposal_label,
)
from directory.core.types import Profile
from directory.core.vocabulary import DASH_LEVELS, DISPOSALS, OFFENCES

AGE_BANDS = (None, 10, 14, 17, 18, 21, 25, 26, 40, 70)
OFFENCE_KINDS = (None, *OFFENCES)
RISK_LEVELS = (None, *DASH_LEVELS)
OPEN = (Verdict.CAN_BE_CONSIDERED, Verdict.NEEDS_INFORMATION)


def _profiles(disposals):
    for disposal, age, offence, dash in itertools.product(disposals, AGE_BANDS, OFFENCE_KINDS, RISK_LEVELS):
        yield Profile(disposal=disposal, age=age, offence=offence, dash_risk=dash)


def _check(profile: Profile, rules) -> None:
    result = assess_disposal(profile, rules)
    disposal = rules.disposal(profile.disposal)
    in_force = rules.in_force(disposal)
    said = {(r.text, r.source) for r in result.reasons}

    if not in_force:
        assert result.verdict is Verdict.NOT_IN_FORCE, profile
        assert result.heading.endswith("not yet in force")
    for rule in rules.rules_for(disposal.slug):
        verdict = rule.forbids(profile)
        if verdict is True:
            assert result.verdict in (Verdict.NOT_SUITABLE, Verdict.NOT_IN_FORCE), (profile, rule)
            assert not result.available
            assert any(source == rule.citation or source == rules.youth_route.citation for _, source in said), (
                profile,
                rule,
            )
        elif verdict is None:
            assert result.verdict is not Verdict.CAN_BE_CONSIDERED, (profile, rule)
    if result.verdict is Verdict.CAN_BE_CONSIDERED:
        assert in_force and not result.reasons and not result.missing
        assert result.heading.endswith("can be considered")
    else:
        assert "can be considered" not in result.heading
    if result.verdict in OPEN:
        assert result.available and not result.reasons
    else:
        assert not result.available and result.reasons
        assert result.next_steps, profile  # every "no" has a next step
    for alternative in result.alternatives:
        other = assess_disposal(dataclasses.replace(profile, disposal=alternative), rules)
        assert other.verdict in OPEN, (profile, alternative)


@pytest.mark.parametrize("disposal", list(DISPOSALS))
def test_no_answer_contradicts_a_rule_in_the_tables(disposal):
    for profile in _profiles([disposal]):
        _check(profile, RULES)


def test_a_high_risk_domestic_abuse_case_is_never_told_a_conditional_caution_can_be_considered():
    for dash in (None, "medium", "high"):
        result = assess_disposal(
            Profile(disposal="conditional_caution", age=35, offence="domestic_abuse", dash_risk=dash)
        )
        assert result.verdict is not Verdict.CAN_BE_CONSIDERED
        assert "can be considered" not in result.heading


def test_a_rule_whose_text_restricts_is_encoded_as_a_rule_that_can_forbid():
    """A "caution" only notes; its sentence must not say the disposal is limited or excluded."""
    restricting = re.compile(r"\b(only|not suitable|excluded|not used|does not use|never)\b", re.I)
    for rule in RULES.offence_rules:
        if rule.effect == CAUTION:
            assert not restricting.search(rule.text), rule


def test_a_risk_rule_allows_exactly_the_levels_its_text_names():
    for rule in RULES.risk_rules:
        named = set(re.findall(r"only in ([a-z]+(?: or [a-z]+)*)-risk", rule.text))
        levels = {level for phrase in named for level in phrase.split(" or ")}
        assert levels == set(rule.allowed), rule


def test_disposals_in_force_come_first_and_the_others_are_labelled():
    choices = disposal_choices()
    in_force = [RULES.in_force(RULES.disposal(slug)) for slug, _ in choices]
    assert in_force == sorted(in_force, reverse=True)
    assert list(DISPOSALS)[: in_force.count(True)] == [
        slug for slug, _ in choices if RULES.in_force(RULES.disposal(slug))
    ]
    for slug, label in choices:
        assert label.endswith("(not yet in force)") == (not RULES.in_force(RULES.disposal(slug)))
        assert disposal_label(slug) == label


# --------------------------------------------------------------------------------------
# Made-up rule sets: the engine, not only today's tables
# --------------------------------------------------------------------------------------


@st.composite
def rule_sets(draw):
    regimes = tuple(dataclasses.replace(r, in_force=draw(st.booleans())) for r in RULES.regimes)
    ages = tuple(dataclasses.replace(m, age=draw(st.integers(min_value=10, max_value=30))) for m in RULES.minimum_ages)
    offence_rules = tuple(
        OffenceRule(
            disposal=draw(st.sampled_from(list(DISPOSALS))),
            offence=draw(st.sampled_from(list(OFFENCES))),
            effect=draw(st.sampled_from([EXCLUDE, CAUTION])),
            text="A made-up rule",
            source="test",
            marker="I",
        )
        for _ in range(draw(st.integers(min_value=0, max_value=6)))
    )
    risk_rules = tuple(
        RiskRule(
            disposal=draw(st.sampled_from(list(DISPOSALS))),
            offence=draw(st.sampled_from(list(OFFENCES))),
            allowed=draw(st.frozensets(st.sampled_from(list(DASH_LEVELS)))),
            text="A made-up risk rule",
            source="test",
            marker="I",
        )
        for _ in range(draw(st.integers(min_value=0, max_value=3)))
    )
    return dataclasses.replace(
        RULES, regimes=regimes, minimum_ages=ages, offence_rules=offence_rules, risk_rules=risk_rules
    )


@settings(max_examples=60, deadline=None)
@given(
    rules=rule_sets(),
    disposal=st.sampled_from(list(DISPOSALS)),
    age=st.sampled_from(AGE_BANDS),
    offence=st.sampled_from(OFFENCE_KINDS),
    dash=st.sampled_from(RISK_LEVELS),
)
def test_no_answer_contradicts_a_rule_in_made_up_tables(rules, disposal, age, offence, dash):
    _check(Profile(disposal=disposal, age=age, offence=offence, dash_risk=dash), rules)
