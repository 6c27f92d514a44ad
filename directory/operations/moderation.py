"""Review before publication: the queue, approvals, rejections, history and staleness.

Approving a service keeps a ServiceVersion snapshot (who proposed, who approved, what
changed); every decision goes in the audit log. Each write commits once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from ..core.accounts import Account, is_stale
from ..core.changes import ORGANISATION_FIELDS, SERVICE_FIELDS, Change, diff
from ..models import Borough, Revision, Service, ServiceVersion
from ..models._base import utcnow
from . import audit
from .permissions import NotPermitted
from .records import (
    EditConflict,
    apply_organisation_values,
    apply_service_values,
    organisation_values,
    service_values,
)
from .seeding import confirmation_reference


class ReviewError(ValueError):
    """A decision that cannot be made as asked."""


def _aware(value):
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


def _require_reviewer(account: Account) -> None:
    if account.role != "commissioner":
        raise NotPermitted("Only commissioners can review changes.")


def borough_names(session: Session) -> dict[str, str]:
    return dict(session.execute(select(Borough.code, Borough.name)).all())


@dataclass(frozen=True)
class QueueItem:
    revision_id: int
    subject_type: str
    subject_id: int
    subject_name: str
    organisation_name: str | None
    organisation_live: bool
    kind: str
    proposed_by: str | None
    proposed_at: datetime
    changes: tuple[Change, ...]
    out_of_date: bool  # the live record changed since the edit was proposed


@dataclass(frozen=True)
class StaleService:
    id: int
    name: str
    slug: str
    organisation_name: str | None
    last_confirmed_at: datetime | None


def _item(session: Session, revision: Revision, names: dict[str, str]) -> QueueItem:
    if revision.subject_type == "service":
        service = revision.service
        live = service_values(service) if revision.kind == "edit" else {}
        changes = diff(live, revision.proposed, SERVICE_FIELDS, names)
        org = service.organisation
        return QueueItem(
            revision.id,
            "service",
            service.id,
            service.name,
            org.name if org else None,
            org is not None and org.moderation == "published",
            revision.kind,
            revision.proposed_by.email if revision.proposed_by else None,
            revision.proposed_at,
            changes,
            revision.kind == "edit" and revision.base_version not in (None, service.version),
        )
    org = revision.organisation
    live = organisation_values(org) if revision.kind == "edit" else {}
    return QueueItem(
        revision.id,
        "organisation",
        org.id,
        org.name,
        org.name,
        org.moderation == "published",
        revision.kind,
        revision.proposed_by.email if revision.proposed_by else None,
        revision.proposed_at,
        diff(live, revision.proposed, ORGANISATION_FIELDS),
        False,
    )


def review_queue(session: Session, account: Account) -> list[QueueItem]:
    _require_reviewer(account)
    names = borough_names(session)
    revisions = session.scalars(
        select(Revision).where(Revision.state == "pending").order_by(Revision.proposed_at, Revision.id)
    ).all()
    # organisations first, so a new provider's organisation is approved before its services
    items = [_item(session, r, names) for r in revisions]
    return sorted(items, key=lambda i: (i.subject_type != "organisation", i.proposed_at))


def queue_item(session: Session, account: Account, revision_id: int) -> QueueItem:
    _require_reviewer(account)
    revision = session.get(Revision, revision_id)
    if revision is None:
        raise ReviewError("There is no such change to review.")
    return _item(session, revision, borough_names(session))


def stale_services(session: Session, account: Account) -> list[StaleService]:
    _require_reviewer(account)
    now = utcnow()
    services = session.scalars(
        select(Service).where(Service.moderation == "published").order_by(Service.last_confirmed_at, Service.name)
    ).all()
    return [
        StaleService(s.id, s.name, s.slug, s.organisation.name if s.organisation else None, s.last_confirmed_at)
        for s in services
        if is_stale(_aware(confirmation_reference(s)), None, now)
    ]


def _pending_revision(session: Session, revision_id: int) -> Revision:
    revision = session.get(Revision, revision_id)
    if revision is None or revision.state != "pending":
        raise ReviewError("This change has already been decided or withdrawn.")
    return revision


def _snapshot(session: Session, service: Service, revision: Revision, account: Account) -> ServiceVersion:
    previous = session.scalar(
        select(ServiceVersion).where(ServiceVersion.service_id == service.id).order_by(ServiceVersion.number.desc())
    )
    snapshot = service_values(service)
    changes = diff(previous.snapshot if previous else {}, snapshot, SERVICE_FIELDS)
    number = (previous.number if previous else 0) + 1
    version = ServiceVersion(
        service_id=service.id,
        number=number,
        snapshot=snapshot,
        changes=[{"field": c.field, "label": c.label, "old": c.old, "new": c.new} for c in changes],
        revision_id=revision.id,
        proposed_by_id=revision.proposed_by_id,
        approved_by_id=account.id,
    )
    session.add(version)
    return version


def approve(session: Session, account: Account, revision_id: int) -> QueueItem:
    _require_reviewer(account)
    revision = _pending_revision(session, revision_id)
    item = _item(session, revision, borough_names(session))
    now = utcnow()
    try:
        if revision.subject_type == "organisation":
            org = revision.organisation
            if revision.kind == "edit":
                apply_organisation_values(org, revision.proposed)
            org.moderation = "published"
        else:
            service = revision.service
            org = service.organisation
            if org is None or org.moderation != "published":
                raise ReviewError("Approve the service's organisation first.")
            if revision.kind == "edit":
                apply_service_values(session, service, revision.proposed)
            service.moderation = "published"
            service.last_confirmed_at = now
            session.flush()
            _snapshot(session, service, revision, account)
        revision.state, revision.decided_by_id, revision.decided_at = "approved", account.id, now
        audit.record(
            session,
            account,
            f"{revision.subject_type}.approved",
            revision.subject_type,
            item.subject_id,
            {"revision": revision.id, "kind": revision.kind, "fields": [c.field for c in item.changes]},
        )
        session.commit()
    except StaleDataError:
        session.rollback()
        raise EditConflict(
            "This record was changed by someone else while you were approving it. Reload and review again."
        ) from None
    return item


def reject(session: Session, account: Account, revision_id: int, reason: str) -> QueueItem:
    _require_reviewer(account)
    reason = (reason or "").strip()
    if not reason:
        raise ReviewError("Give a reason the provider can act on.")
    revision = _pending_revision(session, revision_id)
    item = _item(session, revision, borough_names(session))
    if revision.kind == "new":
        subject = revision.service if revision.subject_type == "service" else revision.organisation
        subject.moderation = "rejected"
    revision.state, revision.reason = "rejected", reason
    revision.decided_by_id, revision.decided_at = account.id, utcnow()
    audit.record(
        session,
        account,
        f"{revision.subject_type}.rejected",
        revision.subject_type,
        item.subject_id,
        {"revision": revision.id, "kind": revision.kind, "reason": reason},
    )
    try:
        session.commit()
    except StaleDataError:
        session.rollback()
        raise EditConflict() from None
    return item


@dataclass(frozen=True)
class VersionView:
    number: int
    created_at: datetime
    proposed_by: str | None
    approved_by: str | None
    changes: tuple[dict, ...]


@dataclass(frozen=True)
class RevisionView:
    id: int
    kind: str
    state: str
    proposed_by: str | None
    proposed_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    reason: str | None


@dataclass(frozen=True)
class History:
    service_id: int
    name: str
    moderation: str
    versions: list[VersionView]
    revisions: list[RevisionView]


def history(session: Session, service_id: int) -> History:
    service = session.get(Service, service_id)
    if service is None:
        raise NotPermitted("That service does not exist.")
    versions = session.scalars(
        select(ServiceVersion).where(ServiceVersion.service_id == service_id).order_by(ServiceVersion.number.desc())
    ).all()
    revisions = session.scalars(
        select(Revision).where(Revision.service_id == service_id).order_by(Revision.id.desc())
    ).all()
    return History(
        service.id,
        service.name,
        service.moderation,
        [
            VersionView(
                v.number,
                v.created_at,
                v.proposed_by.email if v.proposed_by else None,
                v.approved_by.email if v.approved_by else None,
                tuple(v.changes or ()),
            )
            for v in versions
        ],
        [
            RevisionView(
                r.id,
                r.kind,
                r.state,
                r.proposed_by.email if r.proposed_by else None,
                r.proposed_at,
                r.decided_by.email if r.decided_by else None,
                r.decided_at,
                r.reason,
            )
            for r in revisions
        ],
    )


def pending_count(session: Session) -> int:
    return session.scalar(select(func.count(Revision.id)).where(Revision.state == "pending")) or 0
