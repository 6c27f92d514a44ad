"""When a known absence answers a search."""

from __future__ import annotations

from directory.core.absences import Absence, applying
from directory.core.types import Profile

DA_CAUTION = Absence(
    slug="da",
    statement="No London course for domestic-abuse conditional cautions was found.",
    categories=frozenset({"domestic_abuse_perpetrators"}),
    disposal="conditional_caution",
    offence="domestic_abuse",
)
DRUGS = Absence(
    slug="drugs",
    statement="No London drug service named for conditional cautions.",
    categories=frozenset({"substance_misuse"}),
    disposal="conditional_caution",
)


def test_applies_when_the_need_and_disposal_agree():
    profile = Profile(needs=frozenset({"domestic_abuse_perpetrators"}), disposal="conditional_caution")
    assert applying((DA_CAUTION, DRUGS), profile) == (DA_CAUTION,)


def test_the_offence_alone_can_ask_for_it():
    profile = Profile(offence="domestic_abuse", disposal="conditional_caution")
    assert DA_CAUTION.applies_to(profile)


def test_another_disposal_or_offence_does_not():
    need = frozenset({"domestic_abuse_perpetrators"})
    assert not DA_CAUTION.applies_to(Profile(needs=need, disposal="community_resolution"))
    assert not DA_CAUTION.applies_to(Profile(needs=need, disposal="conditional_caution", offence="theft"))
    assert not DA_CAUTION.applies_to(Profile(disposal="conditional_caution"))


def test_someone_on_the_out_of_court_path_without_a_disposal_yet_is_told():
    assert DRUGS.applies_to(Profile(needs=frozenset({"substance_misuse"}), cohort="oocd"))
    assert not DRUGS.applies_to(Profile(needs=frozenset({"substance_misuse"}), cohort="probation"))
