"""The public catalogue pages: home, services, boroughs."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, render_template, request
from markupsafe import Markup

from ..core.queries import parse_service_filters
from ..extensions import db
from ..operations import catalogue, coverage

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
    # The same for everyone but the Refer link: rendered once per data version and day (the
    # status is read on the day), not per request.
    today = date.today()

    def render() -> tuple[dict[str, str], Markup, Markup]:
        page = catalogue.service_page(db.session, slug, today)
        context = {"service": page.service, "reading": page.reading, "reach": page.reach, "sources": page.sources}
        return (
            {"slug": page.service.slug, "name": page.service.name},
            Markup(render_template("catalogue/_service_about.html", **context)),
            Markup(render_template("catalogue/_service_sources.html", **context)),
        )

    refer, about, sources = catalogue.memo_service_page(
        coverage.data_version(db.session), ("service-page", slug, today), render
    )
    return render_template("catalogue/service.html", name=refer["name"], refer=refer, about=about, sources=sources)


@bp.get("/boroughs")
def boroughs():
    return render_template(
        "catalogue/boroughs.html",
        boroughs=catalogue.list_boroughs(db.session),
        bcus=catalogue.list_bcus(db.session),
    )


@bp.get("/boroughs/<code>")
def borough(code: str):
    # Every published service available in the borough (over a thousand in a large
    # catalogue): rendered once per data version and day, not per request.
    today = date.today()

    def render() -> tuple[str, Markup]:
        profile = catalogue.borough_profile(db.session, code, today)
        return profile.borough.name, Markup(render_template("catalogue/_borough_body.html", profile=profile))

    name, body = coverage.memo(coverage.data_version(db.session), ("borough-page", code.upper(), today), render)
    return render_template("catalogue/borough.html", name=name, body=body)
