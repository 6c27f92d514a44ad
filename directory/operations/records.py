"""A service or organisation as the plain, JSON-able field values moderation stores,
and applying such values back onto the rows."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Borough, Category, Cohort, Organisation, Service, Site
from .geocoding import Geocoder, SiteLocationError

SCALARS = (
    "name",
    "summary",
    "description",
    "status",
    "pan_london",
    "coverage_note",
    "min_age",
    "max_age",
    "veterans_only",
    "neurodivergent_only",
    "eligibility_notes",
    "oocd_hours",
    "oocd_completion_weeks",
    "oocd_notes",
    "capacity",
    "cost",
    "funder",
    "how_to_refer",
    "website",
    "email",
    "phone",
)
LISTS = (
    "genders",
    "risk_levels",
    "offences_accepted",
    "offences_excluded",
    "languages",
    "oocd_disposals",
    "oocd_condition_kinds",
    "referral_routes",
)
ORGANISATION_FIELDS = ("name", "description", "website", "email", "phone")


STALE_MESSAGE = "This service was changed by someone else since you opened it. Reload to see their changes."


class EditConflict(Exception):
    """The record changed since the form was loaded (optimistic locking)."""

    def __init__(self, message: str = STALE_MESSAGE):
        super().__init__(message)
        self.message = message


class SiteProblems(ValueError):
    """Delivery sites whose postcodes cannot be placed: {position: message}."""

    def __init__(self, problems: dict[int, str]):
        super().__init__("; ".join(problems.values()))
        self.problems = problems


def service_values(service: Service) -> dict:
    values = {name: getattr(service, name) for name in SCALARS}
    values.update({name: list(getattr(service, name) or []) for name in LISTS})
    values["starts_on"] = service.starts_on.isoformat() if service.starts_on else None
    values["ends_on"] = service.ends_on.isoformat() if service.ends_on else None
    values["boroughs"] = [b.code for b in service.boroughs]
    values["categories"] = [c.slug for c in service.categories]
    values["cohorts"] = [c.slug for c in service.cohorts]
    values["sites"] = [
        {
            "name": s.name,
            "address": s.address,
            "postcode": s.postcode,
            "opening_details": s.opening_details,
            "lat": s.lat,
            "lon": s.lon,
            "borough": s.borough.code if s.borough else None,
        }
        for s in service.sites
    ]
    return values


def organisation_values(org: Organisation) -> dict:
    return {name: getattr(org, name) for name in ORGANISATION_FIELDS}


def locate_sites(session: Session, geocoder: Geocoder, sites: list[dict]) -> list[dict]:
    """Each site with its normalised postcode, point and borough; SiteProblems if any
    postcode is malformed, unknown or outside London."""
    located, problems = [], {}
    for index, site in enumerate(sites):
        probe = Site(name=site.get("name") or "", postcode=site.get("postcode"))
        try:
            geocoder.locate(probe)
        except SiteLocationError as error:
            problems[index] = str(error)
            continue
        located.append(
            {
                **{k: site.get(k) for k in ("name", "address", "opening_details")},
                "postcode": probe.postcode,
                "lat": probe.lat,
                "lon": probe.lon,
                "borough": probe.borough.code if probe.borough else None,
            }
        )
    if problems:
        raise SiteProblems(problems)
    return located


def _by(session: Session, model, column, keys) -> list:
    if not keys:
        return []
    rows = {getattr(r, column): r for r in session.scalars(select(model).where(getattr(model, column).in_(keys)))}
    return [rows[k] for k in keys if k in rows]


def apply_service_values(session: Session, service: Service, values: dict) -> None:
    if "status" in values and values["status"] != service.status:
        # A status stated in the app is as of that statement, not of the old source.
        service.status_as_of = service.status_as_of_precision = service.status_source = None
    for name in SCALARS:
        if name in values:
            setattr(service, name, values[name])
    for name in LISTS:
        if name in values:
            setattr(service, name, list(values[name] or []))
    for name in ("starts_on", "ends_on"):
        if name in values:
            new = date.fromisoformat(values[name]) if values[name] else None
            if new != getattr(service, name):
                setattr(service, name, new)
                setattr(service, f"{name}_precision", "day" if new else None)
    if "boroughs" in values:
        service.boroughs = _by(session, Borough, "code", values["boroughs"])
    if "categories" in values:
        service.categories = _by(session, Category, "slug", values["categories"])
    if "cohorts" in values:
        service.cohorts = _by(session, Cohort, "slug", values["cohorts"])
    if "sites" in values:
        boroughs = {
            b.code: b
            for b in _by(session, Borough, "code", [s["borough"] for s in values["sites"] if s.get("borough")])
        }
        service.sites = [
            Site(
                name=s.get("name") or "",
                address=s.get("address"),
                postcode=s.get("postcode"),
                opening_details=s.get("opening_details"),
                lat=s.get("lat"),
                lon=s.get("lon"),
                borough=boroughs.get(s.get("borough")),
            )
            for s in values["sites"]
        ]


def apply_organisation_values(org: Organisation, values: dict) -> None:
    for name in ORGANISATION_FIELDS:
        if name in values:
            setattr(org, name, values[name])
