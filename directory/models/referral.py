"""Referrals: coded facts about a referral (never who the person is), its append-only
history, and the email outbox that tells each side something changed."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.referrals import State
from ..extensions import db
from ._base import utcnow
from .catalogue import Organisation, Service
from .user import User

_STATES = ", ".join(f"'{s.value}'" for s in State)


class Referral(db.Model):
    """One referral to a service. ``organisation_id`` is the service's organisation when the
    referral was made: its providers are the ones who may act on it."""

    __tablename__ = "referral"
    __table_args__ = (CheckConstraint(f"state IN ({_STATES})", name="state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="SET NULL"), index=True)
    referrer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    referrer_role: Mapped[str] = mapped_column(String(20))
    referrer_agency: Mapped[str] = mapped_column(String(30))
    referrer_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="SET NULL"))
    borough_code: Mapped[str] = mapped_column(String(9))
    age_band: Mapped[str] = mapped_column(String(10))
    needs: Mapped[list[str]] = mapped_column(JSON, default=list)
    cohort: Mapped[str | None] = mapped_column(String(30))
    disposal: Mapped[str | None] = mapped_column(String(40))
    condition_kind: Mapped[str | None] = mapped_column(String(30))
    condition_due: Mapped[date | None] = mapped_column(Date)
    consent: Mapped[bool] = mapped_column(Boolean)
    state: Mapped[str] = mapped_column(String(20), default=State.SENT.value, index=True)
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)

    service: Mapped[Service] = relationship()
    organisation: Mapped[Organisation | None] = relationship(foreign_keys=[organisation_id])
    referrer: Mapped[User | None] = relationship(foreign_keys=[referrer_id])
    referrer_organisation: Mapped[Organisation | None] = relationship(foreign_keys=[referrer_organisation_id])
    events: Mapped[list[ReferralEvent]] = relationship(order_by="ReferralEvent.id", back_populates="referral")

    __mapper_args__ = {"version_id_col": version}


class ReferralEvent(db.Model):
    """One change of state: who (the staff account and their side), when, from, to, why.
    Append-only: the ORM refuses to change or delete one."""

    __tablename__ = "referral_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    actor_party: Mapped[str] = mapped_column(String(10))
    actor_label: Mapped[str] = mapped_column(String(254))
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(30))

    referral: Mapped[Referral] = relationship(back_populates="events")


class AppendOnly(Exception):
    """A referral's history cannot be changed or deleted."""


@event.listens_for(ReferralEvent, "before_update")
@event.listens_for(ReferralEvent, "before_delete")
def _refuse_rewrite(_mapper, _connection, target):
    raise AppendOnly(f"Referral event {target.id} is history: it cannot be changed or deleted.")


class OutgoingEmail(db.Model):
    """A message waiting to go, or gone. Each carries a referral code, a service's name and
    a link, nothing about the person. Failed sends are retried later; none is lost."""

    __tablename__ = "outgoing_email"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referral.id", ondelete="SET NULL"), index=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    failed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(String(300))
