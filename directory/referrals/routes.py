"""Referral pages.

| method   | path                                  | who                              | what |
|----------|---------------------------------------|----------------------------------|------|
| GET      | /referrals/                           | signed in                        | a provider's inbox, or the referrals you made; look one up by code |
| GET      | /referrals/lookup?code=               | signed in                        | go to a referral by its code |
| GET/POST | /referrals/new?service=&borough=...   | officer, commissioner            | the referral form (prefilled from the finder), send |
| GET      | /referrals/<code>                     | its referrer, its provider, commissioner | facts, deadline, timeline, the moves you may make |
| POST     | /referrals/<code>/transitions         | its referrer or its provider     | move it on (to=, reason=) |
| GET      | /referrals/counts, /referrals/counts.csv | commissioner, admin           | counts with small numbers suppressed |
"""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_limiter.util import get_remote_address

from ..auth.guards import account, login_required, role_required
from ..core.accounts import PERMISSIONS, may
from ..core.queries import InvalidInput, whole_number
from ..core.referrals import (
    ACTION_LABELS,
    AGE_BANDS,
    REASON_LABELS,
    REFERRER_AGENCIES,
    STATE_LABELS,
    InvalidReason,
    InvalidReferral,
    State,
    TransitionRefused,
    age_band,
    normalise_code,
)
from ..core.vocabulary import CATEGORIES, CONDITION_KINDS, DISPOSALS, PERSON_COHORTS
from ..extensions import db, limiter
from ..operations import referrals
from ..operations.permissions import NotPermitted
from .forms import ReferralForm, TransitionForm
from .web import acknowledge_within, link_for, send_after_commit

bp = Blueprint("referrals", __name__)

REFERRER_ROLES = tuple(sorted(PERMISSIONS["refer"]))
COUNT_ROLES = tuple(sorted(PERMISSIONS["read_all"]))


def _referrer_key() -> str:
    return f"referrer:{current_user.get_id() or get_remote_address()}"


# One budget for making referrals, shared by the form and the JSON API.
creation_limit = limiter.shared_limit(
    lambda: current_app.config["REFERRAL_LIMIT_PER_ACCOUNT"],
    scope="referral-create",
    key_func=_referrer_key,
    methods=["POST"],
)


@bp.app_context_processor
def referral_vocabulary():
    return {
        "REFERRAL_STATES": STATE_LABELS,
        "REFERRAL_REASONS": REASON_LABELS,
        "REFERRAL_ACTIONS": ACTION_LABELS,
        "AGE_BANDS": AGE_BANDS,
        "REFERRER_AGENCIES": REFERRER_AGENCIES,
        "CONDITION_KINDS": CONDITION_KINDS,
        "PERSON_COHORTS_ALL": PERSON_COHORTS,
    }


@bp.get("/")
@login_required
def index():
    state = request.args.get("state") or None
    if state and state not in {s.value for s in State}:
        state = None
    listed = None
    if current_user.role == "provider" or may(current_user.role, "refer"):
        listed = referrals.list_referrals(db.session, account(), link_for, state=state, within=acknowledge_within())
    return render_template("referrals/index.html", referrals=listed, state=state)


@bp.get("/lookup")
@login_required
def lookup():
    raw = request.args.get("code", "")
    code = normalise_code(raw)
    if code is None:
        flash("Enter a referral code: 8 letters and numbers, like ACDE-FG34.", "error")
        return redirect(url_for("referrals.index")), 303
    return redirect(url_for("referrals.show", code=code)), 303


def _prefill(form: ReferralForm) -> None:
    args = request.args
    form.service.data = args.get("service", "")
    form.borough.data = args.get("borough", "")
    try:
        age = whole_number(args.to_dict(flat=False), "age", minimum=0, maximum=120)
    except InvalidInput:
        age = None
    form.age_band.data = args.get("age_band") or age_band(age) or ""
    form.needs.data = [n for n in args.getlist("need") if n in CATEGORIES]
    cohort = args.get("cohort", "")
    form.cohort.data = cohort if cohort in PERSON_COHORTS else ""
    disposal = args.get("disposal", "")
    form.disposal.data = disposal if disposal in DISPOSALS else ""


def _render_new(form: ReferralForm, target, status: int = 200):
    return render_template("referrals/new.html", form=form, target=target), status


@bp.route("/new", methods=["GET", "POST"])
@creation_limit
@role_required(*REFERRER_ROLES)
def new():
    form = ReferralForm()
    form.set_boroughs(referrals.borough_choices(db.session))
    if not form.is_submitted():
        _prefill(form)
    target = referrals.refer_target(db.session, account(), form.service.data or "")
    if target is None:
        return render_template(
            "error.html",
            status=404,
            extra={},
            message="Choose a service to refer to: use the Refer link on a finder result or a service's page.",
        ), 404
    if not form.is_submitted():
        return _render_new(form, target)
    if not form.validate():
        return _render_new(form, target, 400)
    try:
        made = referrals.create_referral(
            db.session, account(), form.values(), link_for, confirmed_warnings=bool(form.confirm_warnings.data)
        )
    except InvalidReferral as problems:
        form.add_problems(problems.problems)
        return _render_new(form, target, 400)
    except referrals.UnconfirmedWarnings:
        form.confirm_warnings.errors = ["Tick to confirm you have read the warnings, or choose another service."]
        return _render_new(form, target, 400)
    send_after_commit()
    flash(f"Referral sent. Its code is {made.shown_code}: note it in your own case system.", "success")
    return redirect(url_for("referrals.show", code=made.code)), 303


def _render_show(code: str, status: int = 200, problem: str | None = None):
    view = referrals.get_referral(db.session, account(), code, link_for, within=acknowledge_within())
    forms = []
    for move in view.moves:
        form = TransitionForm(formdata=None, to=move.target.value)
        if move.reasons:
            form.reason.choices = [("", "Choose a reason")] + list(move.reasons.items())
        forms.append((move, form))
    return render_template("referrals/show.html", referral=view, forms=forms, problem=problem), status


@bp.get("/<code>")
@login_required
def show(code: str):
    try:
        return _render_show(code)
    except referrals.ReferralNotFound:
        return _not_found()


def _not_found():
    return render_template(
        "error.html",
        status=404,
        extra={},
        message="There is no referral with that code. Check it and try again.",
    ), 404


@bp.post("/<code>/transitions")
@login_required
def move(code: str):
    form = TransitionForm()
    if not form.validate_on_submit():
        flash("That did not work: reload the page and try again.", "error")
        return redirect(url_for("referrals.show", code=code)), 303
    try:
        view = referrals.transition(
            db.session,
            account(),
            code,
            form.to.data or "",
            form.reason.data or None,
            link_for,
            within=acknowledge_within(),
        )
    except referrals.ReferralNotFound:
        return _not_found()
    except TransitionRefused as refused:
        try:
            return _render_show(code, refused.status, refused.message)
        except referrals.ReferralNotFound:
            return _not_found()
    except InvalidReason as invalid:
        return _render_show(code, 400, invalid.message)
    send_after_commit()
    flash(f"Referral {view.shown_code} is now {STATE_LABELS[State(view.state)].lower()}.", "success")
    return redirect(url_for("referrals.show", code=view.code)), 303


@bp.get("/counts")
@role_required(*COUNT_ROLES)
def counts():
    return render_template("referrals/counts.html", report=referrals.counts(db.session, account()))


def _cell(text: str) -> str:
    """A provider-typed name that a spreadsheet would run as a formula is written as text."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@bp.get("/counts.csv")
@role_required(*COUNT_ROLES)
def counts_csv():
    report = referrals.counts(db.session, account())
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["week_starting", "borough", "service", "state", "referrals"])
    for week, borough, service, state, count in report.rows:
        writer.writerow([week.isoformat(), _cell(borough), _cell(service), state, count])
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=referral-counts.csv"},
    )


@bp.errorhandler(NotPermitted)
def not_permitted(error: NotPermitted):
    return render_template("error.html", status=403, message=str(error), extra={}), 403
