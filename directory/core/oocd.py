"""Out-of-court disposal (OoCD) rules, as data, and the person-level assessment.

Two regimes are held side by side:

- ``current`` (in force): community resolution (lower tier, non-statutory) and the adult
  conditional caution (upper tier; Criminal Justice Act 2003 ss.22-27 and the DPP's
  guidance on conditional cautioning).
- ``pcsc`` (prospective): diversionary caution (upper tier) and community caution (lower
  tier) in the Police, Crime, Sentencing and Courts Act 2022, Part 6, which
  legislation.gov.uk still marks "prospective".

Every rule is a frozen value carrying its ``source`` and its verification ``marker``:
``"V"`` read in the statute or official text, ``"I"`` inferred (from summaries, reporting
or police disclosures); see ``/work/shared/briefs/OOCD.md``. The engine
(:func:`assess_disposal` here, and :mod:`directory.core.eligibility`) only reads these
tables, so a change in the law (Part 6 commenced, a cap amended, a final Code of Practice
with different exclusions) is a change to :data:`RULES` and nothing else. Every function
takes ``rules=`` so a different rule set can be passed in.

Pure: no I/O, no framework imports.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from .types import Profile, Reason
from .vocabulary import CONDITION_KINDS, DASH_LEVELS, DISPOSALS, OFFENCES

__all__ = [
    "VERIFIED",
    "INFERRED",
    "Regime",
    "Disposal",
    "MinimumAge",
    "ConditionKinds",
    "HourCap",
    "CompletionTime",
    "OffenceRule",
    "RiskRule",
    "NextStep",
    "Verdict",
    "VERDICT_HEADINGS",
    "DisposalNote",
    "YouthRoute",
    "OocdRules",
    "RULES",
    "DisposalAssessment",
    "assess_disposal",
    "offence_phrase",
    "disposal_label",
    "disposal_choices",
    "cite",
]

VERIFIED = "V"  # read in the statute or official text
INFERRED = "I"  # inferred from summaries, reporting or disclosures
MARKERS = (VERIFIED, INFERRED)

EXCLUDE = "exclude"  # the disposal is not available for the offence
CAUTION = "caution"  # available, with a caution the officer should read


def cite(source: str, marker: str) -> str:
    """``"CJA 2003 s.22(1) [V]"``: a source with its verification marker."""
    return f"{source} [{marker}]"


class Cited:
    """A rule that carries its legal ``source`` and verification ``marker``."""

    source: str
    marker: str

    @property
    def citation(self) -> str:
        return cite(self.source, self.marker)


# --------------------------------------------------------------------------------------
# Rule shapes
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Regime(Cited):
    slug: str  # "current" | "pcsc"
    name: str
    in_force: bool
    status: str  # a sentence on the regime's legal status
    source: str
    marker: str


@dataclass(frozen=True)
class Disposal(Cited):
    slug: str  # vocabulary.DISPOSALS
    regime: str  # Regime.slug
    name: str  # "conditional caution"
    tier: str  # "upper" | "lower"
    article_name: str  # "a conditional caution"
    condition_phrase: str  # "a condition of a conditional caution"
    corresponds_to: str | None  # the other regime's counterpart
    source: str
    marker: str

    @property
    def possessive(self) -> str:  # "a conditional caution's"
        return f"{self.article_name}'s"


@dataclass(frozen=True)
class MinimumAge(Cited):
    disposal: str
    age: int
    source: str
    marker: str

    def forbids(self, profile: Profile) -> bool | None:
        """What the rule says of this person: True forbidden, None not known (age not given)."""
        return None if profile.age is None else profile.age < self.age


@dataclass(frozen=True)
class ConditionKinds(Cited):
    """Which condition kinds (vocabulary.CONDITION_KINDS) may be attached to a disposal."""

    disposal: str
    kinds: frozenset[str]
    source: str
    marker: str


@dataclass(frozen=True)
class HourCap(Cited):
    """A cap on the hours of one condition kind.

    The cap applies when a service provides ``kind`` and none of ``not_counting`` (e.g.
    attendance is capped only when it is not rehabilitative). ``max_hours`` of ``None``
    means the law caps it but the figure is not encoded: the engine notes it.
    """

    disposal: str
    kind: str
    max_hours: float | None
    description: str  # "unpaid work", "attendance for reparation"
    source: str
    marker: str
    not_counting: frozenset[str] = frozenset()


@dataclass(frozen=True)
class CompletionTime(Cited):
    disposal: str
    normal_weeks: float
    exceptional_weeks: float | None
    source: str
    marker: str


@dataclass(frozen=True)
class OffenceRule(Cited):
    """An offence type a disposal excludes (``effect="exclude"``) or flags (``"caution"``)."""

    disposal: str
    offence: str  # vocabulary.OFFENCES
    effect: str  # EXCLUDE | CAUTION
    text: str  # the whole sentence
    source: str
    marker: str

    def forbids(self, profile: Profile) -> bool | None:
        if self.effect != EXCLUDE:
            return False
        return None if profile.offence is None else profile.offence == self.offence


@dataclass(frozen=True)
class RiskRule(Cited):
    """For one offence type, a disposal only at some DASH risk levels (``allowed``).

    Above them the disposal is not suitable; without the level it cannot be assessed.
    """

    disposal: str
    offence: str
    allowed: frozenset[str]  # vocabulary.DASH_LEVELS
    text: str  # the whole sentence
    source: str
    marker: str

    def forbids(self, profile: Profile) -> bool | None:
        if profile.offence is None:
            return None
        if profile.offence != self.offence:
            return False
        return None if profile.dash_risk is None else profile.dash_risk not in self.allowed


@dataclass(frozen=True)
class NextStep(Cited):
    """What the guidance allows when a disposal is not suitable for an offence at a risk."""

    offence: str
    dash_levels: frozenset[str]  # empty: at any level
    text: str
    source: str
    marker: str


@dataclass(frozen=True)
class DisposalNote(Cited):
    """Something an officer must know about a disposal that the finder cannot check."""

    disposals: frozenset[str]
    rule: str
    text: str
    source: str
    marker: str


@dataclass(frozen=True)
class YouthRoute(Cited):
    text: str
    source: str
    marker: str


@dataclass(frozen=True)
class OocdRules:
    regimes: tuple[Regime, ...]
    disposals: tuple[Disposal, ...]
    minimum_ages: tuple[MinimumAge, ...]
    condition_kinds: tuple[ConditionKinds, ...]
    hour_caps: tuple[HourCap, ...]
    completion_times: tuple[CompletionTime, ...]
    offence_rules: tuple[OffenceRule, ...]
    notes: tuple[DisposalNote, ...]
    youth_route: YouthRoute
    risk_rules: tuple[RiskRule, ...] = ()
    next_steps: tuple[NextStep, ...] = ()

    # Lookups. Tables are small, so a scan is clearer than an index.
    def regime(self, slug: str) -> Regime | None:
        return next((r for r in self.regimes if r.slug == slug), None)

    def disposal(self, slug: str | None) -> Disposal | None:
        return next((d for d in self.disposals if d.slug == slug), None)

    def minimum_age(self, disposal: str) -> MinimumAge | None:
        return next((m for m in self.minimum_ages if m.disposal == disposal), None)

    def kinds_for(self, disposal: str) -> ConditionKinds | None:
        return next((k for k in self.condition_kinds if k.disposal == disposal), None)

    def caps_for(self, disposal: str) -> tuple[HourCap, ...]:
        return tuple(c for c in self.hour_caps if c.disposal == disposal)

    def completion_for(self, disposal: str) -> CompletionTime | None:
        return next((c for c in self.completion_times if c.disposal == disposal), None)

    def offence_rules_for(self, disposal: str) -> tuple[OffenceRule, ...]:
        return tuple(o for o in self.offence_rules if o.disposal == disposal)

    def notes_for(self, disposal: str) -> tuple[DisposalNote, ...]:
        return tuple(n for n in self.notes if disposal in n.disposals)

    def risk_rules_for(self, disposal: str) -> tuple[RiskRule, ...]:
        return tuple(r for r in self.risk_rules if r.disposal == disposal)

    def rules_for(self, disposal: str) -> tuple[MinimumAge | OffenceRule | RiskRule, ...]:
        """Every rule that can forbid ``disposal`` for a person."""
        minimum = self.minimum_age(disposal)
        return (
            *((minimum,) if minimum else ()),
            *self.offence_rules_for(disposal),
            *self.risk_rules_for(disposal),
        )

    def in_force(self, disposal: Disposal) -> bool | None:
        regime = self.regime(disposal.regime)
        return regime.in_force if regime is not None else None


# --------------------------------------------------------------------------------------
# Wording shared with the eligibility engine
# --------------------------------------------------------------------------------------

_OFFENCE_PLURALS = {
    "violence": "violence against the person offences",
    "domestic_abuse": "domestic abuse offences",
    "hate_crime": "hate crime offences",
    "sexual": "sexual offences",
    "sexual_against_child": "sexual offences against children",
    "indecent_images": "indecent images of children offences",
    "stalking_harassment": "stalking and harassment offences",
    "theft": "theft and other acquisitive offences",
    "criminal_damage": "criminal damage offences",
    "public_order": "public order offences",
    "drugs_possession": "drug possession offences (not Class A)",
    "class_a_drugs": "Class A drug offences",
    "weapons": "offensive weapon and bladed article offences",
    "firearms": "firearms offences",
    "child_cruelty": "child cruelty offences",
    "motoring": "motoring offences",
    "other": "other offences",
}


def offence_phrase(slug: str) -> str:
    """``"domestic_abuse"`` -> ``"domestic abuse offences"`` (lower case, plural)."""
    if slug in _OFFENCE_PLURALS:
        return _OFFENCE_PLURALS[slug]
    label = OFFENCES.get(slug, slug.replace("_", " "))
    return f"{label[:1].lower()}{label[1:]} offences"


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


# --------------------------------------------------------------------------------------
# The rules
# --------------------------------------------------------------------------------------

CJA = "Criminal Justice Act 2003"
PCSC = "Police, Crime, Sentencing and Courts Act 2022"
DRAFT_CODE = "draft Code of Practice for Diversionary and Community Cautions (consultation, August 2023)"
MPS = "Metropolitan Police disclosure on community resolutions"
DPP_GUIDANCE = "DPP's Guidance on Conditional Cautioning (CPS, updated August 2024)"
CHARGING = "Director's Guidance on Charging (CPS)"
SAFELIVES = "SafeLives Dash risk checklist guidance (high risk: referral to a MARAC)"


def _offence_rules(
    disposals: Iterable[str],
    offences: Iterable[str],
    effect: str,
    template: str,
    source: str,
    marker: str,
) -> tuple[OffenceRule, ...]:
    """One OffenceRule per (disposal, offence); ``template`` may use {offences}."""
    return tuple(
        OffenceRule(
            disposal=d,
            offence=o,
            effect=effect,
            text=_capitalise(template.format(offences=offence_phrase(o))),
            source=source,
            marker=marker,
        )
        for d in disposals
        for o in offences
    )


_ADULT_CAUTIONS = frozenset({"conditional_caution", "diversionary_caution", "community_caution"})
_PCSC_CAUTIONS = ("diversionary_caution", "community_caution")

RULES = OocdRules(
    regimes=(
        Regime(
            slug="current",
            name="Current framework (community resolution and conditional caution)",
            in_force=True,
            status="In force.",
            source=f"{CJA} ss.22-27; {DPP_GUIDANCE}",
            marker=VERIFIED,
        ),
        Regime(
            slug="pcsc",
            name=f"Two-tier framework ({PCSC}, Part 6)",
            in_force=False,
            status=(
                "Part 6 is prospective (not commenced), and no final Code of Practice has "
                "been published (a draft was consulted on in August 2023)."
            ),
            source=f"{PCSC} Part 6 (legislation.gov.uk: prospective)",
            marker=VERIFIED,
        ),
    ),
    disposals=(
        Disposal(
            slug="community_resolution",
            regime="current",
            name="community resolution",
            tier="lower",
            article_name="a community resolution",
            condition_phrase="an agreed action under a community resolution",
            corresponds_to="community_caution",
            source="non-statutory; police guidance",
            marker=INFERRED,
        ),
        Disposal(
            slug="conditional_caution",
            regime="current",
            name="conditional caution",
            tier="upper",
            article_name="a conditional caution",
            condition_phrase="a condition of a conditional caution",
            corresponds_to="diversionary_caution",
            source=f"{CJA} s.22",
            marker=VERIFIED,
        ),
        Disposal(
            slug="diversionary_caution",
            regime="pcsc",
            name="diversionary caution",
            tier="upper",
            article_name="a diversionary caution",
            condition_phrase="a condition of a diversionary caution",
            corresponds_to="conditional_caution",
            source=f"{PCSC} ss.98-106",
            marker=VERIFIED,
        ),
        Disposal(
            slug="community_caution",
            regime="pcsc",
            name="community caution",
            tier="lower",
            article_name="a community caution",
            condition_phrase="a condition of a community caution",
            corresponds_to="community_resolution",
            source=f"{PCSC} ss.98, 107-115",
            marker=VERIFIED,
        ),
    ),
    minimum_ages=(
        MinimumAge("conditional_caution", 18, f"{CJA} s.22(1)", VERIFIED),
        MinimumAge("diversionary_caution", 18, f"{PCSC} s.98(2)", VERIFIED),
        MinimumAge("community_caution", 18, f"{PCSC} s.98(3)", VERIFIED),
    ),
    condition_kinds=(
        ConditionKinds(
            "community_resolution",
            frozenset({"rehabilitative", "reparative"}),
            "agreed actions: apology, repair, referral to a service (OOCD brief)",
            INFERRED,
        ),
        ConditionKinds(
            "conditional_caution",
            frozenset({"rehabilitative", "reparative", "restrictive", "attendance", "unpaid_work"}),
            f"{CJA} s.22(3)-(3A); {DPP_GUIDANCE} (unpaid work as a punitive attendance condition)",
            INFERRED,
        ),
        ConditionKinds(
            "diversionary_caution",
            frozenset({"rehabilitative", "reparative", "restrictive", "attendance", "unpaid_work"}),
            f"{PCSC} s.101(1)-(3)",
            VERIFIED,
        ),
        ConditionKinds(
            "community_caution",
            frozenset({"rehabilitative", "reparative", "restrictive", "attendance", "unpaid_work"}),
            f"{PCSC} s.109",
            VERIFIED,
        ),
    ),
    hour_caps=(
        HourCap(
            "conditional_caution",
            "attendance",
            20,
            "attendance",
            f"{CJA} s.22(3B)",
            VERIFIED,
            not_counting=frozenset({"rehabilitative"}),
        ),
        HourCap(
            "conditional_caution",
            "unpaid_work",
            20,
            "unpaid work (an attendance condition)",
            f"{CJA} s.22(3A)(b), (3B)",
            INFERRED,
        ),
        HourCap("diversionary_caution", "unpaid_work", 20, "unpaid work", f"{PCSC} s.101(5)", VERIFIED),
        HourCap(
            "diversionary_caution",
            "attendance",
            None,
            "attendance only for reparation",
            f"{PCSC} s.101(6)",
            INFERRED,
            not_counting=frozenset({"rehabilitative"}),
        ),
        HourCap("community_caution", "unpaid_work", 10, "unpaid work", f"{PCSC} s.109", VERIFIED),
        HourCap(
            "community_caution",
            "attendance",
            10,
            "attendance only for reparation",
            f"{PCSC} s.109",
            VERIFIED,
            not_counting=frozenset({"rehabilitative"}),
        ),
    ),
    completion_times=(
        CompletionTime(
            "conditional_caution",
            16,
            20,
            "Code of Practice for Adult Conditional Cautions (2013), as summarised; "
            "MPS to the London Reducing Reoffending Board, May 2023",
            INFERRED,
        ),
    ),
    offence_rules=(
        # Met policy on community resolutions.
        *_offence_rules(
            ["community_resolution"],
            [
                "domestic_abuse",
                "hate_crime",
                "sexual",
                "sexual_against_child",
                "indecent_images",
                "firearms",
                "weapons",
            ],
            EXCLUDE,
            "the Met does not use community resolutions for {offences}, save exceptional cases with senior authority",
            MPS,
            INFERRED,
        ),
        # Conditional caution: CPS guidance.
        *_offence_rules(
            ["conditional_caution"],
            ["hate_crime"],
            EXCLUDE,
            "a conditional caution is generally not suitable for {offences}",
            DPP_GUIDANCE,
            VERIFIED,
        ),
        # Statutory scheme: the draft Code of Practice (not final).
        *_offence_rules(
            _PCSC_CAUTIONS,
            [
                "sexual_against_child",
                "indecent_images",
                "weapons",
                "firearms",
                "child_cruelty",
                "class_a_drugs",
            ],
            EXCLUDE,
            "{offences} are excluded from diversionary and community cautions by the draft Code of Practice",
            DRAFT_CODE,
            INFERRED,
        ),
    ),
    notes=(
        DisposalNote(
            _ADULT_CAUTIONS,
            "oocd_gate",
            "Needs sufficient evidence to charge, a clear admission, the person's consent, the "
            "effect and the breach warning explained, and a signed document.",
            f"{CJA} s.23; {PCSC} s.99(2)",
            VERIFIED,
        ),
        DisposalNote(
            frozenset({"diversionary_caution", "community_caution", "community_resolution"}),
            "oocd_victim",
            "The victim's views must be sought and taken into account.",
            f"{PCSC} ss.100(3), 108(3)",
            VERIFIED,
        ),
        DisposalNote(
            frozenset({"diversionary_caution"}),
            "oocd_indictable_only",
            "Indictable-only offences only in exceptional circumstances, with the DPP's consent.",
            f"{PCSC} s.99(3)",
            VERIFIED,
        ),
        DisposalNote(
            frozenset({"community_caution"}),
            "oocd_excluded_offences",
            "Offences excluded from community cautions are partly defined by regulations, "
            "none of which have been made.",
            f"{PCSC} s.98(6)",
            VERIFIED,
        ),
        DisposalNote(
            frozenset(_PCSC_CAUTIONS),
            "oocd_repeat",
            "Limits on repeat cautions are to be set by regulations, none of which have been made.",
            f"{PCSC} s.116",
            VERIFIED,
        ),
        DisposalNote(
            frozenset(_PCSC_CAUTIONS),
            "oocd_draft_code",
            "The draft Code would require at least one rehabilitative or reparative condition on every caution.",
            DRAFT_CODE,
            INFERRED,
        ),
        DisposalNote(
            frozenset({"community_resolution"}),
            "oocd_community_resolution",
            "Any age; the agreed actions are shaped by the victim's wishes.",
            "police guidance on community resolutions",
            INFERRED,
        ),
    ),
    risk_rules=(
        RiskRule(
            "conditional_caution",
            "domestic_abuse",
            frozenset({"standard"}),
            "Domestic abuse offences: a conditional caution only in standard-risk cases (DASH), "
            "with safeguards (allowed since August 2024); use only services built for domestic "
            "abuse cautions",
            DPP_GUIDANCE,
            INFERRED,
        ),
    ),
    next_steps=(
        NextStep(
            "domestic_abuse",
            frozenset({"high"}),
            "High DASH risk: refer the case to the MARAC (multi-agency risk assessment "
            "conference) and put safeguarding for the victim in place",
            SAFELIVES,
            INFERRED,
        ),
    ),
    youth_route=YouthRoute(
        text=(
            "Under 18, so adult cautions do not apply: the youth route applies (youth caution, "
            "youth conditional caution or community resolution), and the youth offending team "
            "assesses"
        ),
        source=f"{PCSC} s.98(2)-(3); {CJA} s.22(1)",
        marker=VERIFIED,
    ),
)


# --------------------------------------------------------------------------------------
# The assessment of one person for one disposal
# --------------------------------------------------------------------------------------


class Verdict(str, Enum):
    """The answer to "can this disposal be given to this person, for this offence?"."""

    CAN_BE_CONSIDERED = "can_be_considered"
    NEEDS_INFORMATION = "needs_information"  # a fact it turns on was not given
    NOT_SUITABLE = "not_suitable"  # a rule forbids it
    NOT_IN_FORCE = "not_in_force"  # the law providing it has not commenced


VERDICT_HEADINGS = {
    Verdict.CAN_BE_CONSIDERED: "can be considered",
    Verdict.NEEDS_INFORMATION: "cannot be assessed yet",
    Verdict.NOT_SUITABLE: "not suitable for this person",
    Verdict.NOT_IN_FORCE: "not yet in force",
}


def disposal_label(slug: str, rules: OocdRules | None = None) -> str:
    """``"Diversionary caution (not yet in force)"``; a disposal in force by its name alone."""
    rules = rules or RULES
    label = DISPOSALS.get(slug, slug.replace("_", " ").capitalize())
    disposal = rules.disposal(slug)
    if disposal is not None and rules.in_force(disposal) is False:
        return f"{label} (not yet in force)"
    return label


def disposal_choices(rules: OocdRules | None = None) -> tuple[tuple[str, str], ...]:
    """Every disposal as (slug, label): those in force first, each regime in vocabulary order."""
    rules = rules or RULES
    order = list(DISPOSALS)
    known = sorted(
        rules.disposals,
        key=lambda d: (rules.in_force(d) is not True, order.index(d.slug) if d.slug in order else len(order)),
    )
    return tuple((d.slug, disposal_label(d.slug, rules)) for d in known)


@dataclass(frozen=True)
class DisposalAssessment:
    """Whether the profile's disposal can be used for this person at all.

    ``verdict`` is the answer; ``available`` is whether services are weighed as its
    conditions (it can be considered, or could be once ``missing`` is given). ``reasons``
    say why it is not suitable or not in force; ``missing`` what the answer turns on;
    ``notes`` cautions that do not exclude; ``next_steps`` what the guidance allows
    instead; ``alternatives`` the disposals in force that could be considered instead.
    """

    disposal: str | None
    available: bool
    reasons: tuple[Reason, ...] = ()
    notes: tuple[Reason, ...] = ()
    regime: str | None = None
    in_force: bool | None = None
    corresponds_to: str | None = None  # the other regime's counterpart
    verdict: Verdict | None = None
    missing: tuple[Reason, ...] = ()
    next_steps: tuple[Reason, ...] = ()
    alternatives: tuple[str, ...] = ()

    @property
    def heading(self) -> str | None:
        """``"Conditional caution: not suitable for this person"``."""
        if self.disposal is None or self.verdict is None:
            return None
        return f"{DISPOSALS.get(self.disposal, self.disposal)}: {VERDICT_HEADINGS[self.verdict]}"


def _rule_verdicts(
    profile: Profile, disposal: Disposal, rules: OocdRules
) -> tuple[list[Reason], list[Reason], list[Reason]]:
    """(reasons it is forbidden, facts it needs, notes) for ``profile`` under ``disposal``'s rules."""
    slug = disposal.slug
    reasons: list[Reason] = []
    missing: list[Reason] = []
    notes: list[Reason] = []

    minimum = rules.minimum_age(slug)
    if minimum is not None:
        if profile.age is None:
            missing.append(
                Reason(
                    "oocd_age",
                    f"Age not given: {disposal.article_name} needs the person to be {minimum.age} or over",
                    minimum.citation,
                )
            )
        elif profile.age < minimum.age:
            youth = rules.youth_route
            reasons.append(
                Reason(
                    "oocd_age",
                    f"{_capitalise(disposal.article_name)} is for people aged {minimum.age} or over. {youth.text}",
                    youth.citation,
                )
            )
    elif profile.age is not None and profile.age < 18:
        notes.append(
            Reason(
                "oocd_youth",
                "Under 18: the youth offending team assesses",
                rules.youth_route.citation,
            )
        )

    offence_rules = rules.offence_rules_for(slug)
    risk_rules = rules.risk_rules_for(slug)
    if profile.offence is None:
        if any(o.effect == EXCLUDE for o in offence_rules) or risk_rules:
            missing.append(
                Reason(
                    "oocd_offence",
                    f"Offence not given: some offences are excluded from {disposal.name}s",
                )
            )
    else:
        for rule in offence_rules:
            if rule.offence != profile.offence:
                continue
            reason = Reason("oocd_offence", rule.text, rule.citation)
            (reasons if rule.effect == EXCLUDE else notes).append(reason)
        for risk in risk_rules:
            if risk.offence != profile.offence:
                continue
            allowed = _join_or([DASH_LEVELS.get(level, level).lower() for level in _dash_order(risk.allowed)])
            if profile.dash_risk is None:
                missing.append(
                    Reason(
                        "oocd_dash",
                        f"DASH risk level not given: {disposal.article_name} for "
                        f"{offence_phrase(risk.offence)} needs the DASH level to be {allowed}. "
                        f"{risk.text}",
                        risk.citation,
                    )
                )
            elif profile.dash_risk not in risk.allowed:
                level = DASH_LEVELS.get(profile.dash_risk, profile.dash_risk).lower()
                reasons.append(
                    Reason(
                        "oocd_dash",
                        f"Not suitable at {level} DASH risk. {risk.text}",
                        risk.citation,
                    )
                )
            else:
                notes.append(Reason("oocd_dash", risk.text, risk.citation))
    return reasons, missing, notes


def _dash_order(levels: Iterable[str]) -> list[str]:
    order = list(DASH_LEVELS)
    return sorted(levels, key=lambda level: order.index(level) if level in order else len(order))


def _join_or(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} or {items[-1]}"


def assess_disposal(profile: Profile, rules: OocdRules = RULES) -> DisposalAssessment:
    """Can ``profile.disposal`` be given to this person, for this offence?"""
    slug = profile.disposal
    if slug is None:
        return DisposalAssessment(disposal=None, available=True)
    disposal = rules.disposal(slug)
    if disposal is None:
        return DisposalAssessment(
            disposal=slug,
            available=False,
            verdict=Verdict.NOT_SUITABLE,
            reasons=(Reason("oocd_disposal", f"'{slug}' is not a known out-of-court disposal"),),
        )

    regime = rules.regime(disposal.regime)
    in_force = regime.in_force if regime is not None else None
    name = DISPOSALS.get(slug, disposal.name.capitalize())
    reasons: list[Reason] = []
    counterpart = rules.disposal(disposal.corresponds_to)
    if regime is not None and not regime.in_force:
        text = f"{name}s are not yet in force. {regime.status}"
        if counterpart is not None and rules.in_force(counterpart):
            text += f" The corresponding disposal in force is the {counterpart.name}."
        reasons.append(Reason("oocd_in_force", text, regime.citation))

    forbidden, missing, notes = _rule_verdicts(profile, disposal, rules)
    reasons.extend(forbidden)
    for note in rules.notes_for(slug):
        notes.append(Reason(note.rule, note.text, note.citation))

    if regime is not None and not regime.in_force:
        verdict = Verdict.NOT_IN_FORCE
    elif forbidden:
        verdict = Verdict.NOT_SUITABLE
    elif missing:
        verdict = Verdict.NEEDS_INFORMATION
    else:
        verdict = Verdict.CAN_BE_CONSIDERED

    alternatives: tuple[str, ...] = ()
    next_steps: list[Reason] = []
    if verdict in (Verdict.NOT_SUITABLE, Verdict.NOT_IN_FORCE):
        alternatives = _alternatives(profile, disposal, rules)
        next_steps.extend(_next_steps(profile, rules, alternatives))

    return DisposalAssessment(
        disposal=slug,
        available=verdict in (Verdict.CAN_BE_CONSIDERED, Verdict.NEEDS_INFORMATION),
        reasons=tuple(reasons),
        notes=tuple(notes),
        regime=disposal.regime,
        in_force=in_force,
        corresponds_to=disposal.corresponds_to,
        verdict=verdict,
        missing=tuple(missing),
        next_steps=tuple(next_steps),
        alternatives=alternatives,
    )


def _alternatives(profile: Profile, disposal: Disposal, rules: OocdRules) -> tuple[str, ...]:
    """The other disposals in force that no rule forbids for this person and offence."""
    found = []
    for other in rules.disposals:
        if other.slug == disposal.slug or not rules.in_force(other):
            continue
        forbidden, _, _ = _rule_verdicts(profile, other, rules)
        if not forbidden:
            found.append(other.slug)
    counterpart = disposal.corresponds_to
    return tuple(sorted(found, key=lambda slug: slug != counterpart))


def _next_steps(profile: Profile, rules: OocdRules, alternatives: tuple[str, ...]) -> list[Reason]:
    steps = []
    for step in rules.next_steps:
        if step.offence == profile.offence and (not step.dash_levels or profile.dash_risk in step.dash_levels):
            steps.append(Reason("oocd_next_step", step.text, step.citation))
    if alternatives:
        names = [rules.disposal(slug).name for slug in alternatives]
        steps.append(
            Reason(
                "oocd_alternative",
                f"Instead, {_join_or(['the ' + n for n in names])} can be considered: no rule "
                "held here forbids it for this person and offence (check it below)",
            )
        )
    elif profile.age is not None and profile.age < 18:
        steps.append(Reason("oocd_youth", rules.youth_route.text, rules.youth_route.citation))
    else:
        steps.append(
            Reason(
                "oocd_charge",
                "No out-of-court disposal in force is open to this person for this "
                "offence: the case goes for a charging decision",
                cite(CHARGING, INFERRED),
            )
        )
    return steps


def condition_kind_label(kind: str) -> str:
    return CONDITION_KINDS.get(kind, kind.replace("_", " ").capitalize())
