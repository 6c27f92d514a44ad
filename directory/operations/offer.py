"""Changing the minimum service offer: one place for the web page and the CLI.

Each write commits once. ``actor`` is who made the change: a user (anything with ``id``
and ``email``) from the web, or a plain label such as ``"cli:alice"`` from the command line.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..models import Category, Cohort, MinimumOfferItem
from .audit import record


class OfferError(ValueError):
    """An offer change that cannot be made: unknown slug, duplicate or missing item."""


@dataclass(frozen=True)
class OfferItemView:
    id: int
    category: str
    category_name: str
    cohort: str | None
    cohort_name: str | None
    citations: tuple[dict, ...]
    changed_by: str | None


def actor_label(actor) -> str:
    if actor is None:
        return "system"
    if isinstance(actor, str):
        return actor
    return getattr(actor, "email", None) or f"user:{getattr(actor, 'id', '?')}"


def _view(item: MinimumOfferItem) -> OfferItemView:
    return OfferItemView(
        id=item.id,
        category=item.category.slug,
        category_name=item.category.name,
        cohort=item.cohort.slug if item.cohort else None,
        cohort_name=item.cohort.name if item.cohort else None,
        citations=tuple(item.citations or ()),
        changed_by=item.changed_by,
    )


def list_offer_items(session: Session) -> list[OfferItemView]:
    items = session.scalars(
        select(MinimumOfferItem).options(selectinload(MinimumOfferItem.category), selectinload(MinimumOfferItem.cohort))
    ).all()
    views = [_view(item) for item in items]
    return sorted(views, key=lambda v: (v.category_name, v.cohort_name or ""))


def add_offer_item(
    session: Session,
    category: str,
    cohort: str | None,
    actor,
    citations: list[dict] | None = None,
) -> OfferItemView:
    """Add ``category`` (optionally for one ``cohort``) to the offer; commits."""
    category_row = session.scalar(select(Category).where(Category.slug == category))
    if category_row is None:
        raise OfferError(f"'{category}' is not a category of need.")
    cohort_row = None
    if cohort:
        cohort_row = session.scalar(select(Cohort).where(Cohort.slug == cohort))
        if cohort_row is None:
            raise OfferError(f"'{cohort}' is not a cohort.")
    stmt = select(MinimumOfferItem).where(MinimumOfferItem.category_id == category_row.id)
    stmt = stmt.where(
        MinimumOfferItem.cohort_id == cohort_row.id if cohort_row else MinimumOfferItem.cohort_id.is_(None)
    )
    if session.scalar(stmt) is not None:
        who = f" for {cohort_row.name}" if cohort_row else ""
        raise OfferError(f"{category_row.name}{who} is already in the minimum offer.")
    item = MinimumOfferItem(
        category=category_row,
        cohort=cohort_row,
        citations=list(citations or []),
        changed_by=actor_label(actor),
    )
    session.add(item)
    session.flush()
    view = _view(item)
    _audit(session, actor, "offer.add", item.id, {"category": category, "cohort": cohort})
    session.commit()
    return view


def remove_offer_item(session: Session, item_id: int, actor) -> OfferItemView:
    """Take one item out of the offer; commits."""
    item = session.get(MinimumOfferItem, item_id)
    if item is None:
        raise OfferError(f"There is no minimum offer item {item_id}.")
    view = _view(item)
    session.delete(item)
    _audit(session, actor, "offer.remove", item_id, {"category": view.category, "cohort": view.cohort})
    session.commit()
    return view


def _audit(session: Session, actor, action: str, item_id: int, detail: dict) -> None:
    record(session, actor, action, "minimum_offer_item", item_id, detail)
