"""Is this service open to this person? ``decide(profile, service) -> Decision``.

Each rule gives a verdict in a sentence: a matched reason ("Delivered in Lambeth"), a
failed reason ("Only for women") or a note that does not exclude ("Status not known").
Principles:

- a rule the service does not state (``None`` or empty) never excludes anyone;
- a profile field left empty (``None``) never excludes;
- a service is read on ``profile.today`` by :func:`directory.core.status.read_status`:
  ended or not yet started is never eligible; "not confirmed since" is eligible, with a
  note, and ranked below confirmed services;
- eligible if and only if nothing failed.

The out-of-court disposal rules are read from :mod:`directory.core.oocd`'s tables.
Pure: no I/O, no framework imports.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from .oocd import (
    RULES,
    DisposalAssessment,
    OocdRules,
    assess_disposal,
    condition_kind_label,
    offence_phrase,
)
from .status import Standing, on_or_in, period_end, period_start, read_status
from .types import Decision, Profile, Reason, ServiceInfo
from .vocabulary import CATEGORIES, CONDITION_KINDS, COHORTS, GENDERS, RISK_LEVELS

__all__ = [
    "decide",
    "cohort_categories",
    "CIRCUMSTANCE_CATEGORIES",
    "selecting_categories",
    "built_for",
    "person_cohorts",
    "BUILT_FOR_PROFILE_FIELDS",
    "BUILT_FOR_SERVICE_FIELDS",
    "Rule",
    "ELIGIBILITY_RULES",
    "DISPOSAL_RULE",
    "COVERAGE_FIELDS",
    "fails",
    "period_start",
    "period_end",
    "borough_label",
]

_GENDER_PHRASES = {"female": "women", "male": "men", "other": "people of another gender"}
_COHORT_PHRASES = {
    "oocd": "people on a pre-charge or out-of-court disposal",
    "probation": "people on probation",
    "prison_leaver": "people leaving prison",
    "remand": "people on remand",
    "general_public": "anyone",
}
_OPEN_TO_ANYONE = "general_public"
_NO_COHORT = "none"
_GENDER_NOT_KNOWN = "unknown"


# --------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------


_on_or_in = on_or_in


def _ordered(slugs: Iterable[str], vocabulary: Mapping[str, str]) -> list[str]:
    """Slugs in vocabulary order, unknown ones after, alphabetically."""
    order = {slug: i for i, slug in enumerate(vocabulary)}
    return sorted(set(slugs), key=lambda s: (order.get(s, len(order)), s))


def _join(items: list[str], word: str = "and") -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {word} {items[-1]}"


def _labels(slugs: Iterable[str], vocabulary: Mapping[str, str]) -> list[str]:
    return [vocabulary.get(s, s) for s in _ordered(slugs, vocabulary)]


def _number(value: float) -> str:
    return f"{value:g}"


def _plural(n: float, word: str) -> str:
    return f"{_number(n)} {word}" + ("" if n == 1 else "s")


def borough_label(profile: Profile) -> str:
    return profile.borough_name or f"borough {profile.borough_code}"


# Reasons are immutable values and few distinct ones occur: share them across decisions.
_reason = lru_cache(maxsize=8192)(Reason)


class _Verdicts:
    def __init__(self) -> None:
        self.matched: list[Reason] = []
        self.failed: list[Reason] = []
        self.notes: list[Reason] = []

    def match(self, rule: str, text: str, source: str | None = None) -> None:
        self.matched.append(_reason(rule, text, source))

    def fail(self, rule: str, text: str, source: str | None = None) -> None:
        self.failed.append(_reason(rule, text, source))

    def note(self, rule: str, text: str, source: str | None = None) -> None:
        self.notes.append(_reason(rule, text, source))


# --------------------------------------------------------------------------------------
# The rules, one function each
# --------------------------------------------------------------------------------------


def _status(p: Profile, s: ServiceInfo, v: _Verdicts) -> None:
    reading = read_status(s.status_evidence, p.today)
    e = reading.evidence
    if reading.standing is Standing.ENDED:
        v.fail("ended", reading.sentence)
    elif reading.standing is Standing.PLANNED:
        v.fail("not_running", reading.sentence)
    elif reading.standing is Standing.CONFIRMED:
        v.match("status", reading.sentence)
        if e.ends_on is not None:
            v.note("ends_on", f"Due to end {on_or_in(e.ends_on)}")
    else:
        v.note("status", reading.sentence)


def _coverage_unconfirmed_notes(s: ServiceInfo, v: _Verdicts) -> bool:
    """Notes on coverage the sources leave open; True when there is any."""
    any_note = False
    if not s.coverage_confirmed:
        v.note("borough", "Availability in London is not confirmed: check with the provider")
        any_note = True
    if s.unnamed_borough_count:
        n = s.unnamed_borough_count
        other = " other" if s.borough_codes else ""
        boroughs = "borough" if n == 1 else "boroughs"
        verb = "does" if n == 1 else "do"
        v.note(
            "borough",
            f"Delivered in {n}{other} London {boroughs} that the sources {verb} not name: check with the provider",
        )
        any_note = True
    if not s.pan_london and not s.borough_codes and not s.unnamed_borough_count:
        v.note("borough", "Where it is delivered is not recorded: check with the provider")
        any_note = True
    return any_note


def _borough(p: Profile, s: ServiceInfo, v: _Verdicts) -> None:
    if p.borough_code is not None and p.borough_code in s.borough_codes:
        v.match("borough", f"Delivered in {borough_label(p)}")
    elif s.pan_london:
        v.match("borough", "Pan-London")
    elif p.borough_code is None and s.borough_codes:
        v.match("borough", f"Delivered in {_plural(len(s.borough_codes), 'London borough')}")
    unconfirmed = _coverage_unconfirmed_notes(s, v)
    if p.borough_code is not None and p.borough_code not in s.borough_codes and not s.pan_london and not unconfirmed:
        v.fail("borough", f"Not delivered in {borough_label(p)}")


@lru_cache(maxsize=1024)
def _category_list(slugs: frozenset[str]) -> str:
    return ", ".join(_labels(slugs, CATEGORIES))


# --------------------------------------------------------------------------------------
# The person's circumstances select the services built for them
# --------------------------------------------------------------------------------------

YOUNG_ADULT_AGES = (18, 25)  # vocabulary.CATEGORIES["young_adults"]
_COHORT_CATEGORY_PHRASES = {
    "women": "women",
    "young_adults": "young adults (18 to 25)",
    "veterans": "veterans",
    "neurodiversity": "neurodivergent people",
}
# Categories that describe who a person is rather than what they need help with.
CIRCUMSTANCE_CATEGORIES = frozenset(_COHORT_CATEGORY_PHRASES)
# What built_for reads: the person's circumstances, and what a service says it is built for.
BUILT_FOR_PROFILE_FIELDS = ("gender", "age", "veteran", "neurodivergent", "cohort")
BUILT_FOR_SERVICE_FIELDS = ("categories", "cohorts", "genders", "veterans_only", "neurodivergent_only")


def cohort_categories(profile: Profile) -> frozenset[str]:
    """The categories of service built for who this person is: not needs, circumstances."""
    found = set()
    if profile.gender == "female":
        found.add("women")
    if profile.age is not None and YOUNG_ADULT_AGES[0] <= profile.age <= YOUNG_ADULT_AGES[1]:
        found.add("young_adults")
    if profile.veteran:
        found.add("veterans")
    if profile.neurodivergent:
        found.add("neurodiversity")
    return frozenset(found)


def selecting_categories(profile: Profile) -> frozenset[str]:
    """The categories that keep a service in the results when needs are asked about: the
    needs, and the services built for the person's circumstances. Nothing when no need is."""
    return profile.needs | cohort_categories(profile) if profile.needs else frozenset()


def person_cohorts(profile: Profile) -> tuple[str, ...]:
    """Who this person is, as phrases in "built for ...": ("women", "people on probation")."""
    phrases = [_COHORT_CATEGORY_PHRASES[c] for c in _ordered(cohort_categories(profile), CATEGORIES)]
    if profile.cohort not in (None, _NO_COHORT) and profile.cohort in _COHORT_PHRASES:
        phrases.append(_COHORT_PHRASES[profile.cohort])
    return tuple(phrases)


def built_for(profile: Profile, service: ServiceInfo) -> tuple[str, ...]:
    """Which of this person's circumstances the service is built for, as phrases."""
    found = []
    categories = cohort_categories(profile)
    for category in _ordered(categories, CATEGORIES):
        built = category in service.categories or (
            (category == "women" and service.genders == {"female"})
            or (category == "veterans" and service.veterans_only)
            or (category == "neurodiversity" and service.neurodivergent_only)
        )
        if built:
            found.append(_COHORT_CATEGORY_PHRASES[category])
    cohort = profile.cohort
    if cohort not in (None, _NO_COHORT) and cohort in service.cohorts and _OPEN_TO_ANYONE not in service.cohorts:
        found.append(_COHORT_PHRASES.get(cohort, cohort))
    return tuple(found)


def _built_for(p: Profile, s: ServiceInfo, v: _Verdicts) -> None:
    phrases = built_for(p, s)
    if phrases:
        v.match("built_for", f"Built for {_join(list(phrases))}")


def helps_with_none(profile: Profile, service: ServiceInfo) -> bool:
    """The service records its categories and shares none with the needs asked about, nor
    is it built for who the person is."""
    return bool(profile.needs and service.categories) and not selecting_categories(profile) & service.categories


@lru_cache(maxsize=256)
def unmet_needs(needs: frozenset[str]) -> Reason:
    """Why a service that helps with none of ``needs`` is excluded."""
    return Reason("needs", f"Does not help with: {_category_list(needs)}")


def unmet_needs_for(profile: Profile) -> Reason:
    """Why a service that helps with none of the needs, and is not built for the person, is excluded."""
    if cohort_categories(profile):
        phrases = [_COHORT_CATEGORY_PHRASES[c] for c in _ordered(cohort_categories(profile), CATEGORIES)]
        return _reason(
            "needs",
            f"Does not help with: {_category_list(profile.needs)}; not built for {_join(phrases, 'or')}",
        )
    return unmet_needs(profile.needs)


def _needs(p: Profile, s: ServiceInfo, v: _Verdicts) -> None:
    if not p.needs:
        return
    if not s.categories:
        v.note("needs", "Categories of need not recorded")
        return
    # decide() has already excluded a service that shares none of the needs, and is not
    # built for who the person is.
    shared = p.needs & s.categories
    if shared:
        v.match("needs", f"Helps with: {_category_list(shared)}")
    else:
        v.note("needs", f"Not recorded as helping with: {_category_list(p.needs)}")


def _cohort(p: Profile, s: ServiceInfo, v: _Verdicts) -> None:
    if p.cohort is None or not s.cohorts:
        return
    if p.cohort != _NO_COHORT and p.cohort in s.cohorts:
        v.match("cohort", f"For {_COHORT_PHRASES.get(p.cohort, p.cohort)}")
    elif _OPEN_TO_ANYONE in s.cohorts:
        v.match("cohort", "Open to anyone (no criminal justice status needed)")
    else:
        phrases = [_COHORT_PHRASES.get(c, c) for c in _ordered(s.cohorts, COHORTS)]
        v.fail("cohort", f"Only for {_join(phrases, 'or')}")


def _age(p: Profile, s: ServiceInfo, v: _Verdicts) -> None:
    lo, hi = s.min_age, s.max_age
    if lo is None and hi is None:
        if p.age is not None:
            v.note("age", "Age limits not recorded")
        return
    if p.age is None:
        return
    if lo is not None and p.age < lo:
        v.fail("age", f"From age {lo}")
    elif hi is not None and p.age > hi:
        v.fail("age", f"Up to age {hi}")
    elif lo is not None and hi is not None:
        v.match("age", f"Ages {lo} to {hi}")
    elif lo is not None:
        v.match("age", f"From age {lo}")
    else:
        v.match("age", f"Up to age {hi}")


def _gender(p: Profile, s: ServiceInfo, v: _Verdicts) -> None:
    served = {g for g in s.genders if g in _GENDER_PHRASES}
    if not served or served == set(_GENDER_PHRASES):
        return
    phrase = _join([_GENDER_PHRASES[g] for g in _ordered(served, GENDERS)])
    if p.gender is None:
        return
    if p.gender == _GENDER_NOT_KNOWN or p.gender not in _GENDER_PHRASES:
        v.note("gender", f"Only for {phrase}: gender not known")
    elif p.gender in served:
        v.match("gender", f"For {phrase}")
    else:
        v.fail("gender", f"Only for {phrase}")


def _risk(p: Profile, s: ServiceInfo, v: _Verdicts) -> None:
    if p.risk_level is None or not s.risk_levels:
        return
    if p.risk_level in s.risk_levels:
        v.match("risk", f"Accepts {RISK_LEVELS.get(p.risk_level, p.risk_level).lower()} risk")
    else:
        levels = [label.lower() for label in _labels(s.risk_levels, RISK_LEVELS)]
        v.fail("risk", f"Only for {_join(levels, 'or')} risk")


def _offence(p: Profile, s: ServiceInfo, v: _Verdicts) -> None:
    if p.offence is None:
        return
    phrase = offence_phrase(p.offence)
    if p.offence in s.offences_excluded:
        v.fail("offence", f"{phrase[:1].upper()}{phrase[1:]} are excluded")
    elif s.offences_accepted:
        if p.offence in s.offences_accepted:
            v.match("offence", f"Accepts {phrase}")
        else:
            accepted = [offence_phrase(o) for o in sorted(s.offences_accepted)]
            v.fail("offence", f"Only for {_join(accepted, 'or')}")


def _language(p: Profile, s: ServiceInfo, v: _Verdicts) -> None:
    if p.language is None or not s.languages:
        return
    wanted = p.language.strip().casefold()
    if wanted in {lang.strip().casefold() for lang in s.languages}:
        v.match("language", f"Available in {p.language}")
    else:
        v.fail(
            "language",
            f"Not available in {p.language} (offered in {_join(sorted(s.languages))})",
        )


def _veterans(p: Profile, s: ServiceInfo, v: _Verdicts) -> None:
    if s.veterans_only:
        if p.veteran:
            v.match("veterans", "For veterans")
        else:
            v.fail("veterans", "Only for veterans")
    if s.neurodivergent_only:
        if p.neurodivergent:
            v.match("neurodivergent", "For neurodivergent people")
        else:
            v.fail("neurodivergent", "Only for neurodivergent people")


def _oocd(
    p: Profile,
    s: ServiceInfo,
    v: _Verdicts,
    rules: OocdRules,
    assessment: DisposalAssessment | None,
) -> None:
    if p.disposal is None:
        return
    if assessment is None or assessment.disposal != p.disposal:
        assessment = assess_disposal(p, rules)
    if not assessment.available:
        for reason in assessment.reasons:
            v.failed.append(reason)
        return
    disposal = rules.disposal(p.disposal)
    if disposal is None:  # assess_disposal reports unknown disposals as unavailable
        return
    slug = disposal.slug

    if slug not in s.oocd_disposals:
        if s.oocd_disposals:
            v.fail("oocd_disposal", f"Cannot be {disposal.condition_phrase}")
        else:
            v.fail("oocd_disposal", f"Not recorded as {disposal.condition_phrase}")
        return

    kinds = s.oocd_condition_kinds
    allowed = rules.kinds_for(slug)
    permitted = kinds if allowed is None else kinds & allowed.kinds
    listed = ", ".join(condition_kind_label(k).lower() for k in _ordered(permitted, CONDITION_KINDS))
    v.match(
        "oocd_disposal",
        f"Can be {disposal.condition_phrase}" + (f" ({listed})" if listed else ""),
        disposal.citation,
    )
    if allowed is not None:
        for kind in _ordered(kinds - allowed.kinds, CONDITION_KINDS):
            v.fail(
                "oocd_condition_kind",
                f"{condition_kind_label(kind)} cannot be {disposal.condition_phrase}",
                allowed.citation,
            )

    hours = s.oocd_hours
    if hours is not None:
        for cap in rules.caps_for(slug):
            if cap.kind not in kinds:
                continue
            if cap.not_counting & kinds:
                if cap.max_hours is not None and hours > cap.max_hours:
                    waived = _join(
                        [condition_kind_label(k).lower() for k in _ordered(cap.not_counting, CONDITION_KINDS)],
                        "or",
                    )
                    v.note(
                        "oocd_hours",
                        f"Takes {_plural(hours, 'hour')}: under {disposal.article_name}, "
                        f"{cap.description} beyond {_plural(cap.max_hours, 'hour')} must be "
                        f"{waived}",
                        cap.citation,
                    )
                continue
            if cap.max_hours is None:
                v.note(
                    "oocd_hours",
                    f"Takes {_plural(hours, 'hour')}: {cap.description} under "
                    f"{disposal.article_name} is capped; check the hours against the cap",
                    cap.citation,
                )
            elif hours > cap.max_hours:
                v.fail(
                    "oocd_hours",
                    f"Takes {_plural(hours, 'hour')}; {cap.description} under "
                    f"{disposal.article_name} is capped at {_plural(cap.max_hours, 'hour')}",
                    cap.citation,
                )
            else:
                v.match(
                    "oocd_hours",
                    f"Takes {_plural(hours, 'hour')}, within the {_number(cap.max_hours)}-hour "
                    f"cap on {cap.description}",
                    cap.citation,
                )

    weeks = s.oocd_completion_weeks
    completion = rules.completion_for(slug)
    if weeks is not None and completion is not None:
        normal = (
            f"{disposal.possessive} conditions are normally completed within {_plural(completion.normal_weeks, 'week')}"
        )
        exceptional = completion.exceptional_weeks
        if weeks <= completion.normal_weeks:
            v.match("oocd_weeks", f"Takes {_plural(weeks, 'week')}; {normal}", completion.citation)
        elif exceptional is not None and weeks <= exceptional:
            v.note(
                "oocd_weeks",
                f"Takes {_plural(weeks, 'week')}; {normal}, exceptionally {_number(exceptional)}",
                completion.citation,
            )
        else:
            tail = f" (exceptionally {_number(exceptional)})" if exceptional is not None else ""
            v.fail("oocd_weeks", f"Takes {_plural(weeks, 'week')}; {normal}{tail}", completion.citation)


@dataclass(frozen=True)
class Rule:
    """One rule, with the fields that decide whether it fails.

    ``fails_on`` names the profile's fields and ``reads`` the service's: other fields may
    change a rule's wording ("Not delivered in Croydon" needs the borough's name), never its
    verdict. The finder's catalogue index relies on both to work out once, per value and per
    kind of service, which services a rule excludes (property tests check every
    declaration). A rule that never fails declares no profile fields.
    """

    name: str
    check: Callable[[Profile, ServiceInfo, _Verdicts], None]
    fails_on: tuple[str, ...]
    reads: tuple[str, ...]


# What a service records about its status, and when and where that was said.
STATUS_FIELDS = ("status", "starts_on", "ends_on", "funded_until", "status_as_of")

# What a service records about where it is delivered.
COVERAGE_FIELDS = ("borough_codes", "pan_london", "unnamed_borough_count", "coverage_confirmed")

# In the order their reasons are listed. The out-of-court disposal rules (``_oocd``) come
# last and read the disposal assessment as well, so they are not in this table.
ELIGIBILITY_RULES = (
    Rule("status", _status, ("today",), STATUS_FIELDS),
    Rule("borough", _borough, ("borough_code",), COVERAGE_FIELDS),
    Rule("needs", _needs, (), ("categories",)),
    Rule("built_for", _built_for, (), BUILT_FOR_SERVICE_FIELDS),
    Rule("cohort", _cohort, ("cohort",), ("cohorts",)),
    Rule("age", _age, ("age",), ("min_age", "max_age")),
    Rule("gender", _gender, ("gender",), ("genders",)),
    Rule("risk", _risk, ("risk_level",), ("risk_levels",)),
    Rule("offence", _offence, ("offence",), ("offences_accepted", "offences_excluded")),
    Rule("language", _language, ("language",), ("languages",)),
    Rule("veterans", _veterans, ("veteran", "neurodivergent"), ("veterans_only", "neurodivergent_only")),
)


def _disposal_rules(p: Profile, s: ServiceInfo, v: _Verdicts) -> None:
    _oocd(p, s, v, RULES, None)


# The out-of-court disposal rules under the tables in force. Its declaration holds only for
# a person the disposal is available to (``assess_disposal``), as for a profile that gives
# the disposal alone: then the disposal decides. When it is not available, every service
# fails on it with the assessment's reasons, and callers must check that first.
DISPOSAL_RULE = Rule(
    "oocd",
    _disposal_rules,
    ("disposal",),
    ("oocd_disposals", "oocd_condition_kinds", "oocd_hours", "oocd_completion_weeks"),
)


def fails(rule: Rule, profile: Profile, service: ServiceInfo) -> bool:
    """Does ``rule`` alone exclude ``service`` for ``profile``?"""
    verdicts = _Verdicts()
    rule.check(profile, service, verdicts)
    return bool(verdicts.failed)


def decide(
    profile: Profile,
    service: ServiceInfo,
    *,
    rules: OocdRules = RULES,
    assessment: DisposalAssessment | None = None,
) -> Decision:
    """Every rule's verdict on ``service`` for ``profile``.

    A service that helps with none of the needs asked about is excluded for that reason
    alone; its other rules are not weighed (in a large catalogue most services fail here,
    and one reason is what the person reading needs).

    ``assessment`` is :func:`directory.core.oocd.assess_disposal` for this profile, when
    the caller has already worked it out (ranking does, once for all services).
    """
    if helps_with_none(profile, service):
        return Decision(service_id=service.id, eligible=False, failed=(unmet_needs_for(profile),))
    verdicts = _Verdicts()
    for rule in ELIGIBILITY_RULES:
        rule.check(profile, service, verdicts)
    _oocd(profile, service, verdicts, rules, assessment)
    return Decision(
        service_id=service.id,
        eligible=not verdicts.failed,
        matched=tuple(verdicts.matched),
        failed=tuple(verdicts.failed),
        notes=tuple(verdicts.notes),
    )
