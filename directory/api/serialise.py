"""Turning catalogue records into the API's JSON shapes."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from flask import url_for

from ..core.citations import Source
from ..core.contacts import Reach
from ..core.oocd import disposal_label
from ..core.status import StatusReading, read_status
from ..models import Borough, Organisation, Service, Site
from ..operations.catalogue import ServiceCard, reach, service_card, source_of


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


def status_reading(reading: StatusReading) -> dict:
    e = reading.evidence
    return {
        "standing": reading.standing.value,
        "label": reading.label,
        "sentence": reading.sentence,
        "recorded": e.status,
        "as_of": _partial(e.as_of, e.as_of_precision),
        "source": e.source,
        "not_confirmed_since": _partial(reading.since, e.as_of_precision) if reading.since else None,
    }


def contact(r: Reach) -> dict:
    """How to reach the service, and who can tell when nothing is published."""
    return {
        "website": r.website,
        "email": r.email,
        "phone": r.phone,
        "known": r.known,
        "who_can_tell": None if r.known else r.who_can_tell,
        "organisations": [
            {"name": p.name, "role": p.role, "website": p.website, "email": p.email, "phone": p.phone}
            for p in r.parties
        ],
    }


def referral(r: Reach) -> dict:
    return {"routes": list(r.routes), "how_to_refer": r.how_to_refer, "where": r.where}


def citation(source: Source) -> dict:
    body = {
        "kind": source.kind,
        "quote": source.quote or None,
        "facts": list(source.facts),
        "label": source.label,
        "date": source.date_text,
    }
    if source.kind == "board_note":
        body.update(note=source.note, meeting_date=source.meeting_date.isoformat() if source.meeting_date else None)
    elif source.kind == "web_page":
        body.update(
            url=source.url,
            title=source.title,
            publisher=source.publisher,
            page_date=_partial(source.source_date.value, source.source_date.precision) if source.source_date else None,
            read_on=source.read_on.isoformat() if source.read_on else None,
        )
    elif source.kind == "dataset_record":
        body.update(
            url=source.url,
            publisher=source.publisher,
            file=source.file,
            version=source.version,
            record_id=source.record_id,
            licence=source.licence,
            dataset_date=_partial(source.source_date.value, source.source_date.precision)
            if source.source_date
            else None,
        )
    else:
        body.update(
            stated_by=source.stated_by,
            stated_on=_partial(source.source_date.value, source.source_date.precision) if source.source_date else None,
        )
    return body


def service_summary(service: Service | ServiceCard, url_pattern: str | None = None, today: date | None = None) -> dict:
    """``url_pattern`` (a service URL with ``__slug__`` for the slug) saves building each URL.
    The status is read on ``today`` (the clock's day by default)."""
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
        "status_reading": status_reading(read_status(card.status_evidence, today or date.today())),
        "contact": contact(card.reach),
        "referral": referral(card.reach),
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


def service_detail(service: Service, today: date | None = None) -> dict:
    body = service_summary(service, today=today)
    full = reach(service)
    body.update(
        {
            "description": service.description,
            "commissioners": [organisation_ref(o) for o in service.commissioners],
            "starts_on": _partial(service.starts_on, service.starts_on_precision),
            "ends_on": _partial(service.ends_on, service.ends_on_precision),
            "funded_until": _partial(service.funded_until, service.funded_until_precision),
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
            "referral": referral(full),
            "capacity": service.capacity,
            "cost": service.cost,
            "funder": service.funder,
            "contact": contact(full),
            "sites": [site(s) for s in service.sites],
            "citations": [citation(source_of(c)) for c in service.citations],
            "last_confirmed_at": service.last_confirmed_at.isoformat() if service.last_confirmed_at else None,
            "record_last_changed": service.updated_at.isoformat() if service.updated_at else None,
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
        "choices": [{"code": c.code, "name": c.name, "postcodes": c.postcodes or None} for c in place.choices],
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

    today = getattr(result, "today", None)

    def match(m) -> dict:
        body = {
            "service": service_summary(result.services[m.service.id], service_url, today),
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
            "alternatives": [{"disposal": slug, "label": disposal_label(slug)} for slug in assessment.alternatives],
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
        "known_absences": [
            {
                "statement": a.statement,
                "next_step": a.next_step,
                "as_of": a.as_of.isoformat() if a.as_of else None,
                "citations": [citation(s) for s in a.sources],
            }
            for a in result.absences
        ],
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
