"""The finder pages: the officer's form, the results, and the take-away list."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from ..core.eligibility import CIRCUMSTANCE_CATEGORIES
from ..core.oocd import disposal_choices, disposal_label
from ..core.queries import InvalidInput, parse_finder_query
from ..core.vocabulary import DASH_LEVELS
from ..extensions import db
from ..operations import catalogue, finder, read_model
from ..operations.geography import UnknownPostcode
from ..web.postcodes import postcode_directory
from .takeaway import parse_takeaway, takeaway_item

bp = Blueprint("finder", __name__)

RESULTS_SHOWN = 20  # on a phone; "show all" lists the rest


@bp.app_context_processor
def finder_helpers():
    return {
        "takeaway_item": takeaway_item,
        "disposal_label": disposal_label,
        "DISPOSAL_CHOICES": disposal_choices(),
        "DASH_LEVELS": DASH_LEVELS,
        "CIRCUMSTANCE_CATEGORIES": CIRCUMSTANCE_CATEGORIES,
    }


@bp.get("/find")
def find():
    snapshot = read_model.published(db.session)
    args = request.args.to_dict(flat=False)
    context = {
        "boroughs": [(area.code, area.name) for area in snapshot.areas],
        "args": request.args,
        "error": None,
        "result": None,
        "choose": None,
        "show_all": request.args.get("show") == "all",
        "results_shown": RESULTS_SHOWN,
    }
    if not any(v for k, values in args.items() if k != "show" for v in values if v.strip()):
        return render_template("finder/find.html", **context)
    status = 200
    try:
        query = parse_finder_query(args, snapshot.boroughs)
        context["query"] = query
        context["result"] = finder.find(
            db.session, postcode_directory(), query, snapshot=snapshot, seed_dir=current_app.config["SEED_DIR"]
        )
    except InvalidInput as error:
        context["error"], status = (error.field, error.message), 400
    except UnknownPostcode as error:
        context["error"], status = ("postcode", error.message), 404
    except finder.OutsideLondon as error:
        context["error"], status = ("postcode", str(error)), 400
    except finder.ChooseBorough as choice:
        context["choose"] = choice.place
    return render_template("finder/find.html", **context), status


@bp.get("/find/list")
def takeaway():
    items = parse_takeaway(request.args.getlist("item"))
    services = finder.services_by_slug(db.session, [slug for slug, _ in items])
    if not services:
        raise catalogue.NotFound("those services")
    distances = dict(items)
    return render_template("finder/takeaway.html", services=services, distances=distances)
