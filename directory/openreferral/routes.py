"""The Open Referral UK (HSDS 3.0) feed: anonymous, read-only, open to any origin.

| route | answer |
|---|---|
| GET /openreferral/ | version, profile, openapi_url |
| GET /openreferral/docs | the feed's documentation page (extension fields, attributes) |
| GET /openreferral/openapi.json | the feed's OpenAPI description |
| GET /openreferral/services, /services/<id> | published services (page envelope; filters) |
| GET /openreferral/taxonomies, /taxonomies/<id> | our categories, cohorts, OoCD taxonomies |
| GET /openreferral/taxonomy_terms, /taxonomy_terms/<id> | their terms |
| GET /openreferral/organizations, /organizations/<id> | providers of published services |
| GET /openreferral/service_at_locations, /service_at_locations/<id> | with postcode and proximity |
"""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request, url_for

from ..core.postcodes import InvalidPostcode
from ..extensions import db
from ..operations import openreferral as feed
from ..operations.geography import UnknownPostcode, postcode_record
from ..web.postcodes import postcode_directory
from .openapi import openapi_document

bp = Blueprint("openreferral", __name__)


@bp.after_request
def open_to_every_origin(response):
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Methods"] = "GET, OPTIONS"
    return response


@bp.errorhandler(feed.FeedError)
def bad_query(error: feed.FeedError):
    return jsonify({"error": "invalid_parameter", "parameter": error.parameter, "message": error.message}), 400


@bp.errorhandler(feed.NotInFeed)
def not_in_feed(error: feed.NotInFeed):
    return jsonify({"error": "not_found", "message": "There is no published record with that id."}), 404


@bp.get("/")
def meta():
    return jsonify(
        {
            "version": feed.HSDS_VERSION,
            "profile": url_for("openreferral.docs", _external=True),
            "openapi_url": url_for("openreferral.openapi", _external=True),
        }
    )


@bp.get("/docs")
def docs():
    return render_template(
        "openreferral/docs.html",
        taxonomies=feed.TAXONOMIES,
        taxonomy_id=feed.taxonomy_id,
        base=url_for("openreferral.meta", _external=True),
    )


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document(url_for("openreferral.meta", _external=True)))


@bp.get("/services")
def services():
    return jsonify(feed.list_services(db.session, request.args))


@bp.get("/services/<key>")
def service(key: str):
    return jsonify(feed.get_service(db.session, key))


@bp.get("/taxonomies")
def taxonomies():
    return jsonify(feed.list_taxonomies(request.args))


@bp.get("/taxonomies/<key>")
def taxonomy(key: str):
    return jsonify(feed.get_taxonomy(key))


@bp.get("/taxonomy_terms")
def taxonomy_terms():
    return jsonify(feed.list_terms(request.args))


@bp.get("/taxonomy_terms/<key>")
def taxonomy_term(key: str):
    return jsonify(feed.get_term(key))


@bp.get("/organizations")
def organizations():
    return jsonify(feed.list_organisations(db.session, request.args))


@bp.get("/organizations/<key>")
def organization(key: str):
    return jsonify(feed.get_organisation(db.session, key, request.args))


@bp.get("/service_at_locations")
def service_at_locations():
    origin = None
    if request.args.get("postcode"):
        try:
            record = postcode_record(postcode_directory(), request.args["postcode"])
        except InvalidPostcode as error:
            raise feed.FeedError("postcode", str(error)) from None
        except UnknownPostcode:
            raise feed.FeedError("postcode", "That postcode is not in the ONS Postcode Directory.") from None
        origin = (record.lat, record.lon)
    return jsonify(feed.list_service_at_locations(db.session, request.args, origin))


@bp.get("/service_at_locations/<key>")
def service_at_location(key: str):
    return jsonify(feed.get_service_at_location(db.session, key))
