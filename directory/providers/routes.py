"""A provider's pages: their dashboard, organisation, services and delivery sites."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from ..auth.forms import ConfirmForm
from ..auth.guards import account, role_required
from ..extensions import db
from ..operations import providers
from ..operations.geocoding import Geocoder
from ..operations.records import EditConflict, SiteProblems
from ..web.postcodes import postcode_directory
from .forms import OrganisationForm, ServiceForm, service_form_data

bp = Blueprint("providers", __name__)

SAVED = {
    "submitted": "Service submitted. It will appear in the directory once a commissioner has approved it.",
    "updated": "Changes saved. The service is waiting for a commissioner's review.",
    "proposed": "Changes sent for review. The live version stays up until a commissioner approves them.",
    "unchanged": "Nothing was changed.",
}


def _geocoder() -> Geocoder:
    return Geocoder(postcode_directory(), db.session)


@bp.get("/")
@role_required("provider")
def dashboard():
    return render_template(
        "providers/dashboard.html", board=providers.dashboard(db.session, account()), confirm=ConfirmForm()
    )


def _service_form(data: dict | None = None) -> ServiceForm:
    form = ServiceForm(data=data) if data is not None else ServiceForm()
    form.set_boroughs(providers.borough_choices(db.session))
    return form


def _render_service(form: ServiceForm, state=None, status: int = 200, conflict: str | None = None):
    if not form.is_submitted():
        form.sites.append_entry()  # one empty row to add a site
    return render_template("providers/service_form.html", form=form, state=state, conflict=conflict), status


@bp.route("/services/new", methods=["GET", "POST"])
@role_required("provider")
def new_service():
    form = _service_form()
    if not form.validate_on_submit():
        return _render_service(form, status=400 if form.is_submitted() else 200)
    try:
        saved = providers.create_service(db.session, _geocoder(), account(), form.values())
    except SiteProblems as problems:
        form.add_site_problems(problems.problems)
        return _render_service(form, status=400)
    flash(SAVED[saved.outcome], "success")
    return redirect(url_for("providers.dashboard"))


@bp.route("/services/<int:service_id>/edit", methods=["GET", "POST"])
@role_required("provider")
def edit_service(service_id: int):
    state = providers.service_for_edit(db.session, account(), service_id)
    form = _service_form(None if request.method == "POST" else service_form_data(state.values))
    if not form.is_submitted():
        form.version.data = state.token
        return _render_service(form, state)
    if not form.validate():
        return _render_service(form, state, 400)
    try:
        saved = providers.update_service(
            db.session, _geocoder(), account(), service_id, form.values(), form.version.data or ""
        )
    except EditConflict as conflict:
        return _render_service(form, state, 409, conflict.message)
    except SiteProblems as problems:
        form.add_site_problems(problems.problems)
        return _render_service(form, state, 400)
    flash(SAVED[saved.outcome], "success")
    return redirect(url_for("providers.dashboard"))


@bp.post("/services/<int:service_id>/confirm")
@role_required("provider")
def confirm_service(service_id: int):
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash("That did not work: reload the page and try again.", "error")
        return redirect(url_for("providers.dashboard")), 303
    try:
        providers.confirm_current(db.session, account(), service_id)
    except EditConflict as conflict:
        flash(conflict.message, "error")
    else:
        flash("Thank you: the service is marked as confirmed current today.", "success")
    return redirect(url_for("providers.dashboard")), 303


@bp.get("/services/<int:service_id>/history")
@role_required("provider")
def service_history(service_id: int):
    return render_template("admin/history.html", history=providers.service_history(db.session, account(), service_id))


@bp.route("/organisation", methods=["GET", "POST"])
@role_required("provider")
def organisation():
    state = providers.organisation_for_edit(db.session, account())
    form = OrganisationForm() if request.method == "POST" else OrganisationForm(data=state.values)
    conflict, status = None, 200
    if not form.is_submitted():
        form.version.data = state.token
    elif form.validate():
        try:
            outcome = providers.update_organisation(db.session, account(), form.values(), form.version.data or "")
        except EditConflict as error:
            conflict, status = error.message, 409
        else:
            flash(SAVED[outcome].replace("service", "organisation").replace("Service", "Organisation"), "success")
            return redirect(url_for("providers.dashboard"))
    else:
        status = 400
    return render_template("providers/organisation_form.html", form=form, state=state, conflict=conflict), status
