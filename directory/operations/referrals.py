"""Referrals: make one, move it through its states, list each side's, count them.

Who may act is decided here, from the signed-in account and the stored referral, never
from anything the request says. Every change commits with its event and its emails.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from ..core.accounts import Account, is_stale, may
from ..core.status import Standing
from ..core.referrals import (
    ACKNOWLEDGE_WITHIN,
    PROVIDER,
    PROVIDER_ANSWERS,
    REFERRER,
    SUPPRESS_BELOW,
    SYSTEM,
    InvalidReferral,
    ReferralFacts,
    State,
    Transition,
    TransitionRefused,
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
from ..models import Borough, Organisation, Referral, ReferralEvent, Service, User
from ..models._base import utcnow
from . import audit, outbox
from .permissions import NotPermitted
from .catalogue import status_reading

LinkFor = Callable[[str], str]  # referral code -> the page's full address
CODE_TRIES = 8


NOT_YOURS = (
    "This referral is not yours to see: only the person who made it, the service's own provider and commissioners can."
)


class ReferralNotFound(LookupError):
    """No referral has that code."""


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


def _require_referrer(account: Account) -> None:
    if not may(account.role, "refer"):
        raise NotPermitted("Only officers and commissioners can make referrals.")


# -- before referring ---------------------------------------------------------------------


@dataclass(frozen=True)
class ReferTarget:
    """The service as the referrer sees it before sending, with what to check first."""

    slug: str
    name: str
    organisation_name: str | None
    how_to_refer: str | None
    warnings: tuple[str, ...]  # the referrer confirms these before the referral is sent
    blocker: str | None  # why it cannot be referred here at all, with the next step


def running_warnings(service: Service, today: date, now: datetime) -> list[str]:
    """Why the service may not be taking people now, by the one status rule."""
    reading = status_reading(service, today)
    warnings = []
    if reading.standing is Standing.ENDED:
        warnings.append(f"The directory records this service as ended ({reading.sentence}).")
    elif reading.standing is not Standing.CONFIRMED:
        warnings.append(f"The directory does not know that this service is running now: {reading.sentence}.")
    if is_stale(_aware(service.last_confirmed_at), _aware(service.created_at), now):
        warnings.append("Its provider has not confirmed the details in the last six months.")
    return warnings


def _recipients_for_provider(session: Session, organisation: Organisation | None) -> list[str]:
    if organisation is None:
        return []
    addresses = [organisation.email] if organisation.email else []
    addresses += session.scalars(
        select(User.email)
        .where(User.organisation_id == organisation.id, User.role == "provider", User.active.is_(True))
        .order_by(User.id)
    ).all()
    seen, unique = set(), []
    for address in addresses:
        if address and address.lower() not in seen:
            seen.add(address.lower())
            unique.append(address)
    return unique


def _published_service(session: Session, slug: str) -> Service | None:
    return session.scalar(select(Service).where(Service.slug == slug, Service.moderation == "published"))


def refer_target(session: Session, account: Account, slug: str, now: datetime | None = None) -> ReferTarget | None:
    _require_referrer(account)
    service = _published_service(session, slug or "")
    if service is None:
        return None
    now = now or utcnow()
    warnings = running_warnings(service, now.date(), now)
    blocker = None
    org = service.organisation
    if org is None:
        blocker = (
            "The sources do not name this service's provider, so a referral here would reach nobody. "
            "Use the service's own referral route on its page."
        )
    elif not _recipients_for_provider(session, org):
        warnings.append(
            "Nobody at this provider has an account or an email in the directory yet: they will see the "
            "referral when they sign in. Contact them through the service's referral route as well."
        )
    return ReferTarget(
        service.slug, service.name, org.name if org else None, service.how_to_refer, tuple(warnings), blocker
    )


def borough_choices(session: Session) -> list[tuple[str, str]]:
    return list(session.execute(select(Borough.code, Borough.name).order_by(Borough.name)).all())


# -- what each side sees ------------------------------------------------------------------


@dataclass(frozen=True)
class EventView:
    at: datetime
    party: str
    actor: str
    from_state: str | None
    to_state: str
    reason: str | None


@dataclass(frozen=True)
class ReferralView:
    code: str
    shown_code: str
    state: str
    service_slug: str
    service_name: str
    organisation_name: str | None
    referrer_role: str
    referrer_agency: str
    referrer_organisation: str | None
    borough_code: str
    borough_name: str | None
    age_band: str
    needs: tuple[str, ...]
    cohort: str | None
    disposal: str | None
    condition_kind: str | None
    condition_due: date | None
    sent_at: datetime
    answered_at: datetime | None
    acknowledge_by: datetime | None  # while still sent: when it expires
    party: str | None  # the viewer's side, if they have one
    moves: tuple[Transition, ...]  # what the viewer may do now
    events: tuple[EventView, ...]
    contact: dict  # how the two sides reach each other: the directory's own contacts


def party_of(account: Account, referral: Referral) -> str | None:
    """The viewer's side of this referral, from the server's records only."""
    if account.id is not None and account.id == referral.referrer_id and may(account.role, "refer"):
        return REFERRER
    if (
        account.role == "provider"
        and account.organisation_id is not None
        and account.organisation_id == referral.organisation_id
    ):
        return PROVIDER
    return None


def _may_see(account: Account, referral: Referral) -> bool:
    return party_of(account, referral) is not None or may(account.role, "read_all")


def _contact(referral: Referral, party: str | None) -> dict:
    if party == PROVIDER:
        referrer = referral.referrer
        return {
            "label": "The referrer",
            "email": referrer.email if referrer and referrer.active else None,
            "organisation": referral.referrer_organisation.name if referral.referrer_organisation else None,
        }
    service, org = referral.service, referral.organisation
    return {
        "label": "The service",
        "email": service.email or (org.email if org else None),
        "phone": service.phone or (org.phone if org else None),
        "organisation": org.name if org else None,
    }


def _view(session: Session, referral: Referral, account: Account, within: timedelta) -> ReferralView:
    party = party_of(account, referral)
    borough = session.scalar(select(Borough.name).where(Borough.code == referral.borough_code))
    sent_at = _aware(referral.sent_at)
    return ReferralView(
        code=referral.code,
        shown_code=format_code(referral.code),
        state=referral.state,
        service_slug=referral.service.slug,
        service_name=referral.service.name,
        organisation_name=referral.organisation.name if referral.organisation else None,
        referrer_role=referral.referrer_role,
        referrer_agency=referral.referrer_agency,
        referrer_organisation=referral.referrer_organisation.name if referral.referrer_organisation else None,
        borough_code=referral.borough_code,
        borough_name=borough,
        age_band=referral.age_band,
        needs=tuple(referral.needs or ()),
        cohort=referral.cohort,
        disposal=referral.disposal,
        condition_kind=referral.condition_kind,
        condition_due=referral.condition_due,
        sent_at=sent_at,
        answered_at=_aware(referral.answered_at),
        acknowledge_by=sent_at + within if referral.state == State.SENT else None,
        party=party,
        moves=moves_for(referral.state, party),
        events=tuple(
            EventView(_aware(e.at), e.actor_party, e.actor_label, e.from_state, e.to_state, e.reason)
            for e in referral.events
        ),
        contact=_contact(referral, party),
    )


def _load(session: Session, raw_code: str) -> Referral:
    code = normalise_code(raw_code)
    referral = code and session.scalar(select(Referral).where(Referral.code == code))
    if not referral:
        raise ReferralNotFound(raw_code)
    return referral


def get_referral(
    session: Session,
    account: Account,
    raw_code: str,
    link_for: LinkFor,
    within: timedelta = ACKNOWLEDGE_WITHIN,
    now: datetime | None = None,
) -> ReferralView:
    """A referral by its code, for its referrer, its provider or a commissioner; expired on
    read if nobody acknowledged it in time."""
    referral = _load(session, raw_code)
    if not _may_see(account, referral):
        raise NotPermitted(NOT_YOURS)
    _expire_if_overdue(session, referral, link_for, within, now or utcnow())
    return _view(session, referral, account, within)


@dataclass(frozen=True)
class ListedReferral:
    code: str
    shown_code: str
    state: str
    service_name: str
    borough_name: str | None
    sent_at: datetime
    condition_due: date | None


def list_referrals(
    session: Session,
    account: Account,
    link_for: LinkFor,
    state: str | None = None,
    within: timedelta = ACKNOWLEDGE_WITHIN,
    now: datetime | None = None,
) -> list[ListedReferral]:
    """A provider's inbox (their organisation's referrals) or the referrals a referrer made."""
    if account.role == "provider":
        if account.organisation_id is None:
            return []
        stmt = select(Referral).where(Referral.organisation_id == account.organisation_id)
    elif may(account.role, "refer"):
        stmt = select(Referral).where(Referral.referrer_id == account.id)
    else:
        raise NotPermitted("Only referrers and providers have referral lists.")
    expire_overdue(session, link_for, within, now, scope=stmt.whereclause)
    if state:
        stmt = stmt.where(Referral.state == state)
    referrals = session.scalars(
        stmt.options(selectinload(Referral.service)).order_by(Referral.sent_at.desc(), Referral.id.desc())
    ).all()
    names = dict(session.execute(select(Borough.code, Borough.name)).all())
    return [
        ListedReferral(
            r.code,
            format_code(r.code),
            r.state,
            r.service.name,
            names.get(r.borough_code),
            _aware(r.sent_at),
            r.condition_due,
        )
        for r in referrals
    ]


# -- writing ------------------------------------------------------------------------------


def _event(
    referral: Referral,
    party: str,
    actor: Account | None,
    source: str | None,
    target: str,
    reason: str | None,
    at: datetime,
) -> None:
    if actor is None:
        label = "Automatic: not acknowledged in time"
    else:
        org = _org_name(referral, actor)
        label = f"{actor.name} ({actor.role}{', ' + org if org else ''})"
    referral.events.append(
        ReferralEvent(
            actor_id=actor.id if actor else None,
            actor_party=party,
            actor_label=label[:254],
            from_state=source,
            to_state=target,
            reason=reason,
            at=at,
        )
    )


def _org_name(referral: Referral, actor: Account) -> str | None:
    for org in (referral.organisation, referral.referrer_organisation):
        if org is not None and actor.organisation_id == org.id:
            return org.name
    return None


def _notify(session: Session, referral: Referral, addresses: list[str], link_for: LinkFor, new: bool) -> None:
    shown = format_code(referral.code)
    service = referral.service.name
    subject = f"{'New referral' if new else 'Referral'} {shown} to {service}"
    opening = f"There is a new referral to {service}." if new else f"Referral {shown} to {service} has changed."
    body = (
        f"{opening}\n\nReferral code: {shown}\nService: {service}\n\n"
        f"See it, after signing in: {link_for(referral.code)}\n"
    )
    for address in addresses:
        outbox.enqueue(session, address, subject, body, referral.id)


def _referrer_addresses(referral: Referral) -> list[str]:
    referrer = referral.referrer
    return [referrer.email] if referrer is not None and referrer.active else []


def create_referral(
    session: Session,
    account: Account,
    values: dict,
    link_for: LinkFor,
    confirmed_warnings: bool = False,
    now: datetime | None = None,
) -> ReferralView:
    """Check and send a referral. A service with warnings needs ``confirmed_warnings``."""
    _require_referrer(account)
    now = now or utcnow()
    facts: ReferralFacts = check_facts(values, [c for c, _ in borough_choices(session)], now.date())
    target = refer_target(session, account, facts.service, now)
    if target is None:
        raise InvalidReferral({"service": "There is no such service in the directory."})
    if target.blocker:
        raise InvalidReferral({"service": target.blocker})
    if target.warnings and not confirmed_warnings:
        raise UnconfirmedWarnings(target.warnings)
    service = _published_service(session, facts.service)
    referral = None
    for _ in range(CODE_TRIES):
        referral = Referral(
            code=new_code(),
            service_id=service.id,
            organisation_id=service.organisation_id,
            referrer_id=account.id,
            referrer_role=account.role,
            referrer_agency=facts.referrer_agency,
            referrer_organisation_id=account.organisation_id,
            borough_code=facts.borough,
            age_band=facts.age_band,
            needs=list(facts.needs),
            cohort=facts.cohort,
            disposal=facts.disposal,
            condition_kind=facts.condition_kind,
            condition_due=facts.condition_due,
            consent=facts.consent,
            state=State.SENT.value,
            sent_at=now,
        )
        try:
            with session.begin_nested():
                session.add(referral)
        except IntegrityError:  # the code was taken: draw another
            continue
        break
    else:
        raise RuntimeError("Could not draw an unused referral code.")
    _event(referral, REFERRER, account, None, State.SENT.value, None, now)
    _notify(session, referral, _recipients_for_provider(session, service.organisation), link_for, new=True)
    audit.record(session, account, "referral.sent", "referral", referral.code, {"service": service.slug})
    session.commit()
    return _view(session, referral, account, ACKNOWLEDGE_WITHIN)


class UnconfirmedWarnings(Exception):
    """The service may not be running: the referrer must confirm before sending."""

    def __init__(self, warnings: tuple[str, ...]):
        super().__init__(" ".join(warnings))
        self.warnings = warnings


def transition(
    session: Session,
    account: Account,
    raw_code: str,
    target: str,
    reason: str | None,
    link_for: LinkFor,
    within: timedelta = ACKNOWLEDGE_WITHIN,
    now: datetime | None = None,
) -> ReferralView:
    """Move a referral, if this account's side may make this move from its current state.

    TransitionRefused (403 not yours, 409 not from this state) and InvalidReason leave the
    referral as it was.
    """
    now = now or utcnow()
    referral = _load(session, raw_code)
    if not _may_see(account, referral):
        raise TransitionRefused(403, NOT_YOURS)
    _expire_if_overdue(session, referral, link_for, within, now)
    party = party_of(account, referral)
    rule = check_transition(referral.state, target, party, reason or None)
    source = referral.state
    referral.state = rule.target.value
    if source == State.SENT and rule.target in PROVIDER_ANSWERS:
        referral.answered_at = now
    _event(referral, party, account, source, rule.target.value, reason or None, now)
    others = (
        _referrer_addresses(referral) if party == PROVIDER else _recipients_for_provider(session, referral.organisation)
    )
    _notify(session, referral, others, link_for, new=False)
    try:
        session.commit()
    except StaleDataError:
        session.rollback()
        raise TransitionRefused(
            409, "Someone changed this referral at the same time. Reload it and try again."
        ) from None
    return _view(session, referral, account, within)


def _expire(session: Session, referral: Referral, link_for: LinkFor, now: datetime) -> None:
    check_transition(referral.state, State.EXPIRED, SYSTEM, "not_acknowledged")
    referral.state = State.EXPIRED.value
    _event(referral, SYSTEM, None, State.SENT.value, State.EXPIRED.value, "not_acknowledged", now)
    addresses = _referrer_addresses(referral) + _recipients_for_provider(session, referral.organisation)
    _notify(session, referral, addresses, link_for, new=False)


def _expire_if_overdue(
    session: Session, referral: Referral, link_for: LinkFor, within: timedelta, now: datetime
) -> None:
    if is_overdue(referral.state, _aware(referral.sent_at), now, within):
        _expire(session, referral, link_for, now)
        try:
            session.commit()
        except StaleDataError:
            session.rollback()
            session.refresh(referral)


def expire_overdue(
    session: Session,
    link_for: LinkFor,
    within: timedelta = ACKNOWLEDGE_WITHIN,
    now: datetime | None = None,
    scope=None,
) -> list[str]:
    """Expire every referral still unacknowledged after ``within``; the codes expired."""
    now = now or utcnow()
    stmt = select(Referral).where(Referral.state == State.SENT.value, Referral.sent_at < now - within)
    if scope is not None:
        stmt = stmt.where(scope)
    expired = []
    for referral in session.scalars(stmt).all():
        _expire(session, referral, link_for, now)
        expired.append(referral.code)
    if expired:
        try:
            session.commit()
        except StaleDataError:
            session.rollback()
            return []
    return expired


# -- counts for commissioners -------------------------------------------------------------


@dataclass(frozen=True)
class CountRow:
    label: str
    total: int | str
    accepted: int | str
    declined: int | str
    median_days_to_answer: float | str | None


@dataclass(frozen=True)
class CountsReport:
    total: int | str
    by_service: tuple[CountRow, ...]
    by_borough: tuple[tuple[str, int | str], ...]
    by_state: tuple[tuple[str, int | str], ...]
    by_week: tuple[tuple[date, int | str], ...]
    rows: tuple[tuple[date, str, str, str, int | str], ...]  # week, borough, service, state, count


def counts(session: Session, account: Account) -> CountsReport:
    """Referrals counted by service, borough, state and week; fewer than 5 never shown as a number."""
    if not may(account.role, "read_all"):
        raise NotPermitted("Only commissioners can see referral counts.")
    referrals = session.scalars(select(Referral).options(selectinload(Referral.service))).all()
    accepted_ids = set(
        session.scalars(select(ReferralEvent.referral_id).where(ReferralEvent.to_state == State.ACCEPTED.value)).all()
    )
    boroughs = dict(session.execute(select(Borough.code, Borough.name)).all())
    by_service: dict[str, list[Referral]] = defaultdict(list)
    for r in referrals:
        by_service[r.service.name].append(r)
    service_rows = []
    for name in sorted(by_service):
        group = by_service[name]
        waits = [
            (_aware(r.answered_at) - _aware(r.sent_at)).total_seconds() / 86400
            for r in group
            if r.answered_at is not None
        ]
        middle = median(waits)
        shown_wait = None if not waits else ("too few to show" if len(waits) < SUPPRESS_BELOW else round(middle, 1))
        service_rows.append(
            CountRow(
                name,
                suppressed(len(group)),
                suppressed(sum(1 for r in group if r.id in accepted_ids)),
                suppressed(sum(1 for r in group if r.state == State.DECLINED)),
                shown_wait,
            )
        )
    borough_counts = Counter(boroughs.get(r.borough_code, r.borough_code) for r in referrals)
    state_counts = Counter(r.state for r in referrals)
    week_counts = Counter(week_start(_aware(r.sent_at)) for r in referrals)
    cells = Counter(
        (week_start(_aware(r.sent_at)), boroughs.get(r.borough_code, r.borough_code), r.service.name, r.state)
        for r in referrals
    )
    return CountsReport(
        total=suppressed(len(referrals)),
        by_service=tuple(service_rows),
        by_borough=tuple((name, suppressed(n)) for name, n in sorted(borough_counts.items())),
        by_state=tuple((s.value, suppressed(state_counts.get(s.value, 0))) for s in State),
        by_week=tuple((week, suppressed(n)) for week, n in sorted(week_counts.items())),
        rows=tuple((*key, suppressed(n)) for key, n in sorted(cells.items())),
    )
