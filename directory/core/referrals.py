"""Referrals as data: states, who may move a referral between them, codes, and counts.

A referral holds coded facts only (service, referrer's organisation and role, borough,
age band, needs, cohort, disposal and condition), never who the person is. The
transition table below is the whole rule: the operations and the tests read it.

Parties, decided on the server from the signed-in account and the stored referral:
``referrer`` is the account that made the referral; ``provider`` is a provider account of
the service's organisation; ``system`` is the expiry job. Nobody else moves a referral.

Pure: no I/O, no framework imports.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from types import MappingProxyType

from .vocabulary import CATEGORIES, CONDITION_KINDS, DISPOSALS, PERSON_COHORTS, REFERRAL_ROUTES


class State(StrEnum):
    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    STARTED = "started"
    COMPLETED = "completed"
    DISENGAGED = "disengaged"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


STATE_LABELS = MappingProxyType(
    {
        State.SENT: "Sent, not yet acknowledged",
        State.ACKNOWLEDGED: "Acknowledged by the provider",
        State.ACCEPTED: "Accepted",
        State.DECLINED: "Declined",
        State.STARTED: "Started",
        State.COMPLETED: "Completed",
        State.DISENGAGED: "Disengaged",
        State.WITHDRAWN: "Withdrawn by the referrer",
        State.EXPIRED: "Expired (not acknowledged in time)",
    }
)

# What the button says for a move into each state.
ACTION_LABELS = MappingProxyType(
    {
        State.ACKNOWLEDGED: "Acknowledge",
        State.ACCEPTED: "Accept",
        State.DECLINED: "Decline",
        State.STARTED: "Mark as started",
        State.COMPLETED: "Mark as completed",
        State.DISENGAGED: "Mark as disengaged",
        State.WITHDRAWN: "Withdraw",
        State.EXPIRED: "Expire",
    }
)

REFERRER, PROVIDER, SYSTEM = "referrer", "provider", "system"
PARTIES = (REFERRER, PROVIDER, SYSTEM)

DECLINE_REASONS = MappingProxyType(
    {
        "not_eligible": "Not eligible for this service",
        "no_capacity": "No capacity at present",
        "outside_area": "Outside the area the service covers",
        "not_running": "The service is not running",
        "better_elsewhere": "Another service fits better",
        "duplicate": "Already referred",
    }
)
DISENGAGE_REASONS = MappingProxyType(
    {
        "did_not_attend": "Did not attend",
        "stopped_attending": "Stopped attending",
        "consent_withdrawn": "Withdrew consent",
        "moved_away": "Moved out of the area",
        "in_custody": "In custody",
    }
)
WITHDRAW_REASONS = MappingProxyType(
    {
        "sent_in_error": "Sent in error",
        "consent_withdrawn": "The person withdrew consent",
        "disposal_changed": "The disposal or plan changed",
        "referred_elsewhere": "Referred to another service",
        "duplicate": "Already referred",
    }
)
EXPIRE_REASONS = MappingProxyType({"not_acknowledged": "Not acknowledged in time"})

REASON_LABELS = MappingProxyType({**DECLINE_REASONS, **DISENGAGE_REASONS, **WITHDRAW_REASONS, **EXPIRE_REASONS})


@dataclass(frozen=True)
class Transition:
    source: State
    target: State
    by: str  # a party: REFERRER, PROVIDER or SYSTEM
    reasons: Mapping[str, str] | None = None  # the reason codes, one required; None: no reason


_OPEN_TO_WITHDRAW = (State.SENT, State.ACKNOWLEDGED, State.ACCEPTED)

TRANSITIONS: tuple[Transition, ...] = (
    Transition(State.SENT, State.ACKNOWLEDGED, PROVIDER),
    Transition(State.SENT, State.ACCEPTED, PROVIDER),
    Transition(State.SENT, State.DECLINED, PROVIDER, DECLINE_REASONS),
    Transition(State.ACKNOWLEDGED, State.ACCEPTED, PROVIDER),
    Transition(State.ACKNOWLEDGED, State.DECLINED, PROVIDER, DECLINE_REASONS),
    Transition(State.ACCEPTED, State.STARTED, PROVIDER),
    Transition(State.ACCEPTED, State.DISENGAGED, PROVIDER, DISENGAGE_REASONS),
    Transition(State.STARTED, State.COMPLETED, PROVIDER),
    Transition(State.STARTED, State.DISENGAGED, PROVIDER, DISENGAGE_REASONS),
    *(Transition(s, State.WITHDRAWN, REFERRER, WITHDRAW_REASONS) for s in _OPEN_TO_WITHDRAW),
    Transition(State.SENT, State.EXPIRED, SYSTEM, EXPIRE_REASONS),
)

FINAL_STATES = frozenset({State.DECLINED, State.COMPLETED, State.DISENGAGED, State.WITHDRAWN, State.EXPIRED})
# Leaving ``sent`` for any of these is the provider's first answer: "time to acknowledge".
PROVIDER_ANSWERS = frozenset({State.ACKNOWLEDGED, State.ACCEPTED, State.DECLINED})
ACKNOWLEDGE_WITHIN = timedelta(days=7)


class TransitionRefused(Exception):
    """A move the rules do not allow. ``status`` is 403 (not yours to make) or 409 (not now)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


class InvalidReason(ValueError):
    def __init__(self, message: str, allowed: Iterable[str] = ()):
        super().__init__(message)
        self.message = message
        self.allowed = list(allowed)


def transition_between(source: str, target: str) -> Transition | None:
    return next((t for t in TRANSITIONS if t.source == source and t.target == target), None)


def moves_for(state: str, party: str | None) -> tuple[Transition, ...]:
    """The moves ``party`` may make from ``state`` (none for an outsider)."""
    return tuple(t for t in TRANSITIONS if t.source == state and t.by == party)


def check_transition(state: str, target: str, party: str | None, reason: str | None) -> Transition:
    """The transition to make, or why not: TransitionRefused (403/409) or InvalidReason."""
    try:
        target_state = State(target)
    except ValueError:
        raise InvalidReason(f"'{str(target)[:30]}' is not a referral state.", [s.value for s in State]) from None
    if party is None:
        raise TransitionRefused(403, "Only the referrer or the service's own provider can change this referral.")
    rule = transition_between(state, target_state)
    if rule is None:
        raise TransitionRefused(
            409,
            f"This referral is {STATE_LABELS[State(state)].lower()}: it cannot be moved to {target_state.value} now.",
        )
    if rule.by != party:
        who = {REFERRER: "the referrer", PROVIDER: "the service's provider", SYSTEM: "the expiry job"}
        raise TransitionRefused(403, f"Only {who[rule.by]} can move a referral to {target_state.value}.")
    if rule.reasons is None:
        if reason:
            raise InvalidReason(f"A move to {target_state.value} takes no reason.")
    elif reason not in rule.reasons:
        raise InvalidReason(f"Choose a reason for {target_state.value} from the list.", list(rule.reasons))
    return rule


def is_overdue(state: str, sent_at: datetime, now: datetime, within: timedelta = ACKNOWLEDGE_WITHIN) -> bool:
    """Still unacknowledged after the acknowledgement window: due to expire."""
    return state == State.SENT and now - sent_at > within


# -- referral codes -----------------------------------------------------------------------

# No 0/O, 1/I/L, or 5/S, 2/Z, 8/B pairs a tired eye or a phone line confuses.
CODE_ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"
CODE_LENGTH = 8


def new_code(choice=secrets.choice) -> str:
    return "".join(choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    """``"ACDE-FG34"``: two groups, easier to read out and copy."""
    return f"{code[:4]}-{code[4:]}"


def normalise_code(raw: str) -> str | None:
    """The stored form of a code someone typed (any case, spaces or dashes), or None."""
    text = "".join(ch for ch in (raw or "").upper() if ch not in " -\t")
    if len(text) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in text):
        return None
    return text


# -- the coded facts a referral holds -----------------------------------------------------

AGE_BANDS = MappingProxyType(
    {
        "under_18": "Under 18",
        "18_25": "18 to 25",
        "26_29": "26 to 29",
        "30_39": "30 to 39",
        "40_49": "40 to 49",
        "50_64": "50 to 64",
        "65_plus": "65 or over",
    }
)
_BAND_TOPS = (("under_18", 17), ("18_25", 25), ("26_29", 29), ("30_39", 39), ("40_49", 49), ("50_64", 64))


def age_band(age: int | None) -> str | None:
    if age is None:
        return None
    return next((band for band, top in _BAND_TOPS if age <= top), "65_plus")


REFERRER_AGENCIES = REFERRAL_ROUTES  # the referring organisation's kind, as services list routes
FIELDS = (
    "service",
    "borough",
    "referrer_agency",
    "age_band",
    "needs",
    "cohort",
    "disposal",
    "condition_kind",
    "condition_due",
    "consent",
)


@dataclass(frozen=True)
class ReferralFacts:
    service: str  # slug
    borough: str  # ONS code
    referrer_agency: str
    age_band: str
    needs: tuple[str, ...]
    cohort: str | None
    disposal: str | None
    condition_kind: str | None
    condition_due: date | None
    consent: bool


class InvalidReferral(ValueError):
    """Facts that cannot be a referral: ``problems`` maps each field to what is wrong."""

    def __init__(self, problems: dict[str, str], unknown: Iterable[str] = ()):
        self.problems = problems
        self.unknown = sorted(unknown)
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))


def unknown_fields(keys: Iterable[str]) -> list[str]:
    """Keys a referral does not hold (a name, a date of birth...): refused, never stored."""
    return sorted(set(keys) - set(FIELDS))


def check_facts(values: Mapping, borough_codes: Iterable[str], today: date) -> ReferralFacts:
    """Validate the coded facts; InvalidReferral lists every problem at once."""
    problems: dict[str, str] = {}
    unknown = unknown_fields(values)
    for key in unknown:
        problems[key] = "A referral holds coded facts only: this field is not accepted."

    def one_of(name: str, vocabulary, required: bool, message: str):
        value = values.get(name)
        if value in (None, ""):
            if required:
                problems[name] = message
            return None
        if not isinstance(value, str) or value not in vocabulary:
            problems[name] = "Choose one from the list."
            return None
        return value

    service = values.get("service")
    if not isinstance(service, str) or not service.strip():
        problems["service"] = "Choose the service to refer to."
        service = ""
    borough = one_of("borough", frozenset(borough_codes), True, "Choose the borough the person lives in.")
    agency = one_of("referrer_agency", REFERRER_AGENCIES, True, "Say what kind of organisation is referring.")
    band = one_of("age_band", AGE_BANDS, True, "Choose the person's age band.")
    cohort = one_of("cohort", PERSON_COHORTS, False, "")
    disposal = one_of("disposal", DISPOSALS, False, "")
    condition_kind = one_of("condition_kind", CONDITION_KINDS, False, "")

    raw_needs = values.get("needs") or []
    if isinstance(raw_needs, str):
        raw_needs = [raw_needs]
    needs: list[str] = []
    if not isinstance(raw_needs, (list, tuple)) or any(
        not isinstance(n, str) or n not in CATEGORIES for n in raw_needs
    ):
        problems["needs"] = "Choose needs from the list."
    else:
        needs = [n for n in CATEGORIES if n in raw_needs]

    due = values.get("condition_due")
    if due in (None, ""):
        due = None
    elif isinstance(due, str):
        try:
            due = date.fromisoformat(due)
        except ValueError:
            problems["condition_due"] = "Enter a real date, like 2025-03-31."
            due = None
    elif not isinstance(due, date):
        problems["condition_due"] = "Enter a real date, like 2025-03-31."
        due = None
    if due is not None and due < today:
        problems["condition_due"] = "The date the condition must be completed by is in the past."
    if (condition_kind or due) and not disposal:
        problems.setdefault("disposal", "Choose the disposal the condition belongs to.")

    consent = values.get("consent")
    if consent not in (True, "y", "yes", "on", "true", "1"):
        problems["consent"] = "The person must agree to the referral: tick to confirm they have."

    if problems:
        raise InvalidReferral(problems, unknown)
    return ReferralFacts(
        service=service.strip(),
        borough=borough,
        referrer_agency=agency,
        age_band=band,
        needs=tuple(needs),
        cohort=cohort,
        disposal=disposal,
        condition_kind=condition_kind,
        condition_due=due,
        consent=True,
    )


# -- counts for commissioners -------------------------------------------------------------

SUPPRESS_BELOW = 5


def suppressed(count: int, threshold: int = SUPPRESS_BELOW) -> int | str:
    """A count as it may be shown: 1 to 4 become "fewer than 5" (0 is shown as 0)."""
    if 0 < count < threshold:
        return f"fewer than {threshold}"
    return count


def week_start(moment: datetime | date) -> date:
    day = moment.date() if isinstance(moment, datetime) else moment
    return day - timedelta(days=day.weekday())


def median(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2
