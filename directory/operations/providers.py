"""What a provider does: see their records, submit services, propose changes, confirm.

A provider only touches their own organisation's records; every function loads the record
on the server and checks it (operations.permissions). New records wait as "pending"; an
edit to a live record becomes a pending Revision and the live version stays up. Each write
commits once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from ..core.accounts import Account, is_stale
from ..core.changes import ORGANISATION_FIELDS, SERVICE_FIELDS, diff
from ..core.slugs import slugify, unique_slug
from ..models import Borough, Organisation, Revision, Service
from ..models._base import utcnow
from . import audit
from .geocoding import Geocoder
from .permissions import NotPermitted, require_own_organisation
from .moderation import history
from .records import (
    EditConflict,
    apply_organisation_values,
    apply_service_values,
    locate_sites,
    organisation_values,
    service_values,
)
from .seeding import confirmation_reference


@dataclass(frozen=True)
class EditState:
    values: dict
    token: str
    live: bool
    pending_revision: bool
    rejection: str | None
    name: str


@dataclass(frozen=True)
class ServiceRow:
    id: int
    name: str
    slug: str
    moderation: str
    pending_change: bool
    rejection: str | None
    last_confirmed_at: datetime | None
    stale: bool


@dataclass(frozen=True)
class Dashboard:
    organisation_id: int
    organisation_name: str
    organisation_moderation: str
    organisation_pending_change: bool
    organisation_rejection: str | None
    services: list[ServiceRow]


def _aware(value):
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


def _pending(session: Session, **subject) -> Revision | None:
    stmt = select(Revision).where(Revision.state == "pending")
    for key, value in subject.items():
        stmt = stmt.where(getattr(Revision, key) == value)
    return session.scalar(stmt.order_by(Revision.id.desc()))


def _propose(
    session: Session,
    account: Account,
    revision: Revision | None,
    proposed: dict,
    kind: str,
    **subject,
) -> Revision:
    """Put ``proposed`` in ``revision``, the subject's pending one, or in a new one.

    ``subject`` is ``service_id=`` or ``organisation_id=``, with any other columns a new
    revision starts with (``base_version``).
    """
    if revision is None:
        subject_type = "service" if "service_id" in subject else "organisation"
        revision = Revision(subject_type=subject_type, kind=kind, proposed_by_id=account.id, **subject)
        session.add(revision)
    revision.proposed, revision.proposed_at = proposed, utcnow()
    return revision


def _last_rejection(session: Session, **subject) -> str | None:
    stmt = select(Revision).where(Revision.state != "pending")
    for key, value in subject.items():
        stmt = stmt.where(getattr(Revision, key) == value)
    latest = session.scalar(stmt.order_by(Revision.decided_at.desc(), Revision.id.desc()))
    return latest.reason if latest is not None and latest.state == "rejected" else None


def _own_organisation(session: Session, account: Account) -> Organisation:
    if account.role != "provider" or account.organisation_id is None:
        raise NotPermitted("Only providers can manage an organisation's records.")
    org = session.get(Organisation, account.organisation_id)
    if org is None:
        raise NotPermitted("Your account is not linked to an organisation.")
    return org


def _own_service(session: Session, account: Account, service_id: int) -> Service:
    service = session.get(Service, service_id)
    if service is None:
        raise NotPermitted("That service does not exist or is not yours.")
    require_own_organisation(account, service.organisation_id)
    return service


def dashboard(session: Session, account: Account) -> Dashboard:
    org = _own_organisation(session, account)
    now = utcnow()
    services = session.scalars(select(Service).where(Service.organisation_id == org.id).order_by(Service.name)).all()
    rows = [
        ServiceRow(
            s.id,
            s.name,
            s.slug,
            s.moderation,
            _pending(session, service_id=s.id, kind="edit") is not None,
            _last_rejection(session, service_id=s.id),
            s.last_confirmed_at,
            s.moderation == "published" and is_stale(_aware(confirmation_reference(s)), None, now),
        )
        for s in services
    ]
    return Dashboard(
        org.id,
        org.name,
        org.moderation,
        _pending(session, organisation_id=org.id, kind="edit") is not None,
        _last_rejection(session, organisation_id=org.id),
        rows,
    )


def borough_choices(session: Session) -> list[tuple[str, str]]:
    return [(b.code, b.name) for b in session.scalars(select(Borough).order_by(Borough.name))]


# -- services -------------------------------------------------------------------------


def _service_token(service: Service, revision: Revision | None) -> str:
    return f"{service.version}" + (f".{revision.id}.{revision.version}" if revision else "")


def service_for_edit(session: Session, account: Account, service_id: int) -> EditState:
    service = _own_service(session, account, service_id)
    revision = _pending(session, service_id=service.id, kind="edit")
    live = service.moderation == "published"
    values = dict(revision.proposed) if revision is not None else service_values(service)
    return EditState(
        values=values,
        token=_service_token(service, revision),
        live=live,
        pending_revision=revision is not None,
        rejection=_last_rejection(session, service_id=service.id),
        name=service.name,
    )


@dataclass(frozen=True)
class Saved:
    service_id: int
    outcome: str  # "submitted" | "updated" | "proposed" | "unchanged"


def create_service(session: Session, geocoder: Geocoder, account: Account, values: dict) -> Saved:
    org = _own_organisation(session, account)
    values = {**values, "sites": locate_sites(session, geocoder, values.get("sites") or [])}
    base = slugify(values["name"])
    slug = unique_slug(base, set(session.scalars(select(Service.slug).where(Service.slug.startswith(base)))))
    service = Service(slug=slug, name=values["name"], organisation_id=org.id, moderation="pending")
    session.add(service)
    apply_service_values(session, service, values)
    session.flush()
    _propose(session, account, None, service_values(service), "new", service_id=service.id)
    audit.record(session, account, "service.submitted", "service", service.id, {"name": service.name})
    session.commit()
    return Saved(service.id, "submitted")


def update_service(
    session: Session, geocoder: Geocoder, account: Account, service_id: int, values: dict, token: str
) -> Saved:
    """Save a provider's edit. Stale ``token`` -> EditConflict; bad postcode -> SiteProblems."""
    service = _own_service(session, account, service_id)
    revision = _pending(session, service_id=service.id, kind="edit")
    if token != _service_token(service, revision):
        raise EditConflict()
    values = {**values, "sites": locate_sites(session, geocoder, values.get("sites") or [])}
    try:
        if service.moderation == "published":
            outcome = _propose_edit(session, account, service, revision, values)
        else:
            apply_service_values(session, service, values)
            service.moderation = "pending"
            session.flush()
            pending = _pending(session, service_id=service.id, kind="new")
            _propose(session, account, pending, service_values(service), "new", service_id=service.id)
            audit.record(session, account, "service.resubmitted", "service", service.id, {})
            outcome = "updated"
        session.commit()
    except StaleDataError:
        session.rollback()
        raise EditConflict() from None
    return Saved(service.id, outcome)


def _propose_edit(session, account, service, revision, values) -> str:
    live = service_values(service)
    if not diff(live, values, SERVICE_FIELDS):
        if revision is not None:  # back to what is live: the proposal is withdrawn
            revision.state, revision.decided_at, revision.reason = "withdrawn", utcnow(), None
            audit.record(session, account, "revision.withdrawn", "service", service.id, {"revision": revision.id})
        return "unchanged"
    revision = _propose(session, account, revision, values, "edit", service_id=service.id, base_version=service.version)
    revision.proposed_by_id = account.id
    session.flush()
    audit.record(session, account, "revision.proposed", "service", service.id, {"revision": revision.id})
    return "proposed"


def confirm_current(session: Session, account: Account, service_id: int) -> datetime:
    """The provider says the live record is still right: 'last confirmed current on'."""
    service = _own_service(session, account, service_id)
    if service.moderation != "published":
        raise NotPermitted("Only a published service can be confirmed as current.")
    now = utcnow()
    service.last_confirmed_at = now
    audit.record(session, account, "service.confirmed_current", "service", service.id, {})
    try:
        session.commit()
    except StaleDataError:
        session.rollback()
        raise EditConflict() from None
    return now


# -- the organisation --------------------------------------------------------------------


def _organisation_token(org: Organisation, revision: Revision | None) -> str:
    stamp = _aware(org.updated_at).isoformat() if org.updated_at else "0"
    return stamp + (f".{revision.id}.{revision.version}" if revision else "")


def organisation_for_edit(session: Session, account: Account) -> EditState:
    org = _own_organisation(session, account)
    revision = _pending(session, organisation_id=org.id, kind="edit")
    values = dict(revision.proposed) if revision is not None else organisation_values(org)
    return EditState(
        values,
        _organisation_token(org, revision),
        org.moderation == "published",
        revision is not None,
        _last_rejection(session, organisation_id=org.id),
        org.name,
    )


def update_organisation(session: Session, account: Account, values: dict, token: str) -> str:
    org = _own_organisation(session, account)
    revision = _pending(session, organisation_id=org.id, kind="edit")
    if token != _organisation_token(org, revision):
        raise EditConflict(
            "Your organisation's details were changed by someone else since you opened them. "
            "Reload to see their changes."
        )
    try:
        if org.moderation == "published":
            if not diff(organisation_values(org), values, ORGANISATION_FIELDS):
                if revision is not None:
                    revision.state, revision.decided_at = "withdrawn", utcnow()
                session.commit()
                return "unchanged"
            revision = _propose(session, account, revision, values, "edit", organisation_id=org.id)
            session.flush()
            audit.record(session, account, "revision.proposed", "organisation", org.id, {"revision": revision.id})
            outcome = "proposed"
        else:
            apply_organisation_values(org, values)
            org.moderation = "pending"
            pending = _pending(session, organisation_id=org.id, kind="new")
            _propose(session, account, pending, organisation_values(org), "new", organisation_id=org.id)
            audit.record(session, account, "organisation.resubmitted", "organisation", org.id, {})
            outcome = "updated"
        session.commit()
    except StaleDataError:
        session.rollback()
        raise EditConflict() from None
    return outcome


def service_history(session: Session, account: Account, service_id: int):
    """Versions and revisions of a service: its own provider, or a commissioner."""
    if account.role != "commissioner":
        _own_service(session, account, service_id)
    return history(session, service_id)
