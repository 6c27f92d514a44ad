"""Referral rules as data: transitions, codes, coded facts and small-number suppression."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone

import pytest

from directory.core.referrals import (
    CODE_ALPHABET,
    CODE_LENGTH,
    PARTIES,
    TRANSITIONS,
    InvalidReason,
    InvalidReferral,
    State,
    TransitionRefused,
    age_band,
    check_facts,
    check_transition,
    format_code,
    is_overdue,
    median,
    moves_for,
    new_code,
    normalise_code,
    suppressed,
    week_start,
)

BOROUGHS = {"E09000022", "E09000028"}
TODAY = date(2025, 3, 3)


def _reason(rule):
    return next(iter(rule.reasons)) if rule.reasons else None


@pytest.mark.parametrize("rule", TRANSITIONS, ids=lambda t: f"{t.source}->{t.target}")
@pytest.mark.parametrize("party", [*PARTIES, None])
def test_every_transition_only_for_its_party(rule, party):
    if party == rule.by:
        assert check_transition(rule.source, rule.target, party, _reason(rule)) is rule
    else:
        with pytest.raises(TransitionRefused) as refused:
            check_transition(rule.source, rule.target, party, _reason(rule))
        assert refused.value.status == 403


def _absent_pairs():
    present = {(t.source, t.target) for t in TRANSITIONS}
    return [(s, t) for s in State for t in State if (s, t) not in present]


@pytest.mark.parametrize(("source", "target"), _absent_pairs())
def test_moves_not_in_the_table_are_conflicts_for_everyone(source, target):
    for party in PARTIES:
        with pytest.raises(TransitionRefused) as refused:
            check_transition(source, target, party, None)
        assert refused.value.status == 409


def test_final_states_have_no_way_out_and_every_state_is_reachable():
    sources = {t.source for t in TRANSITIONS}
    for final in (State.DECLINED, State.COMPLETED, State.DISENGAGED, State.WITHDRAWN, State.EXPIRED):
        assert final not in sources
    assert {t.target for t in TRANSITIONS} | {State.SENT} == set(State)


@pytest.mark.parametrize("rule", [t for t in TRANSITIONS if t.reasons], ids=lambda t: f"{t.source}->{t.target}")
def test_reasoned_moves_need_a_listed_reason(rule):
    with pytest.raises(InvalidReason) as missing:
        check_transition(rule.source, rule.target, rule.by, None)
    assert missing.value.allowed == list(rule.reasons)
    with pytest.raises(InvalidReason):
        check_transition(rule.source, rule.target, rule.by, "because I said so")


def test_a_move_without_reasons_takes_none_and_unknown_states_are_invalid():
    with pytest.raises(InvalidReason):
        check_transition("sent", "accepted", "provider", "no_capacity")
    with pytest.raises(InvalidReason):
        check_transition("sent", "teleported", "provider", None)


def test_moves_for_each_side():
    assert {t.target for t in moves_for("sent", "provider")} == {State.ACKNOWLEDGED, State.ACCEPTED, State.DECLINED}
    assert [t.target for t in moves_for("sent", "referrer")] == [State.WITHDRAWN]
    assert moves_for("completed", "provider") == ()
    assert moves_for("sent", None) == ()


def test_overdue_only_when_still_sent_after_the_window():
    sent = datetime(2025, 3, 1, tzinfo=timezone.utc)
    assert not is_overdue("sent", sent, sent + timedelta(days=6))
    assert is_overdue("sent", sent, sent + timedelta(days=8))
    assert not is_overdue("acknowledged", sent, sent + timedelta(days=30))


def test_codes_are_short_unambiguous_and_varied():
    codes = {new_code() for _ in range(500)}
    assert len(codes) == 500
    for code in codes:
        assert len(code) == CODE_LENGTH and set(code) <= set(CODE_ALPHABET)
    assert not set("0O1IL5S2Z8B") & set(CODE_ALPHABET)
    code = new_code(random.Random(4).choice)
    shown = format_code(code)
    assert shown[4] == "-"
    assert normalise_code(shown.lower()) == code
    assert normalise_code(f" {code[:4]} {code[4:]} ") == code
    assert normalise_code("ABCD-EFGO") is None  # O is not in the alphabet
    assert normalise_code("ACD") is None


@pytest.mark.parametrize(
    ("age", "band"),
    [
        (None, None),
        (16, "under_18"),
        (18, "18_25"),
        (25, "18_25"),
        (26, "26_29"),
        (34, "30_39"),
        (64, "50_64"),
        (65, "65_plus"),
    ],
)
def test_age_bands(age, band):
    assert age_band(age) == band


def _facts(**overrides):
    values = {
        "service": "ace",
        "borough": "E09000022",
        "referrer_agency": "police",
        "age_band": "30_39",
        "needs": ["accommodation"],
        "cohort": "oocd",
        "disposal": "conditional_caution",
        "condition_kind": "rehabilitative",
        "condition_due": "2025-04-30",
        "consent": True,
    }
    values.update(overrides)
    return values


def test_valid_facts():
    facts = check_facts(_facts(), BOROUGHS, TODAY)
    assert facts.condition_due == date(2025, 4, 30)
    assert facts.needs == ("accommodation",)


def test_personal_data_fields_are_refused_by_name():
    with pytest.raises(InvalidReferral) as refused:
        check_facts(_facts(name="Jo Bloggs", date_of_birth="1990-01-01", notes="lives at..."), BOROUGHS, TODAY)
    assert refused.value.unknown == ["date_of_birth", "name", "notes"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("borough", "SW1A 1AA"),
        ("age_band", "34"),
        ("needs", ["cooking"]),
        ("needs", [{"x": 1}]),
        ("cohort", "vip"),
        ("disposal", "prison"),
        ("condition_due", "31/04/2025"),
        ("condition_due", "2025-01-01"),
        ("consent", False),
        ("consent", None),
        ("referrer_agency", "neighbour"),
        ("service", ""),
    ],
)
def test_bad_values_are_named(field, value):
    with pytest.raises(InvalidReferral) as refused:
        check_facts(_facts(**{field: value}), BOROUGHS, TODAY)
    assert field in refused.value.problems


def test_a_condition_needs_its_disposal():
    with pytest.raises(InvalidReferral) as refused:
        check_facts(_facts(disposal=None), BOROUGHS, TODAY)
    assert "disposal" in refused.value.problems


@pytest.mark.parametrize(("count", "shown"), [(0, 0), (1, "fewer than 5"), (4, "fewer than 5"), (5, 5), (12, 12)])
def test_small_numbers_are_suppressed(count, shown):
    assert suppressed(count) == shown


def test_weeks_start_on_monday_and_median():
    assert week_start(date(2025, 3, 6)) == date(2025, 3, 3)
    assert week_start(datetime(2025, 3, 9, 23, tzinfo=timezone.utc)) == date(2025, 3, 3)
    assert median([]) is None
    assert median([3.0, 1.0, 2.0]) == 2.0
    assert median([4.0, 1.0]) == 2.5
