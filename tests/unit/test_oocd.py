"""The out-of-court disposal rules as data, and the person-level assessment."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from directory.core.oocd import (
    CAUTION,
    EXCLUDE,
    INFERRED,
    MARKERS,
    RULES,
    VERIFIED,
    Verdict,
    assess_disposal,
    offence_phrase,
)
from directory.core.types import Profile
from directory.core.vocabulary import CONDITION_KINDS, DISPOSALS, OFFENCES

ALL_RULE_VALUES = (
    *RULES.regimes,
    *RULES.disposals,
    *RULES.minimum_ages,
    *RULES.condition_kinds,
    *RULES.hour_caps,
    *RULES.completion_times,
    *RULES.offence_rules,
    *RULES.notes,
    RULES.youth_route,
)


# --------------------------------------------------------------------------------------
# The tables
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("rule", ALL_RULE_VALUES, ids=lambda r: type(r).__name__)
def test_every_rule_is_frozen_and_carries_a_source_and_a_marker(rule):
    assert dataclasses.is_dataclass(rule)
    assert rule.__dataclass_params__.frozen
    assert rule.source.strip()
    assert rule.marker in MARKERS
    assert rule.citation == f"{rule.source} [{rule.marker}]"


def test_two_regimes_current_in_force_and_pcsc_prospective():
    assert RULES.regime("current").in_force is True
    assert RULES.regime("pcsc").in_force is False
    assert "prospective" in RULES.regime("pcsc").status


def test_every_vocabulary_disposal_has_a_rule_and_a_counterpart():
    assert {d.slug for d in RULES.disposals} == set(DISPOSALS)
    by_regime = {d.slug: d.regime for d in RULES.disposals}
    assert by_regime == {
        "community_resolution": "current",
        "conditional_caution": "current",
        "diversionary_caution": "pcsc",
        "community_caution": "pcsc",
    }
    assert RULES.disposal("diversionary_caution").corresponds_to == "conditional_caution"
    assert RULES.disposal("community_caution").corresponds_to == "community_resolution"
    for disposal in RULES.disposals:
        counterpart = RULES.disposal(disposal.corresponds_to)
        assert counterpart.corresponds_to == disposal.slug
        assert counterpart.regime != disposal.regime


def test_tables_use_only_vocabulary_slugs():
    for rule in RULES.condition_kinds:
        assert rule.kinds <= set(CONDITION_KINDS)
    for cap in RULES.hour_caps:
        assert cap.kind in CONDITION_KINDS
        assert cap.not_counting <= set(CONDITION_KINDS)
    for rule in RULES.offence_rules:
        assert rule.offence in OFFENCES
        assert rule.effect in (EXCLUDE, CAUTION)
    for rule in (*RULES.minimum_ages, *RULES.condition_kinds, *RULES.hour_caps, *RULES.offence_rules):
        assert rule.disposal in DISPOSALS


@pytest.mark.parametrize(
    ("disposal", "source"),
    [
        ("conditional_caution", "Criminal Justice Act 2003 s.22(1)"),
        ("diversionary_caution", "Police, Crime, Sentencing and Courts Act 2022 s.98(2)"),
        ("community_caution", "Police, Crime, Sentencing and Courts Act 2022 s.98(3)"),
    ],
)
def test_adult_cautions_are_for_18_and_over(disposal, source):
    rule = RULES.minimum_age(disposal)
    assert (rule.age, rule.source, rule.marker) == (18, source, VERIFIED)


def test_community_resolution_has_no_minimum_age():
    assert RULES.minimum_age("community_resolution") is None


@pytest.mark.parametrize(
    ("disposal", "kind", "hours", "not_counting", "marker"),
    [
        ("diversionary_caution", "unpaid_work", 20, frozenset(), VERIFIED),
        ("community_caution", "unpaid_work", 10, frozenset(), VERIFIED),
        ("community_caution", "attendance", 10, frozenset({"rehabilitative"}), VERIFIED),
        ("conditional_caution", "attendance", 20, frozenset({"rehabilitative"}), VERIFIED),
        ("diversionary_caution", "attendance", None, frozenset({"rehabilitative"}), INFERRED),
    ],
)
def test_hour_caps(disposal, kind, hours, not_counting, marker):
    (cap,) = [c for c in RULES.caps_for(disposal) if c.kind == kind]
    assert (cap.max_hours, cap.not_counting, cap.marker) == (hours, not_counting, marker)


def test_conditional_caution_completion_time():
    rule = RULES.completion_for("conditional_caution")
    assert (rule.normal_weeks, rule.exceptional_weeks, rule.marker) == (16, 20, INFERRED)
    assert RULES.completion_for("community_resolution") is None


def test_condition_kinds_per_disposal():
    assert RULES.kinds_for("community_resolution").kinds == {"rehabilitative", "reparative"}
    for slug in ("diversionary_caution", "community_caution"):
        assert RULES.kinds_for(slug).kinds == set(CONDITION_KINDS)
        assert RULES.kinds_for(slug).marker == VERIFIED


def _effects(disposal):
    return {r.offence: r.effect for r in RULES.offence_rules_for(disposal)}


def test_met_exclusions_for_community_resolution():
    assert _effects("community_resolution") == {
        o: EXCLUDE
        for o in (
            "domestic_abuse",
            "hate_crime",
            "sexual",
            "sexual_against_child",
            "indecent_images",
            "firearms",
            "weapons",
        )
    }


def test_conditional_caution_hate_crime_excluded_domestic_abuse_turns_on_the_dash_level():
    assert _effects("conditional_caution") == {"hate_crime": EXCLUDE}
    (risk,) = RULES.risk_rules_for("conditional_caution")
    assert (risk.offence, risk.allowed) == ("domestic_abuse", {"standard"})


@pytest.mark.parametrize("disposal", ["diversionary_caution", "community_caution"])
def test_draft_code_exclusions_for_the_statutory_cautions(disposal):
    effects = _effects(disposal)
    assert set(effects) == {
        "sexual_against_child",
        "indecent_images",
        "weapons",
        "firearms",
        "child_cruelty",
        "class_a_drugs",
    }
    assert set(effects.values()) == {EXCLUDE}
    assert all("draft Code" in r.source for r in RULES.offence_rules_for(disposal))


def test_offence_phrase():
    assert offence_phrase("domestic_abuse") == "domestic abuse offences"
    assert offence_phrase("class_a_drugs") == "Class A drug offences"
    for slug in OFFENCES:
        assert offence_phrase(slug)


# --------------------------------------------------------------------------------------
# assess_disposal
# --------------------------------------------------------------------------------------


def test_no_disposal_is_available_with_nothing_to_say():
    result = assess_disposal(Profile(age=15, offence="sexual"))
    assert result.available and result.disposal is None
    assert result.reasons == () and result.notes == ()


def test_unknown_disposal_is_not_available():
    result = assess_disposal(Profile(disposal="simple_caution"))
    assert not result.available
    assert "not a known out-of-court disposal" in result.reasons[0].text


@pytest.mark.parametrize("disposal", ["conditional_caution", "diversionary_caution", "community_caution"])
def test_under_18_adult_cautions_do_not_apply_and_the_youth_route_is_named(disposal):
    result = assess_disposal(Profile(disposal=disposal, age=17))
    assert not result.available
    (reason,) = [r for r in result.reasons if r.rule != "oocd_in_force"]
    assert reason.rule == "oocd_age"
    assert "aged 18 or over" in reason.text
    assert "youth caution, youth conditional caution or community resolution" in reason.text
    assert "youth offending team" in reason.text
    assert "[V]" in reason.source


@pytest.mark.parametrize("disposal", ["conditional_caution", "diversionary_caution", "community_caution"])
def test_18_is_old_enough(disposal):
    result = assess_disposal(Profile(disposal=disposal, age=18, offence="theft"))
    assert not any(r.rule == "oocd_age" for r in (*result.notes, *result.reasons, *result.missing))


def test_age_not_given_means_it_cannot_be_assessed_yet():
    result = assess_disposal(Profile(disposal="conditional_caution", offence="theft"))
    assert result.verdict is Verdict.NEEDS_INFORMATION
    assert result.heading == "Conditional caution: cannot be assessed yet"
    assert any(r.rule == "oocd_age" and "Age not given" in r.text for r in result.missing)


def test_community_resolution_at_any_age_with_a_youth_note():
    result = assess_disposal(Profile(disposal="community_resolution", age=14, offence="theft"))
    assert result.available
    assert any(r.rule == "oocd_youth" and "youth offending team" in r.text for r in result.notes)


@pytest.mark.parametrize(
    ("disposal", "counterpart"),
    [("diversionary_caution", "conditional caution"), ("community_caution", "community resolution")],
)
def test_prospective_disposal_is_noted_with_the_current_counterpart(disposal, counterpart):
    result = assess_disposal(Profile(disposal=disposal, age=30, offence="theft"))
    assert not result.available and result.in_force is False and result.regime == "pcsc"
    assert result.verdict is Verdict.NOT_IN_FORCE
    assert "can be considered" not in result.heading
    assert result.alternatives[0] == RULES.disposal(disposal).corresponds_to
    (note,) = [r for r in result.reasons if r.rule == "oocd_in_force"]
    assert "not yet in force" in note.text
    assert f"corresponding disposal in force is the {counterpart}" in note.text
    assert "Part 6" in note.source


@pytest.mark.parametrize("disposal", ["conditional_caution", "community_resolution"])
def test_current_disposals_have_no_in_force_note(disposal):
    result = assess_disposal(Profile(disposal=disposal, age=30, offence="theft"))
    assert result.in_force is True
    assert not any(r.rule == "oocd_in_force" for r in (*result.notes, *result.reasons))


def test_commencing_part_6_is_a_data_change():
    commenced = dataclasses.replace(
        RULES,
        regimes=tuple(
            dataclasses.replace(r, in_force=False, status="Replaced by Part 6.")
            if r.slug == "current"
            else dataclasses.replace(r, in_force=True, status="In force.")
            for r in RULES.regimes
        ),
    )
    profile = Profile(disposal="diversionary_caution", age=30, offence="theft")
    assert assess_disposal(profile, commenced).verdict is Verdict.CAN_BE_CONSIDERED
    old = assess_disposal(dataclasses.replace(profile, disposal="conditional_caution"), commenced)
    (note,) = [r for r in old.reasons if r.rule == "oocd_in_force"]
    assert "diversionary caution" in note.text


@pytest.mark.parametrize(
    ("offence", "words"),
    [
        ("domestic_abuse", "domestic abuse offences"),
        ("hate_crime", "hate crime offences"),
        ("sexual", "sexual offences"),
        ("firearms", "firearms offences"),
        ("weapons", "offensive weapon and bladed article offences"),
    ],
)
def test_met_excludes_offences_from_community_resolution(offence, words):
    result = assess_disposal(Profile(disposal="community_resolution", offence=offence))
    assert not result.available
    (reason,) = result.reasons
    assert reason.rule == "oocd_offence"
    assert words in reason.text and "exceptional cases" in reason.text
    assert reason.source.endswith("[I]")


def test_community_resolution_for_theft_is_available():
    assert assess_disposal(Profile(disposal="community_resolution", offence="theft")).available


def test_conditional_caution_hate_crime_not_available_with_source():
    result = assess_disposal(Profile(disposal="conditional_caution", age=40, offence="hate_crime"))
    assert not result.available
    assert "generally not suitable" in result.reasons[0].text
    assert "CPS" in result.reasons[0].source


def test_conditional_caution_domestic_abuse_needs_the_dash_level():
    result = assess_disposal(Profile(disposal="conditional_caution", age=40, offence="domestic_abuse"))
    assert result.verdict is Verdict.NEEDS_INFORMATION
    (missing,) = result.missing
    assert missing.rule == "oocd_dash" and "DASH risk level not given" in missing.text
    assert "DPP" in missing.source


@pytest.mark.parametrize("level", ["medium", "high"])
def test_conditional_caution_domestic_abuse_above_standard_risk_is_not_suitable(level):
    result = assess_disposal(Profile(disposal="conditional_caution", age=40, offence="domestic_abuse", dash_risk=level))
    assert result.verdict is Verdict.NOT_SUITABLE and not result.available
    assert result.heading == "Conditional caution: not suitable for this person"
    (reason,) = result.reasons
    assert f"Not suitable at {level} DASH risk" in reason.text
    assert "standard-risk" in reason.text and "DPP" in reason.source
    # The Met does not use community resolutions for domestic abuse either: a charge decision.
    assert result.alternatives == ()
    assert any(s.rule == "oocd_charge" for s in result.next_steps)
    assert any("MARAC" in s.text for s in result.next_steps) == (level == "high")


def test_conditional_caution_domestic_abuse_at_standard_risk_can_be_considered_with_the_rule():
    result = assess_disposal(
        Profile(disposal="conditional_caution", age=40, offence="domestic_abuse", dash_risk="standard")
    )
    assert result.verdict is Verdict.CAN_BE_CONSIDERED and result.available
    assert any("standard-risk" in r.text for r in result.notes if r.rule == "oocd_dash")


def test_an_excluded_offence_names_what_the_guidance_allows_instead():
    result = assess_disposal(Profile(disposal="community_resolution", age=30, offence="hate_crime"))
    assert result.verdict is Verdict.NOT_SUITABLE
    # Hate crime: the Met excludes community resolutions and the CPS conditional cautions.
    assert result.alternatives == ()
    assert [s.rule for s in result.next_steps] == ["oocd_charge"]
    weapons = assess_disposal(Profile(disposal="community_resolution", age=30, offence="weapons"))
    assert weapons.alternatives == ("conditional_caution",)
    assert "conditional caution can be considered" in weapons.next_steps[-1].text


@pytest.mark.parametrize("offence", ["class_a_drugs", "child_cruelty", "indecent_images"])
@pytest.mark.parametrize("disposal", ["diversionary_caution", "community_caution"])
def test_draft_code_excludes_offences(disposal, offence):
    result = assess_disposal(Profile(disposal=disposal, age=30, offence=offence))
    assert not result.available
    assert "draft Code" in result.reasons[-1].text


def test_offence_not_given_means_it_cannot_be_assessed_yet():
    result = assess_disposal(Profile(disposal="community_resolution"))
    assert result.available and result.verdict is Verdict.NEEDS_INFORMATION
    assert any(r.rule == "oocd_offence" and "Offence not given" in r.text for r in result.missing)


def test_under_18_and_excluded_offence_gives_both_reasons():
    result = assess_disposal(Profile(disposal="community_caution", age=16, offence="weapons"))
    assert [r.rule for r in result.reasons] == ["oocd_in_force", "oocd_age", "oocd_offence"]


def test_changing_an_exclusion_is_a_data_change():
    lifted = dataclasses.replace(
        RULES,
        offence_rules=tuple(
            r for r in RULES.offence_rules if not (r.disposal == "conditional_caution" and r.offence == "hate_crime")
        ),
    )
    profile = Profile(disposal="conditional_caution", age=40, offence="hate_crime")
    assert not assess_disposal(profile).available
    assert assess_disposal(profile, lifted).available


@given(
    disposal=st.sampled_from(sorted(DISPOSALS)),
    age=st.none() | st.integers(min_value=10, max_value=99),
    offence=st.none() | st.sampled_from(sorted(OFFENCES)),
)
def test_available_iff_no_reasons(disposal, age, offence):
    result = assess_disposal(Profile(disposal=disposal, age=age, offence=offence))
    assert result.available == (not result.reasons)
    assert result.available == (result.verdict in (Verdict.CAN_BE_CONSIDERED, Verdict.NEEDS_INFORMATION))
    assert all(r.text for r in (*result.reasons, *result.notes))
