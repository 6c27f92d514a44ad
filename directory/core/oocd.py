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

from .types import Profile, Reason
from .vocabulary import CONDITION_KINDS, DISPOSALS, OFFENCES

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
    "DisposalNote",
    "YouthRoute",
    "OocdRules",
    "RULES",
    "DisposalAssessment",
    "assess_disposal",
    "offence_phrase",
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
            "the Met does not use community resolutions for {offences}, save exceptional "
            "cases with senior authority",
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
        *_offence_rules(
            ["conditional_caution"],
            ["domestic_abuse"],
            CAUTION,
            "{offences}: a conditional caution only in standard-risk cases, with safeguards "
            "(allowed since August 2024); use only services built for domestic abuse cautions",
            DPP_GUIDANCE,
            INFERRED,
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
            "{offences} are excluded from diversionary and community cautions by the draft "
            "Code of Practice",
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
            "The draft Code would require at least one rehabilitative or reparative condition "
            "on every caution.",
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


@dataclass(frozen=True)
class DisposalAssessment:
    """Whether the profile's disposal can be used for this person at all.

    ``available`` is ``True`` when no disposal was asked about. ``reasons`` say why it is
    not available (empty when it is); ``notes`` are cautions that do not exclude.
    """

    disposal: str | None
    available: bool
    reasons: tuple[Reason, ...] = ()
    notes: tuple[Reason, ...] = ()
    regime: str | None = None
    in_force: bool | None = None
    corresponds_to: str | None = None  # the other regime's counterpart


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
            reasons=(Reason("oocd_disposal", f"'{slug}' is not a known out-of-court disposal"),),
        )

    reasons: list[Reason] = []
    notes: list[Reason] = []
    regime = rules.regime(disposal.regime)
    in_force = regime.in_force if regime is not None else None
    name = DISPOSALS.get(slug, disposal.name.capitalize())

    # In force?
    counterpart = rules.disposal(disposal.corresponds_to)
    if regime is not None and not regime.in_force:
        text = f"{name}s are not yet in force. {regime.status}"
        if counterpart is not None:
            counterpart_regime = rules.regime(counterpart.regime)
            if counterpart_regime is not None and counterpart_regime.in_force:
                text += f" The corresponding disposal in force is the {counterpart.name}."
        notes.append(Reason("oocd_in_force", text, regime.citation))

    # Age.
    minimum = rules.minimum_age(slug)
    if minimum is not None:
        if profile.age is None:
            notes.append(
                Reason(
                    "oocd_age",
                    f"Age not given: {disposal.article_name} needs the person to be "
                    f"{minimum.age} or over",
                    minimum.citation,
                )
            )
        elif profile.age < minimum.age:
            youth = rules.youth_route
            reasons.append(
                Reason(
                    "oocd_age",
                    f"{_capitalise(disposal.article_name)} is for people aged {minimum.age} or "
                    f"over. {youth.text}",
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

    # Offence.
    offence_rules = rules.offence_rules_for(slug)
    if profile.offence is None:
        if any(o.effect == EXCLUDE for o in offence_rules):
            notes.append(
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

    # What the finder cannot check.
    for note in rules.notes_for(slug):
        notes.append(Reason(note.rule, note.text, note.citation))

    return DisposalAssessment(
        disposal=slug,
        available=not reasons,
        reasons=tuple(reasons),
        notes=tuple(notes),
        regime=disposal.regime,
        in_force=in_force,
        corresponds_to=disposal.corresponds_to,
    )


def condition_kind_label(kind: str) -> str:
    return CONDITION_KINDS.get(kind, kind.replace("_", " ").capitalize())
