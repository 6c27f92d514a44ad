"""The take-away list's URL: service slugs and rounded distances, nothing about the person."""

from __future__ import annotations

import re

from ..core.queries import InvalidInput

ITEM = re.compile(r"^([a-z0-9][a-z0-9-]{0,119})(?:~(\d{1,3}(?:\.\d)?))?$")
MAX_ITEMS = 30


def takeaway_item(slug: str, km: float | None) -> str:
    """One ticked service in the list URL: its slug and the distance to half a kilometre."""
    return slug if km is None else f"{slug}~{round(km * 2) / 2:.1f}"


def parse_takeaway(values: list[str]) -> list[tuple[str, float | None]]:
    items: list[tuple[str, float | None]] = []
    for value in values[:MAX_ITEMS]:
        match = ITEM.match(value.strip())
        if not match:
            raise InvalidInput(
                "item", "That list link is damaged. Go back to the results and choose the services again."
            )
        slug, km = match.group(1), match.group(2)
        if slug not in [s for s, _ in items]:
            items.append((slug, float(km) if km else None))
    if not items:
        raise InvalidInput("item", "Choose at least one service for the list.")
    return items
