"""The audit log: one row per approval, rejection, role change, sign-in and offer change.

``record`` adds to the caller's unit of work; the operation that writes commits once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import AuditEvent


def _actor(actor) -> tuple[int | None, str]:
    if actor is None:
        return None, "system"
    if isinstance(actor, str):
        return None, actor
    return getattr(actor, "id", None), getattr(actor, "email", None) or "unknown"


def record(
    session: Session,
    actor,
    action: str,
    subject_type: str | None = None,
    subject_id=None,
    detail: dict | None = None,
    address: str | None = None,
) -> None:
    actor_id, label = _actor(actor)
    session.add(
        AuditEvent(
            actor_id=actor_id,
            actor_label=label[:254],
            action=action,
            subject_type=subject_type,
            subject_id=None if subject_id is None else str(subject_id),
            detail=detail or {},
            address=(address or None) and address[:45],
        )
    )


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor: str
    action: str
    subject_type: str | None
    subject_id: str | None
    detail: dict
    address: str | None


def recent_events(session: Session, limit: int = 200, action: str | None = None) -> list[AuditEntry]:
    stmt = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    return [
        AuditEntry(e.at, e.actor_label, e.action, e.subject_type, e.subject_id, e.detail or {}, e.address)
        for e in session.scalars(stmt)
    ]
