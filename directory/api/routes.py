"""The JSON API: the same catalogue, filters and errors as the pages."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from ..core.queries import parse_service_filters
from ..extensions import db
from ..operations import catalogue
from . import serialise

bp = Blueprint("api", __name__)


@bp.get("/services")
def services():
    args = request.args.to_dict(flat=False)
    filters = parse_service_filters(
        args,
        catalogue.borough_codes(db.session),
        per_page=current_app.config["PAGE_SIZE"],
        max_per_page=current_app.config["MAX_PAGE_SIZE"],
    )
    page = catalogue.list_services(db.session, filters)
    kept = {k: v for k, v in args.items() if k != "page"}
    return jsonify(
        serialise.page([serialise.service_summary(s) for s in page.items], page, "api.services", **kept)
    )


@bp.get("/services/<key>")
def service(key: str):
    return jsonify(serialise.service_detail(catalogue.get_service(db.session, key)))


@bp.get("/boroughs")
def boroughs():
    return jsonify(
        {"items": [serialise.borough(b, n) for b, n in catalogue.list_boroughs(db.session)]}
    )


@bp.get("/boroughs/<code>")
def borough(code: str):
    profile = catalogue.borough_profile(db.session, code)
    body = serialise.borough(profile.borough, len(profile.services))
    body["services"] = [serialise.service_summary(s) for s in profile.services]
    body["services_by_category"] = {
        slug: [s.slug for s in services] for slug, services in profile.services_by_category.items()
    }
    body["missing_categories"] = profile.missing_categories
    return jsonify(body)
