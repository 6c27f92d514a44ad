"""Commissioners review changes and set the minimum offer; administrators manage users."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from ..auth.forms import ConfirmForm
from ..auth.guards import account, role_required
from ..core.accounts import ROLES
from ..extensions import db
from ..operations import accounts, moderation, offer
from ..operations.audit import recent_events
from ..operations.records import EditConflict
from .forms import OfferItemForm, ReviewForm, RoleForm

bp = Blueprint("admin", __name__)


# -- review ---------------------------------------------------------------------------


@bp.get("/review")
@role_required("commissioner")
def review():
    return render_template(
        "admin/review.html",
        queue=moderation.review_queue(db.session, account()),
        stale=moderation.stale_services(db.session, account()),
    )


def _render_item(revision_id: int, form: ReviewForm, status: int = 200, problem: str | None = None):
    try:
        item = moderation.queue_item(db.session, account(), revision_id)
    except moderation.ReviewError as error:
        flash(str(error), "error")
        return redirect(url_for("admin.review"))
    return render_template("admin/review_item.html", item=item, form=form, problem=problem), status


@bp.get("/review/<int:revision_id>")
@role_required("commissioner")
def review_item(revision_id: int):
    return _render_item(revision_id, ReviewForm())


@bp.post("/review/<int:revision_id>")
@role_required("commissioner")
def decide(revision_id: int):
    form = ReviewForm()
    decision = request.form.get("decision")
    if not form.validate_on_submit() or decision not in ("approve", "reject"):
        return _render_item(revision_id, form, 400, "Choose to approve or ask for changes.")
    try:
        if decision == "approve":
            item = moderation.approve(db.session, account(), revision_id)
            flash(f"Approved: {item.subject_name} is live.", "success")
        else:
            if not form.reason.data or not form.reason.data.strip():
                form.reason.errors.append("Give a reason the provider can act on.")
                return _render_item(revision_id, form, 400)
            item = moderation.reject(db.session, account(), revision_id, form.reason.data)
            flash(f"Sent back to the provider: {item.subject_name}.", "success")
    except (moderation.ReviewError, EditConflict) as error:
        return _render_item(revision_id, form, 409, getattr(error, "message", str(error)))
    return redirect(url_for("admin.review"), 303)


@bp.get("/review/services/<int:service_id>/history")
@role_required("commissioner")
def history(service_id: int):
    return render_template("admin/history.html", history=moderation.history(db.session, service_id))


@bp.get("/audit")
@role_required("commissioner", "admin")
def audit_log():
    return render_template(
        "admin/audit.html", events=recent_events(db.session, action=request.args.get("action") or None)
    )


# -- the minimum service offer ------------------------------------------------------------


def _render_offer(form: OfferItemForm, status: int = 200):
    return render_template(
        "admin/offer.html", items=offer.list_offer_items(db.session), form=form, remove=ConfirmForm()
    ), status


@bp.get("/offer")
@role_required("commissioner")
def offer_page():
    return _render_offer(OfferItemForm())


@bp.post("/offer")
@role_required("commissioner")
def add_offer():
    form = OfferItemForm()
    if not form.validate_on_submit():
        return _render_offer(form, 400)
    citations = []
    if form.note.data or form.quote.data:
        citations.append({"note": form.note.data or None, "quote": form.quote.data or None, "facts": ["category"]})
    try:
        item = offer.add_offer_item(db.session, form.category.data, form.cohort.data or None, account(), citations)
    except offer.OfferError as error:
        form.category.errors.append(str(error))
        return _render_offer(form, 400)
    flash(
        f"Added {item.category_name}{' for ' + item.cohort_name if item.cohort_name else ''} to the minimum offer.",
        "success",
    )
    return redirect(url_for("admin.offer_page"), 303)


@bp.post("/offer/<int:item_id>/remove")
@role_required("commissioner")
def remove_offer(item_id: int):
    if not ConfirmForm().validate_on_submit():
        return _render_offer(OfferItemForm(formdata=None), 400)
    try:
        item = offer.remove_offer_item(db.session, item_id, account())
    except offer.OfferError as error:
        flash(str(error), "error")
    else:
        flash(
            f"Removed {item.category_name}{' for ' + item.cohort_name if item.cohort_name else ''} from the minimum offer.",
            "success",
        )
    return redirect(url_for("admin.offer_page"), 303)


# -- users and roles -----------------------------------------------------------------------


@bp.get("/users")
@role_required("admin")
def users():
    return render_template(
        "admin/users.html",
        users=accounts.list_users(db.session),
        organisations=accounts.organisation_choices(db.session),
        roles=list(ROLES.items()),
        form=ConfirmForm(),
    )


@bp.post("/users/<int:user_id>")
@role_required("admin")
def set_role(user_id: int):
    form = RoleForm()
    form.set_organisations(accounts.organisation_choices(db.session))
    if not form.validate_on_submit():
        flash("That did not work: " + "; ".join(e for errs in form.errors.values() for e in errs), "error")
        return redirect(url_for("admin.users"), 303)
    try:
        row = accounts.set_role(
            db.session, account(), user_id, form.role.data, form.organisation_id.data, form.active.data
        )
    except accounts.AccountError as error:
        flash(error.message, "error")
    else:
        flash(f"{row.email} is now {row.role}{'' if row.active else ' (cannot sign in)'}.", "success")
    return redirect(url_for("admin.users"), 303)
