"""Turning catalogue records into the API's JSON shapes."""

from __future__ import annotations

from functools import lru_cache

from flask import url_for

from ..core.oocd import disposal_label
from ..models import Borough, Organisation, Service, Site
from ..operations.catalogue import ServiceCard, service_card


def _partial(value, precision) -> dict | None:
    if value is None:
        return None
    text = value.isoformat()
    if precision == "month":
        text = text[:7]
    elif precision == "year":
        text = text[:4]
    return {"date": text, "precision": precision or "day"}


def borough_ref(borough: Borough | None) -> dict | None:
    if borough is None:
        return None
    return {"code": borough.code, "name": borough.name}


def bcu_ref(borough: Borough | None) -> dict | None:
    if borough is None or borough.bcu is None:
        return None
    return {"code": borough.bcu.code, "name": borough.bcu.name}


def organisation_ref(organisation: Organisation | None) -> dict | None:
    if organisation is None:
        return None
    return {"id": organisation.uuid, "slug": organisation.slug, "name": organisation.name}


def site(site: Site) -> dict:
    return {
        "id": site.uuid,
        "name": site.name,
        "address": site.address,
        "postcode": site.postcode,
        "borough": borough_ref(site.borough),
        "lat": site.lat,
        "lon": site.lon,
    }


def service_summary(service: Service | ServiceCard, url_pattern: str | None = None) -> dict:
    """``url_pattern`` (a service URL with ``__slug__`` for the slug) saves building each URL."""
    card = service if isinstance(service, ServiceCard) else service_card(service)
    return {
        "id": card.id,
        "uuid": card.uuid,
        "slug": card.slug,
        "name": card.name,
        "summary": card.summary,
        "organisation": {"id": card.organisation[0], "slug": card.organisation[1], "name": card.organisation[2]}
        if card.organisation
        else None,
        "status": card.status,
        "pan_london": card.pan_london,
        "boroughs": [{"code": code, "name": name} for code, name in card.boroughs],
        "unnamed_borough_count": card.unnamed_borough_count,
        "categories": list(card.categories),
        "cohorts": list(card.cohorts),
        "url": url_pattern.replace("__slug__", card.slug)
        if url_pattern
        else url_for("catalogue.service", slug=card.slug, _external=True),
        "last_modified": card.last_modified,
    }


def service_detail(service: Service) -> dict:
    body = service_summary(service)
    body.update(
        {
            "description": service.description,
            "commissioners": [organisation_ref(o) for o in service.commissioners],
            "starts_on": _partial(service.starts_on, service.starts_on_precision),
            "ends_on": _partial(service.ends_on, service.ends_on_precision),
            "coverage_note": service.coverage_note,
            "eligibility": {
                "min_age": service.min_age,
                "max_age": service.max_age,
                "genders": service.genders,
                "risk_levels": service.risk_levels,
                "offences_accepted": service.offences_accepted,
                "offences_excluded": service.offences_excluded,
                "languages": service.languages,
                "veterans_only": service.veterans_only,
                "neurodivergent_only": service.neurodivergent_only,
                "notes": service.eligibility_notes,
            },
            "oocd": {
                "disposals": service.oocd_disposals,
                "condition_kinds": service.oocd_condition_kinds,
                "hours": service.oocd_hours,
                "completion_weeks": service.oocd_completion_weeks,
                "notes": service.oocd_notes,
            },
            "referral": {"routes": service.referral_routes, "how_to_refer": service.how_to_refer},
            "capacity": service.capacity,
            "cost": service.cost,
            "funder": service.funder,
            "contact": {"website": service.website, "email": service.email, "phone": service.phone},
            "sites": [site(s) for s in service.sites],
            "citations": [
                {
                    "note": c.note,
                    "meeting_date": c.meeting_date.isoformat() if c.meeting_date else None,
                    "quote": c.quote,
                    "facts": c.facts,
                }
                for c in service.citations
            ],
            "last_confirmed_at": service.last_confirmed_at.isoformat()
            if service.last_confirmed_at
            else None,
        }
    )
    return body


def borough(borough: Borough, service_count: int | None = None) -> dict:
    body = {
        "code": borough.code,
        "name": borough.name,
        "police_force": borough.police_force,
        "bcu": bcu_ref(borough),
        "pdu": {"code": borough.pdu.code, "name": borough.pdu.name} if borough.pdu else None,
        "url": url_for("catalogue.borough", code=borough.code, _external=True),
    }
    if service_count is not None:
        body["service_count"] = service_count
    return body


def page(items: list, page, endpoint: str, **args) -> dict:
    def link(number: int) -> str | None:
        if number < 1 or number > page.pages:
            return None
        return url_for(endpoint, page=number, **args, _external=True)

    return {
        "items": items,
        "total": page.total,
        "page": page.page,
        "per_page": page.per_page,
        "pages": page.pages,
        "next": link(page.page + 1),
        "previous": link(page.page - 1),
    }


def place(place) -> dict:
    record = place.record
    return {
        "postcode": record.postcode,
        "in_london": place.in_london,
        "borough": borough_ref(place.borough),
        "bcu": bcu_ref(place.borough),
        "local_authority": {"code": record.la_code, "name": place.authority_name},
        "lat": record.lat,
        "lon": record.lon,
    }


@lru_cache(maxsize=4096)
def _reason(reason) -> dict:
    body = {"rule": reason.rule, "text": reason.text}
    if reason.source:
        body["source"] = reason.source
    return body


def _reasons(reasons) -> list[dict]:
    return [_reason(r) for r in reasons]


def service_ref(service, url_pattern: str) -> dict:
    """A short reference to a service (a core ServiceInfo), for long lists."""
    return {
        "id": service.id,
        "slug": service.slug,
        "name": service.name,
        "status": service.status,
        "url": url_pattern.replace("__slug__", service.slug),
    }


def _youth(youth) -> dict | None:
    if youth is None:
        return None
    service = youth.service
    return {
        "route": youth.text,
        "source": youth.source,
        "borough": {"code": youth.borough_code, "name": youth.borough_name},
        "who_can_tell": youth.who_can_tell,
        "in_directory": service is not None,
        "service": {
            "name": service.name,
            "phone": service.phone,
            "hours": service.hours,
            "source": {
                "url": service.source.url,
                "title": service.source.title,
                "date": service.source.date,
                "quote": service.source.quote,
            },
        }
        if service
        else None,
    }


def _next_steps(result, match) -> dict:
    steps = result.next_steps
    shown = result.without_disposal or result.outcome
    commissioning = steps.commissioning
    return {
        "youth": _youth(steps.youth),
        "no_local_service": steps.no_local_service,
        "pan_london_total": shown.pan_london_count,
        "elsewhere": [match(m) for m in steps.elsewhere],
        "elsewhere_distances": steps.elsewhere_from,
        "commissioning": {
            "categories": list(commissioning.categories),
            "commissioners": list(commissioning.names),
            "in_borough": commissioning.in_borough,
            "source": "the directory's service records",
        }
        if commissioning
        else None,
    }


def _place(place) -> dict | None:
    if place is None:
        return None
    return {
        "typed": place.typed.text,
        "kind": place.typed.kind,
        "explanation": place.explanation,
        "point_is_middle": place.point_is_middle,
        "other_boroughs": [
            {"code": c.code, "name": c.name, "postcodes": c.postcodes or None}
            for c in place.choices
            if c.code != place.code
        ],
    }


def borough_choice(place) -> dict:
    """A place that spans several boroughs: the 400 that lists them (ask again with ``borough``)."""
    return {
        "error": "choose_borough",
        "field": "borough",
        "message": place.explanation,
        "place": {"typed": place.typed.text, "kind": place.typed.kind},
        "choices": [
            {"code": c.code, "name": c.name, "postcodes": c.postcodes or None} for c in place.choices
        ],
        "allowed": [c.code for c in place.choices],
    }


def finder_result(result, all_excluded: bool = False, limit: int | None = None) -> dict:
    """The finder's answer. Services excluded only for helping with other needs are counted,
    not listed, unless ``all_excluded``: in a large catalogue they are most of it."""
    location = result.location
    service_url = url_for("catalogue.service", slug="__slug__", _external=True)
    outcome = result.outcome
    other = outcome.for_other_needs
    other_reasons = _reasons((outcome.other_needs_reason,)) if other else []
    assessment = result.outcome.assessment

    def match(m) -> dict:
        body = {
            "service": service_summary(result.services[m.service.id], service_url),
            "distance_km": round(m.distance_km, 2) if m.distance_km is not None else None,
            "nearest_site": m.nearest_site.name if m.nearest_site else None,
            "tier": m.tier.name.lower(),
            "built_for_person": m.built_for_person,
            "reasons": _reasons(m.decision.matched),
            "notes": _reasons(m.decision.notes),
        }
        return body

    return {
        "location": {
            "place": _place(location.place),
            "postcode": location.postcode,
            "borough": borough_ref(location.borough),
            "bcu": bcu_ref(location.borough),
            "lat": location.lat,
            "lon": location.lon,
        },
        "disposal": {
            "disposal": assessment.disposal,
            "label": disposal_label(assessment.disposal),
            "verdict": assessment.verdict.value if assessment.verdict else None,
            "heading": assessment.heading,
            "available": assessment.available,
            "regime": assessment.regime,
            "in_force": assessment.in_force,
            "corresponds_to": assessment.corresponds_to,
            "reasons": _reasons(assessment.reasons),
            "missing": _reasons(assessment.missing),
            "notes": _reasons(assessment.notes),
            "next_steps": _reasons(assessment.next_steps),
            "alternatives": [
                {"disposal": slug, "label": disposal_label(slug)} for slug in assessment.alternatives
            ],
        }
        if assessment.disposal
        else None,
        "without_disposal": {
            "order": result.without_disposal.order,
            "results_total": len(result.without_disposal.results),
            "results": [match(m) for m in result.without_disposal.results[:limit]],
        }
        if result.without_disposal is not None
        else None,
        "next_steps": _next_steps(result, match),
        "order": result.outcome.order,
        "results_total": len(result.outcome.results),
        "results": [match(m) for m in result.outcome.results[:limit]],
        "excluded_total": len(outcome.excluded) + (len(other) if all_excluded else 0),
        "excluded": (
            [
                {"service": service_ref(m.service, service_url), "reasons": _reasons(m.decision.failed)}
                for m in outcome.excluded[:limit]
            ]
            + (
                [{"service": service_ref(s, service_url), "reasons": other_reasons} for s in other]
                if all_excluded
                else []
            )
        )[:limit],
        "excluded_for_other_needs": {
            "count": len(other),
            "reason": outcome.other_needs_reason.text if other else None,
            "listed": all_excluded,
        },
    }
