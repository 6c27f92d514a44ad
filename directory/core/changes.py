"""What changed between two versions of a record, field by field, for reviewers. Pure.

Values are the JSON-able dicts the moderation operations store (dates as ISO strings,
lists of slugs, sites as dicts). Text is returned raw; templates escape it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from .vocabulary import (
    CATEGORIES,
    COHORTS,
    CONDITION_KINDS,
    DISPOSALS,
    GENDERS,
    OFFENCES,
    REFERRAL_ROUTES,
    RISK_LEVELS,
    STATUSES,
)

SERVICE_FIELDS = MappingProxyType(
    {
        "name": "Name",
        "summary": "Summary",
        "description": "Description",
        "status": "Status",
        "starts_on": "Start date",
        "ends_on": "End date",
        "pan_london": "Pan-London",
        "boroughs": "Boroughs",
        "coverage_note": "Coverage note",
        "categories": "Categories of need",
        "cohorts": "Cohorts",
        "min_age": "Minimum age",
        "max_age": "Maximum age",
        "genders": "Genders",
        "risk_levels": "Risk levels",
        "offences_accepted": "Offences accepted",
        "offences_excluded": "Offences excluded",
        "languages": "Languages",
        "veterans_only": "Veterans only",
        "neurodivergent_only": "Neurodivergent people only",
        "eligibility_notes": "Eligibility notes",
        "oocd_disposals": "OoCD disposals",
        "oocd_condition_kinds": "OoCD condition kinds",
        "oocd_hours": "OoCD hours",
        "oocd_completion_weeks": "OoCD completion (weeks)",
        "oocd_notes": "OoCD notes",
        "capacity": "Capacity",
        "cost": "Cost",
        "funder": "Funder",
        "referral_routes": "Referral routes",
        "how_to_refer": "How to refer",
        "website": "Website",
        "email": "Email",
        "phone": "Phone",
        "sites": "Delivery sites",
    }
)

ORGANISATION_FIELDS = MappingProxyType(
    {
        "name": "Name",
        "description": "Description",
        "website": "Website",
        "email": "Email",
        "phone": "Phone",
    }
)

_LABELS = {
    "status": STATUSES,
    "categories": CATEGORIES,
    "cohorts": COHORTS,
    "genders": GENDERS,
    "risk_levels": RISK_LEVELS,
    "offences_accepted": OFFENCES,
    "offences_excluded": OFFENCES,
    "oocd_disposals": DISPOSALS,
    "oocd_condition_kinds": CONDITION_KINDS,
    "referral_routes": REFERRAL_ROUTES,
}

EMPTY = "(none)"


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    old: str
    new: str


def _site(site: Mapping) -> str:
    parts = [site.get("name"), site.get("address"), site.get("postcode")]
    text = ", ".join(p for p in parts if p)
    if site.get("opening_details"):
        text += f" ({site['opening_details']})"
    return text


def describe(field: str, value, names: Mapping[str, str] | None = None) -> str:
    """A value as a reviewer reads it. ``names`` maps codes (e.g. boroughs) to names."""
    if value is None or value == "" or value == []:
        return EMPTY
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if field == "sites":
        return "; ".join(_site(s) for s in value) or EMPTY
    labels = _LABELS.get(field) or (names or {})
    if isinstance(value, list):
        return ", ".join(labels.get(v, str(v)) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return labels.get(value, str(value)) if isinstance(value, str) else str(value)


def _same(field: str, a, b) -> bool:
    empty: tuple = (None, "", [])
    if field == "sites":
        return [_site(s) for s in a or []] == [_site(s) for s in b or []]
    if a in empty and b in empty:
        return True
    if isinstance(a, list) and isinstance(b, list) and a and not isinstance(a[0], dict):
        return sorted(map(str, a)) == sorted(map(str, b))
    return a == b


def diff(
    old: Mapping,
    new: Mapping,
    fields: Mapping[str, str] = SERVICE_FIELDS,
    names: Mapping[str, str] | None = None,
) -> tuple[Change, ...]:
    """The fields whose values differ, in form order, as old -> new descriptions."""
    return tuple(
        Change(f, label, describe(f, old.get(f), names), describe(f, new.get(f), names))
        for f, label in fields.items()
        if f in new and not _same(f, old.get(f), new.get(f))
    )
