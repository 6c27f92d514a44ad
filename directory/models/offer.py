"""The minimum service offer commissioners expect in every borough."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ._base import utcnow
from .catalogue import Category, Cohort


class MinimumOfferItem(db.Model):
    """One category (optionally for one cohort) every borough should have."""

    __tablename__ = "minimum_offer_item"
    __table_args__ = (UniqueConstraint("category_id", "cohort_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id", ondelete="CASCADE"))
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"))
    citations: Mapped[list[dict]] = mapped_column(JSON, default=list)
    changed_by: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    category: Mapped[Category] = relationship()
    cohort: Mapped[Cohort | None] = relationship()
