"""The JSON API: the same catalogue, filters and errors as the pages."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from ..core.postcodes import InvalidPostcode
from ..core.queries import flag, parse_finder_query, parse_service_filters, whole_number
from ..extensions import db
from ..operations import catalogue, finder, geography, read_model
from ..web.postcodes import postcode_directory
from . import serialise

bp = Blueprint("api", __name__)

# Results (and excluded services) in one answer unless `limit` asks for more (up to 1,000):
# a phone shows about this many, as the finder page does.
FIND_LIMIT = 20


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
    return jsonify(serialise.page([serialise.service_summary(s) for s in page.items], page, "api.services", **kept))


@bp.get("/services/<key>")
def service(key: str):
    return jsonify(serialise.service_detail(catalogue.get_service(db.session, key)))


@bp.get("/boroughs")
def boroughs():
    return jsonify({"items": [serialise.borough(b, n) for b, n in catalogue.list_boroughs(db.session)]})


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


@bp.get("/postcodes/<path:raw>")
def postcode(raw: str):
    try:
        place = geography.locate_postcode(db.session, postcode_directory(), raw)
    except InvalidPostcode as error:
        return jsonify({"error": "invalid_postcode", "message": str(error)}), 400
    except geography.UnknownPostcode as error:
        return _unknown_postcode(error)
    return jsonify(serialise.place(place))


def _unknown_postcode(error: geography.UnknownPostcode):
    return jsonify(
        {
            "error": "unknown_postcode",
            "message": f"{error.postcode} is not in the ONS Postcode Directory. "
            "Check it, or search by borough instead.",
        }
    ), 404


@bp.get("/boroughs.geojson")
def boroughs_geojson():
    return _geojson(geography.borough_boundaries(db.session))


@bp.get("/bcus.geojson")
def bcus_geojson():
    return _geojson(geography.bcu_boundaries(db.session))


def _geojson(collection: dict):
    response = jsonify(collection)
    response.mimetype = "application/geo+json"
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response


@bp.get("/find")
def find():
    args = request.args.to_dict(flat=False)
    snapshot = read_model.published(db.session)
    query = parse_finder_query(args, snapshot.boroughs)
    all_excluded = flag(args, "all_excluded")
    limit = whole_number(args, "limit", minimum=1, maximum=1000, default=FIND_LIMIT)
    try:
        result = finder.find(
            db.session,
            postcode_directory(),
            query,
            snapshot=snapshot,
            seed_dir=current_app.config["SEED_DIR"],
        )
    except geography.UnknownPostcode as error:
        return jsonify({"error": "unknown_postcode", "message": error.message}), 404
    except finder.OutsideLondon as error:
        return jsonify(
            {
                "error": "outside_london",
                "message": str(error),
                "local_authority": {"code": error.la_code, "name": error.authority_name},
            }
        ), 400
    except finder.ChooseBorough as choice:
        return jsonify(serialise.borough_choice(choice.place)), 400
    return jsonify(serialise.finder_result(result, all_excluded, limit))
