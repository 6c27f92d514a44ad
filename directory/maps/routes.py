"""Maps, gap analysis pages and exports.

    /maps                       what the maps show, with links
    /maps/coverage              services per borough for a category (choropleth + table)
    /maps/gaps                  missing minimum-offer categories (choropleth + table)
    /maps/sites                 delivery sites, clustered and coloured by category
    /maps/<map>/frame           the map document itself, for the pages' sandboxed iframes
    /gaps.csv                   borough (or BCU/PDU) x category figures
    /gaps.geojson               borough polygons with the gap figures
    /boroughs/<code>/profile    printable borough profile for board papers

Every page takes ``distance_km`` (0.5 to 20), ``cohort`` and ``age`` (age band); bad
values raise InvalidInput, which the app renders as a 400 page.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Blueprint, Response, render_template, request, url_for
from markupsafe import Markup

from ..core.coverage import AGE_BANDS, GENDER_CHOICES, UNKNOWN_CAVEAT, parse_map_query
from ..core.queries import InvalidInput, first
from ..core.vocabulary import COHORTS
from ..extensions import db
from ..operations import coverage
from ..web.postcodes import postcode_directory
from ..web.security import map_frame_response
from . import builder, figures

bp = Blueprint("maps", __name__)


def _query():
    return parse_map_query(request.args.to_dict(flat=False))


def _frame_url(endpoint: str) -> str:
    """The address of a page's map document: the same filters, one level down."""
    filters: dict[str, Any] = request.args.to_dict(flat=False)
    return url_for(endpoint, **filters)


def _page_context(report=None):
    return {
        "provenance": coverage.provenance(db.session, postcode_directory()),
        "age_bands": AGE_BANDS,
        "report": report,
        "percent": figures.percent,
        "cell_coverage": figures.cell_coverage,
        "state_label": figures.state_label,
        "cell_state": figures.cell_state,
        "residents": figures.residents,
        "category_label": figures.category_label,
        "populations": coverage.populations(),
        "GENDER_CHOICES": GENDER_CHOICES,
        "UNKNOWN_CAVEAT": UNKNOWN_CAVEAT,
    }


def _map_page(name: str, version: tuple, today: date, query, body_context: Callable[[], dict], report=None) -> str:
    """A map page whose body (all but the provenance, which is read each time) is the same for
    everyone: rendered once per data version, day and query string, not per request."""
    page_context = _page_context(report)
    key = (f"{name}-page", today, tuple(sorted(request.args.items(multi=True))))
    body = coverage.memo(
        version,
        key,
        lambda: Markup(render_template(f"maps/_{name}_body.html", query=query, **body_context(), **page_context)),
    )
    return render_template(f"maps/{name}.html", query=query, body=body, **page_context)


@bp.get("/maps")
def index():
    return render_template("maps/index.html", **_page_context())


def _download(body: str, mimetype: str, filename: str) -> Response:
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _assets() -> str:
    """Where the map's own Leaflet files are served (static/vendor)."""
    return url_for("static", filename="vendor").rstrip("/")


def _layers_script() -> str:
    return url_for("static", filename=builder.LAYERS_SCRIPT)


@bp.get("/maps/coverage/frame")
def coverage_frame():
    query = _query()
    report = coverage.gap_report(db.session, postcode_directory(), query)
    return map_frame_response(
        coverage.memo(
            report.version,
            ("coverage-map", query.category, query.cohort, query.band, query.gender, query.distance_km),
            lambda: builder.choropleth_map(
                figures.coverage_choropleth(report, query.category), _assets(), _layers_script()
            ),
        )
    )


@bp.get("/maps/coverage")
def coverage_map():
    query, today = _query(), date.today()
    report = coverage.gap_report(db.session, postcode_directory(), query, today)

    def body_context() -> dict:
        rows = figures.coverage_rows(report, query.category)
        return {
            "frame_url": _frame_url("maps.coverage_frame"),
            "rows": rows,
            "legend": figures.count_legend([r.services for r in rows]),
            "lottery": report.analysis.lottery.get(query.category) if query.category else None,
        }

    return _map_page("coverage", report.version, today, query, body_context, report)


@bp.get("/maps/gaps/frame")
def gaps_frame():
    query = _query()
    report = coverage.gap_report(db.session, postcode_directory(), query)
    return map_frame_response(
        coverage.memo(
            report.version,
            ("gaps-map", query.cohort, query.band, query.gender, query.distance_km),
            lambda: builder.choropleth_map(figures.gaps_choropleth(report), _assets(), _layers_script()),
        )
    )


@bp.get("/maps/gaps")
def gaps_map():
    query, today = _query(), date.today()
    report = coverage.gap_report(db.session, postcode_directory(), query, today)

    def body_context() -> dict:
        return {
            "frame_url": _frame_url("maps.gaps_frame"),
            "legend": figures.gap_legend(report.analysis),
            "middle": coverage.missing_middle(db.session, query.cohort, report.version, today),
        }

    return _map_page("gaps", report.version, today, query, body_context, report)


def _site_query():
    query = _query()
    version = coverage.data_version(db.session)
    areas = coverage.snapshot(db.session, version).areas
    borough = first(request.args.to_dict(flat=False), "borough")
    if borough is not None:
        borough = borough.upper()
        codes = {a.code for a in areas}
        if borough not in codes:
            raise InvalidInput("borough", f"'{borough[:20]}' is not a London borough code.", sorted(codes))
    sites = coverage.site_markers(db.session, query.category, borough, version=version)
    return query, areas, borough, sites


@bp.get("/maps/sites/frame")
def sites_frame():
    query, _areas, borough, sites = _site_query()
    return map_frame_response(
        coverage.memo(
            sites.version,
            ("sites-map", query.category, borough),
            lambda: builder.sites_map(
                figures.site_pins(sites, lambda slug: url_for("catalogue.service", slug=slug)),
                figures.site_legend(sites),
                "Delivery sites",
                _assets(),
                _layers_script(),
            ),
        )
    )


@bp.get("/maps/sites")
def sites_map():
    query, areas, borough, sites = _site_query()

    def body_context() -> dict:
        return {
            "borough": borough,
            "areas": areas,
            "sites": sites,
            "frame_url": _frame_url("maps.sites_frame"),
            "legend": figures.site_legend(sites),
        }

    return _map_page("sites", sites.version, date.today(), query, body_context)


@bp.get("/gaps.csv")
def gaps_csv():
    query = _query()
    report = coverage.gap_report(db.session, postcode_directory(), query)

    def build() -> str:
        out = io.StringIO()
        csv.writer(out, lineterminator="\r\n").writerows(figures.csv_rows(report, query.group))
        return out.getvalue()

    body = coverage.memo(
        report.version,
        ("csv", query.group, query.cohort, query.band, query.gender, query.distance_km),
        build,
    )
    return _download(body, "text/csv", f"london-service-gaps-{query.group}-{query.distance_km:g}km.csv")


def _sources(report) -> list[str]:
    prov = coverage.provenance(db.session, postcode_directory())
    people = coverage.populations()
    return [
        "Services, their boroughs, statuses and delivery sites: the London reducing-reoffending "
        "service directory, seeded from the London Reducing Reoffending Board's meeting notes "
        "(March 2021 to May 2023) and public sources, each cited, kept up to date by providers.",
        *(f"{title}: {source}" for title, source, _loaded in prov.datasets),
        f"Residents: {people.title}. {people.credit}. {people.url}",
        "Postcodes for distance coverage: ONS Postcode Directory"
        + (f" (version {prov.postcode_version})" if prov.postcode_version else "")
        + ". Contains OS data (c) Crown copyright and database right; contains Royal Mail data "
        "(c) Royal Mail copyright and database right; Office for National Statistics, "
        "licensed under the Open Government Licence v3.0.",
    ]


def _day(value) -> str:
    return f"{value.day} {value.strftime('%B %Y')}" if value else "not known"


@bp.get("/gaps-table.<fmt>")
def gaps_table(fmt: str):
    if fmt not in ("csv", "xlsx"):
        raise InvalidInput("format", f"'{fmt[:10]}' is not a table format.", ["csv", "xlsx"])
    query = _query()
    report = coverage.gap_report(db.session, postcode_directory(), query)

    def build():
        table = figures.paper_table(
            report,
            figures.describe_filters(
                report.analysis,
                GENDER_CHOICES.get(query.gender) if query.gender else None,
                COHORTS.get(query.cohort) if query.cohort else None,
            ),
            _sources(report),
            _day(report.snapshot.last_updated),
            _day(report.today),
        )
        if fmt == "xlsx":
            return figures.paper_xlsx(table)
        out = io.StringIO()
        csv.writer(out, lineterminator="\r\n").writerows(figures.paper_csv_rows(table))
        return "\ufeff" + out.getvalue()  # the mark lets spreadsheet programs read UTF-8

    body = coverage.memo(
        report.version,
        ("paper", fmt, query.cohort, query.band, query.gender, query.distance_km, report.today),
        build,
    )
    who = "-".join(v for v in (query.gender, query.band, query.cohort) if v) or "everyone"
    name = f"london-minimum-offer-by-borough-{who}-{query.distance_km:g}km.{fmt}"
    mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" if fmt == "xlsx" else "text/csv"
    return _download(body, mimetype, name)


@bp.get("/gaps.geojson")
def gaps_geojson():
    query = _query()
    report = coverage.gap_report(db.session, postcode_directory(), query)
    body = coverage.memo(
        report.version,
        ("geojson", query.cohort, query.band, query.gender, query.distance_km),
        lambda: json.dumps(figures.geojson(report), separators=(",", ":")),
    )
    return _download(body, "application/geo+json", f"london-service-gaps-{query.distance_km:g}km.geojson")


@bp.get("/boroughs/<code>/profile")
def borough_profile(code: str):
    query = _query()
    profile = coverage.borough_gap_profile(db.session, postcode_directory(), code, query)
    svg = coverage.memo(
        profile.report.version,
        ("profile-svg", profile.area.code),
        lambda: figures.borough_svg(profile.report.snapshot.borough_shapes, profile.area.code),
    )
    return render_template(
        "maps/profile.html",
        query=query,
        profile=profile,
        svg=svg,
        day=_day,
        **_page_context(profile.report),
    )
