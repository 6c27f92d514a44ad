"""The published catalogue as an Open Referral UK (HSDS 3.0) feed.

Only published services, and their organisations, are in the feed. Identifiers are the
records' stable UUIDs; records we derive (taxonomy terms, service areas, service at
location links) get UUIDs derived from those, so they are stable too. A site that is a
refuge or safe house is never published as a location. Our own fields that HSDS has no
place for are in each service's ``x_directory`` extension object; sources in
``x_sources`` (documented at ``/openreferral/docs``).
"""

from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..core.status import Standing
from ..core.vocabulary import CATEGORIES, COHORTS, CONDITION_KINDS, DISPOSALS
from ..models import Organisation, Service, Site
from .catalogue import PUBLISHED, published_services, status_reading

FEED_NAMESPACE = uuid.UUID("0b6b8f0e-4a4f-4c77-9d0c-8c2f3b1e5a90")
HSDS_VERSION = "3.0"
LONDON_REGION = ("E12000007", "London")
MAX_PER_PAGE = 500
DEFAULT_PER_PAGE = 50

TAXONOMIES = {
    "category": ("Categories of need", "What a service helps with.", CATEGORIES),
    "cohort": ("Criminal justice cohorts", "Who a service is open to, by criminal justice status.", COHORTS),
    "oocd_condition_kind": (
        "Out-of-court disposal condition kinds",
        "The kinds of out-of-court disposal condition a service can be attached as.",
        CONDITION_KINDS,
    ),
    "oocd_disposal": (
        "Out-of-court disposals",
        "The out-of-court disposals a service can be a condition of.",
        DISPOSALS,
    ),
}
# service attribute -> the taxonomy its slugs come from
ATTRIBUTE_TAXONOMIES = (
    ("categories", "category"),
    ("cohorts", "cohort"),
    ("oocd_condition_kinds", "oocd_condition_kind"),
    ("oocd_disposals", "oocd_disposal"),
)
CONFIDENTIAL_PLACE = re.compile(r"\b(refuge|safe ?house)s?\b", re.IGNORECASE)


class FeedError(ValueError):
    """A query the feed cannot answer: the parameter and what is wrong with it."""

    def __init__(self, parameter: str, message: str):
        super().__init__(message)
        self.parameter = parameter
        self.message = message


class NotInFeed(LookupError):
    pass


def derived_id(*parts: str) -> str:
    return str(uuid.uuid5(FEED_NAMESPACE, ":".join(parts)))


def taxonomy_id(key: str) -> str:
    return derived_id("taxonomy", key)


def term_id(key: str, slug: str) -> str:
    return derived_id("term", key, slug)


def is_confidential(site: Site) -> bool:
    """A refuge's or safe house's address is never published."""
    return bool(CONFIDENTIAL_PLACE.search(f"{site.name or ''} {site.address or ''} {site.opening_details or ''}"))


def _compact(value):
    """HSDS types strings as strings: a field we do not know is left out, never null."""
    if isinstance(value, dict):
        return {k: _compact(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_compact(v) for v in value]
    return value


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.isoformat()


# --------------------------------------------------------------------------------------
# Objects
# --------------------------------------------------------------------------------------


def taxonomy(key: str) -> dict:
    name, description, _ = TAXONOMIES[key]
    return {"id": taxonomy_id(key), "name": name, "description": description, "version": "1"}


def taxonomy_term(key: str, slug: str) -> dict:
    name, _, vocabulary = TAXONOMIES[key]
    label = vocabulary[slug]
    return {
        "id": term_id(key, slug),
        "code": slug,
        "name": label,
        "description": f"{name}: {label}",
        "taxonomy": name,
        "taxonomy_id": taxonomy_id(key),
        "taxonomy_detail": taxonomy(key),
    }


def all_terms() -> list[tuple[str, str]]:
    return [(key, slug) for key, (_, _, vocabulary) in TAXONOMIES.items() for slug in vocabulary]


def hsds_status(service: Service, today: date) -> str:
    """HSDS's status today, by the one status rule: active only when confirmed running on
    ``today``; defunct when ended; otherwise inactive (planned, or not confirmed since a
    date, or not known: never published as running on the strength of an old source)."""
    standing = status_reading(service, today).standing
    if standing is Standing.CONFIRMED:
        return "active"
    if standing is Standing.ENDED:
        return "defunct"
    return "inactive"


def _attributes(service: Service) -> list[dict]:
    out = []
    for attribute, key in ATTRIBUTE_TAXONOMIES:
        values = getattr(service, attribute) or []
        slugs = [v.slug if hasattr(v, "slug") else v for v in values]
        for slug in slugs:
            if slug not in TAXONOMIES[key][2]:
                continue
            out.append(
                {
                    "id": derived_id("attribute", service.uuid, key, slug),
                    "link_id": service.uuid,
                    "link_type": "service",
                    "link_entity": "service",
                    "taxonomy_term_id": term_id(key, slug),
                    "taxonomy_term": taxonomy_term(key, slug),
                }
            )
    return out


def _address(site: Site) -> dict:
    return {
        "id": derived_id("address", site.uuid),
        "location_id": site.uuid,
        "address_1": site.address or site.name,
        "city": "London",
        "state_province": site.borough.name if site.borough else "London",
        "postal_code": site.postcode or "",
        "country": "GB",
        "address_type": "physical",
    }


def location(site: Site) -> dict:
    body = {
        "id": site.uuid,
        "location_type": "physical",
        "name": site.name,
        "description": site.opening_details,
        "latitude": site.lat,
        "longitude": site.lon,
        "addresses": [_address(site)],
    }
    if site.borough is not None:
        body["external_identifier"] = site.borough.code
        body["external_identifier_type"] = "ONS local authority code"
    return body


def service_at_location(service: Service, site: Site, with_service: bool = False) -> dict:
    body = {
        "id": derived_id("service_at_location", site.uuid),
        "service_id": service.uuid,
        "location_id": site.uuid,
        "location": location(site),
    }
    if with_service:
        body["service"] = service_basic(service, date.today())
    return body


def organisation_basic(org: Organisation) -> dict:
    return {
        "id": org.uuid,
        "name": org.name,
        "description": org.description or "",
        "email": org.email,
        "website": org.website,
    }


def organisation_full(org: Organisation, services: list[Service], full_service: bool) -> dict:
    body = organisation_basic(org)
    if org.phone:
        body["phones"] = [{"id": derived_id("phone", org.uuid), "number": org.phone}]
    today = date.today()
    body["services"] = [
        service_full(s, today) if full_service else {"id": s.uuid, "name": s.name, "status": hsds_status(s, today)}
        for s in services
    ]
    return body


def _eligibility(service: Service) -> str | None:
    parts = []
    if service.genders:
        parts.append("For " + " and ".join(service.genders) + " people.")
    if service.eligibility_notes:
        parts.append(service.eligibility_notes)
    return " ".join(parts) or None


def _assured(service: Service) -> str | None:
    if service.last_confirmed_at is not None:
        return service.last_confirmed_at.date().isoformat()
    dates = [c.meeting_date for c in service.citations if c.meeting_date]
    return max(dates).isoformat() if dates else None


def service_basic(service: Service, today: date) -> dict:
    description = "\n\n".join(p for p in (service.summary, service.description) if p) or None
    return {
        "id": service.uuid,
        "organization_id": service.organisation.uuid if service.organisation else None,
        "name": service.name,
        "description": description,
        "url": service.website,
        "email": service.email,
        "status": hsds_status(service, today),
        "application_process": service.how_to_refer,
        "fees_description": service.cost,
        "eligibility_description": _eligibility(service),
        "minimum_age": service.min_age,
        "maximum_age": service.max_age,
        "assured_date": _assured(service),
        "last_modified": _iso(service.updated_at),
    }


def _service_areas(service: Service) -> list[dict]:
    areas = [(b.code, b.name) for b in service.boroughs]
    if service.pan_london:
        areas = [LONDON_REGION]
    return [
        {
            "id": derived_id("service_area", service.uuid, code),
            "service_id": service.uuid,
            "name": name,
            "description": f"ONS code {code}",
            "extent": code,
            "extent_type": "text",
        }
        for code, name in areas
    ]


def _extension(service: Service) -> dict:
    return {
        "slug": service.slug,
        "status": service.status,
        "starts_on": service.starts_on.isoformat() if service.starts_on else None,
        "ends_on": service.ends_on.isoformat() if service.ends_on else None,
        "starts_on_precision": service.starts_on_precision,
        "ends_on_precision": service.ends_on_precision,
        "pan_london": service.pan_london,
        "unnamed_borough_count": service.unnamed_borough_count,
        "coverage_note": service.coverage_note,
        "genders": list(service.genders or []),
        "risk_levels": list(service.risk_levels or []),
        "offences_accepted": list(service.offences_accepted or []),
        "offences_excluded": list(service.offences_excluded or []),
        "veterans_only": service.veterans_only,
        "neurodivergent_only": service.neurodivergent_only,
        "eligibility_notes": service.eligibility_notes,
        "oocd_hours": service.oocd_hours,
        "oocd_completion_weeks": service.oocd_completion_weeks,
        "oocd_notes": service.oocd_notes,
        "referral_routes": list(service.referral_routes or []),
        "capacity": service.capacity,
        "funder": service.funder,
        "summary": service.summary,
        "description": service.description,
    }


def _sources(service: Service) -> list[dict]:
    return [
        {
            "source": c.note,
            "date": c.meeting_date.isoformat() if c.meeting_date else None,
            "quote": c.quote,
            "facts": list(c.facts or []),
        }
        for c in service.citations
    ]


def service_full(service: Service, today: date) -> dict:
    body = service_basic(service, today)
    sites = [s for s in service.sites if not is_confidential(s)]
    body.update(
        {
            "phones": [{"id": derived_id("phone", service.uuid), "number": service.phone}] if service.phone else [],
            "service_areas": _service_areas(service),
            "service_at_locations": [service_at_location(service, s) for s in sites],
            "languages": [
                {"id": derived_id("language", service.uuid, lang), "service_id": service.uuid, "name": lang}
                for lang in service.languages or []
            ],
            "funding": [
                {"id": derived_id("funding", service.uuid), "service_id": service.uuid, "source": service.funder}
            ]
            if service.funder
            else [],
            "attributes": _attributes(service),
            "x_directory": _extension(service),
            "x_sources": _sources(service),
        }
    )
    if service.organisation is not None:
        body["organization"] = organisation_basic(service.organisation)
    return body


# --------------------------------------------------------------------------------------
# Queries
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PageRequest:
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE


def page_request(args) -> PageRequest:
    page = _whole(args.get("page"), "page", 1)
    per_page = _whole(args.get("per_page"), "per_page", DEFAULT_PER_PAGE)
    if per_page > MAX_PER_PAGE:
        raise FeedError("per_page", f"per_page can be at most {MAX_PER_PAGE}.")
    return PageRequest(page, per_page)


def _whole(value, name: str, default: int) -> int:
    if value in (None, ""):
        return default
    if not str(value).isdigit() or int(value) < 1 or len(str(value)) > 9:
        raise FeedError(name, f"{name} must be a whole number from 1.")
    return int(value)


def envelope(items: list, request: PageRequest, build=None) -> dict:
    """One page of ``items`` in HSDS's envelope; ``build`` makes each item's JSON (only
    the page's items are built)."""
    total = len(items)
    pages = max(1, math.ceil(total / request.per_page))
    start = (request.page - 1) * request.per_page
    contents = items[start : start + request.per_page]
    if build is not None:
        contents = [build(item) for item in contents]
    return {
        "total_items": total,
        "total_pages": pages,
        "page_number": request.page,
        "size": len(contents),
        "first_page": request.page == 1,
        "last_page": request.page >= pages,
        "empty": not contents,
        "contents": [_compact(c) for c in contents],
    }


def _services(session: Session) -> list[Service]:
    return list(
        session.scalars(
            published_services()
            .options(
                selectinload(Service.organisation),
                selectinload(Service.boroughs),
                selectinload(Service.categories),
                selectinload(Service.cohorts),
                selectinload(Service.sites).selectinload(Site.borough),
                selectinload(Service.citations),
            )
            .order_by(Service.name, Service.id)
        )
    )


def _term_filter(args) -> set[tuple[str, str]] | None:
    wanted_term, wanted_taxonomy = args.get("taxonomy_term_id"), args.get("taxonomy_id")
    if not wanted_term and not wanted_taxonomy:
        return None
    terms = {
        (k, s)
        for k, s in all_terms()
        if (not wanted_term or term_id(k, s) == wanted_term)
        and (not wanted_taxonomy or taxonomy_id(k) == wanted_taxonomy)
    }
    if not terms:
        name = "taxonomy_term_id" if wanted_term else "taxonomy_id"
        raise FeedError(name, f"There is no {name.replace('_id', '').replace('_', ' ')} with that id.")
    return terms


def _modified_after(args) -> datetime | None:
    text = args.get("modified_after")
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise FeedError(
            "modified_after", "modified_after must be an ISO 8601 date-time, like 2025-01-31T00:00:00Z."
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _matches(service: Service, args, terms, modified_after) -> bool:
    search = (args.get("search") or "").strip().lower()
    if (
        search
        and search
        not in " ".join(
            filter(
                None,
                (
                    service.name,
                    service.summary,
                    service.description,
                    service.organisation.name if service.organisation else None,
                ),
            )
        ).lower()
    ):
        return False
    org_id = args.get("organization_id")
    if org_id and (service.organisation is None or service.organisation.uuid != org_id):
        return False
    if terms is not None:
        have = {
            (key, v.slug if hasattr(v, "slug") else v)
            for attribute, key in ATTRIBUTE_TAXONOMIES
            for v in getattr(service, attribute) or []
        }
        if not have & terms:
            return False
    if modified_after is not None:
        updated = service.updated_at if service.updated_at.tzinfo else service.updated_at.replace(tzinfo=timezone.utc)
        if updated <= modified_after:
            return False
    return True


def _flag(args, name: str) -> bool:
    return (args.get(name) or "").lower() in ("1", "true", "yes")


def list_services(session: Session, args) -> dict:
    request = page_request(args)
    terms, modified_after = _term_filter(args), _modified_after(args)
    today = date.today()
    chosen = [s for s in _services(session) if _matches(s, args, terms, modified_after)]
    full = _flag(args, "full") and not _flag(args, "minimal")
    build = service_full if full else service_basic
    return envelope(chosen, request, lambda s: build(s, today))


def _published(session: Session, model, key: str):
    if not re.fullmatch(r"[0-9a-fA-F-]{36}", key or ""):
        raise NotInFeed(key)
    stmt = (
        published_services() if model is Service else select(Organisation).where(Organisation.moderation == PUBLISHED)
    )
    row = session.scalar(stmt.where(model.uuid == key))
    if row is None:
        raise NotInFeed(key)
    return row


def get_service(session: Session, key: str) -> dict:
    return _compact(service_full(_published(session, Service, key), date.today()))


def list_taxonomies(args) -> dict:
    search = (args.get("search") or "").lower()
    items = [taxonomy(k) for k in TAXONOMIES if search in TAXONOMIES[k][0].lower()]
    return envelope(items, page_request(args))


def get_taxonomy(key: str) -> dict:
    for k in TAXONOMIES:
        if taxonomy_id(k) == key:
            return taxonomy(k)
    raise NotInFeed(key)


def list_terms(args) -> dict:
    search = (args.get("search") or "").lower()
    wanted_taxonomy = args.get("taxonomy_id")
    parent = args.get("parent_id")
    items = [
        taxonomy_term(k, s)
        for k, s in all_terms()
        if (not search or search in TAXONOMIES[k][2][s].lower() or search in s)
        and (not wanted_taxonomy or taxonomy_id(k) == wanted_taxonomy)
        and not parent  # our taxonomies are flat: no term has a parent
    ]
    return envelope(items, page_request(args))


def get_term(key: str) -> dict:
    for k, s in all_terms():
        if term_id(k, s) == key:
            return taxonomy_term(k, s)
    raise NotInFeed(key)


def _organisations(session: Session) -> list[Organisation]:
    """Organisations that provide at least one published service."""
    return list(
        session.scalars(
            select(Organisation)
            .where(
                Organisation.moderation == PUBLISHED,
                Organisation.id.in_(published_services().with_only_columns(Service.organisation_id)),
            )
            .order_by(Organisation.name, Organisation.id)
        )
    )


def list_organisations(session: Session, args) -> dict:
    request = page_request(args)
    search = (args.get("search") or "").lower()
    orgs = [o for o in _organisations(session) if not search or search in o.name.lower()]
    if _flag(args, "full") or _flag(args, "full_service"):
        services = _services(session)
        by_org: dict[int, list[Service]] = {}
        for s in services:
            by_org.setdefault(s.organisation_id, []).append(s)
        return envelope(
            orgs, request, lambda o: organisation_full(o, by_org.get(o.id, []), _flag(args, "full_service"))
        )
    return envelope(orgs, request, organisation_basic)


def get_organisation(session: Session, key: str, args) -> dict:
    org = _published(session, Organisation, key)
    services = [s for s in _services(session) if s.organisation_id == org.id]
    return _compact(organisation_full(org, services, _flag(args, "full_service")))


def _distance_m(lat1, lon1, lat2, lon2) -> float:
    r = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def list_service_at_locations(session: Session, args, origin: tuple[float, float] | None) -> dict:
    """``origin`` is the ``postcode`` parameter's point; ``proximity`` (metres) keeps the
    locations within that distance, nearest first."""
    request = page_request(args)
    terms, modified_after = _term_filter(args), _modified_after(args)
    proximity = None
    if args.get("proximity"):
        if origin is None:
            raise FeedError("proximity", "proximity needs a postcode to measure from.")
        proximity = _whole(args.get("proximity"), "proximity", 0)
    pairs = []
    for service in _services(session):
        if not _matches(service, args, terms, modified_after):
            continue
        for site in service.sites:
            if is_confidential(site):
                continue
            distance = None
            if origin is not None:
                if site.lat is None or site.lon is None:
                    continue
                distance = _distance_m(origin[0], origin[1], site.lat, site.lon)
                if proximity is not None and distance > proximity:
                    continue
            pairs.append((distance, service, site))
    if origin is not None:
        pairs.sort(key=lambda p: p[0])

    def build(pair) -> dict:
        distance, service, site = pair
        body = service_at_location(service, site, with_service=True)
        if distance is not None:
            body["x_distance_m"] = round(distance)
        return body

    return envelope(pairs, request, build)


def get_service_at_location(session: Session, key: str) -> dict:
    for service in _services(session):
        for site in service.sites:
            if not is_confidential(site) and derived_id("service_at_location", site.uuid) == key:
                return _compact(service_at_location(service, site, with_service=True))
    raise NotInFeed(key)
