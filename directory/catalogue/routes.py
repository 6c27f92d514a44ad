"""The public catalogue pages: home, services, boroughs."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from ..core.queries import parse_service_filters
from ..extensions import db
from ..operations import catalogue

bp = Blueprint("catalogue", __name__)


def _filters():
    return parse_service_filters(
        request.args.to_dict(flat=False),
        catalogue.borough_codes(db.session),
        per_page=current_app.config["PAGE_SIZE"],
        max_per_page=current_app.config["MAX_PAGE_SIZE"],
    )


@bp.get("/")
def home():
    return render_template("catalogue/home.html", boroughs=catalogue.borough_choices(db.session))


@bp.get("/services")
def services():
    filters = _filters()
    page = catalogue.list_services(db.session, filters)
    return render_template(
        "catalogue/services.html",
        page=page,
        filters=filters,
        boroughs=catalogue.borough_choices(db.session),
    )


@bp.get("/services/<slug>")
def service(slug: str):
    page = catalogue.service_page(db.session, slug)
    return render_template(
        "catalogue/service.html",
        service=page.service,
        reading=page.reading,
        reach=page.reach,
        sources=page.sources,
    )


@bp.get("/boroughs")
def boroughs():
    return render_template(
        "catalogue/boroughs.html",
        boroughs=catalogue.list_boroughs(db.session),
        bcus=catalogue.list_bcus(db.session),
    )


@bp.get("/boroughs/<code>")
def borough(code: str):
    profile = catalogue.borough_profile(db.session, code)
    return render_template("catalogue/borough.html", profile=profile)
