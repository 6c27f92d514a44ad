"""The offline copy as JSON: the API's own service shapes, with what the finder reads offline."""

from __future__ import annotations

from flask import url_for

from ..api import serialise
from ..core.status import readings_from
from ..core.vocabulary import CATEGORIES
from ..operations.offline import OfflineCopy


def _date(value):
    return value.isoformat() if value else None


def _eligibility(info) -> dict:
    """What the records say about who a service is for: shown as recorded, never applied."""
    return {
        "min_age": info.min_age,
        "max_age": info.max_age,
        "genders": sorted(info.genders),
        "cohorts": sorted(info.cohorts),
        "risk_levels": sorted(info.risk_levels),
        "offences_accepted": sorted(info.offences_accepted),
        "offences_excluded": sorted(info.offences_excluded),
        "languages": sorted(info.languages),
        "veterans_only": info.veterans_only,
        "neurodivergent_only": info.neurodivergent_only,
        "oocd_disposals": sorted(info.oocd_disposals),
    }


def snapshot(copy: OfflineCopy) -> dict:
    catalogue = copy.catalogue
    service_url = url_for("catalogue.service", slug="__slug__")
    services = []
    for info in catalogue.services:
        card = catalogue.cards[info.id]
        body = serialise.service_summary(card, service_url, copy.taken_on)
        body["status_readings"] = [
            {"from": day.isoformat(), "reading": serialise.status_reading(reading)}
            for day, reading in readings_from(card.status_evidence, copy.taken_on)
        ]
        body["coverage"] = {
            "pan_london": info.pan_london,
            "boroughs": sorted(info.borough_codes),
            "unnamed_borough_count": info.unnamed_borough_count,
            "confirmed": info.coverage_confirmed,
        }
        body["eligibility"] = _eligibility(info)
        body["how_to_refer"] = card.how_to_refer
        services.append(body)
    return {
        "version": copy.version,
        "taken_on": copy.taken_on.isoformat(),
        "catalogue_last_updated": _date(catalogue.last_updated),
        "boroughs": [{"code": a.code, "name": a.name} for a in catalogue.areas],
        "categories": dict(CATEGORIES),
        "services": services,
    }
