"""Sign in, sign out, sign up and change password."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from ..extensions import db, limiter
from ..operations import accounts
from .forms import ConfirmForm, LoginForm, PasswordChangeForm, SignupForm
from .guards import account, login_required

bp = Blueprint("auth", __name__)


def _address() -> str | None:
    return request.remote_addr


def _email_from_here() -> str:
    """The throttle's key: the email typed *and* where from, so nobody elsewhere can use
    up someone's attempts (or learn whether their account exists)."""
    email = accounts.normalise_email(request.form.get("email", "")[:254])
    return f"login:{email}|{_address()}"


def _failed(response) -> bool:
    return response.status_code == 400


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def home_for(role: str | None) -> str:
    return {
        "provider": url_for("providers.dashboard"),
        "commissioner": url_for("admin.review"),
        "admin": url_for("admin.users"),
    }.get(role or "", url_for("finder.find"))


def _start_session(acct) -> None:
    session.clear()  # a fresh session on sign-in: nothing carried over from before
    login_user(acct)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"],
    methods=["POST"],
    error_message="Too many sign-in attempts from here. Wait a few minutes and try again.",
)
@limiter.limit(
    lambda: current_app.config["LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS"],
    methods=["POST"],
    key_func=_email_from_here,
    deduct_when=_failed,
    error_message=(
        "Too many failed sign-in attempts for this email address from here. Wait 15 minutes "
        "and try again, or ask an administrator to set a new password."
    ),
)
def login():
    if current_user.is_authenticated:
        return redirect(home_for(current_user.role))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            acct = accounts.authenticate(db.session, form.email.data, form.password.data, _address())
        except accounts.LoginFailed as error:
            form.email.errors.append(error.message)
            status = 400
        else:
            _start_session(acct)
            flash(f"Signed in as {acct.email}.", "success")
            return redirect(_safe_next(request.args.get("next")) or home_for(acct.role))
    elif form.is_submitted():
        status = 400
    form.password.data = ""
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_template(
            "error.html", status=400, message="Sign-out failed: reload the page and try again.", extra={}
        ), 400
    accounts.record_logout(db.session, account(), _address())
    logout_user()
    session.clear()
    flash("You have signed out, on this device and every other.", "success")
    return redirect(url_for("catalogue.home"))


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["SIGNUP_LIMIT_PER_ADDRESS"], methods=["POST"])
def signup():
    if current_user.is_authenticated:
        return redirect(home_for(current_user.role))
    form = SignupForm()
    status = 200
    if form.validate_on_submit():
        try:
            acct = accounts.register_provider(
                db.session,
                form.email.data,
                form.name.data,
                form.password.data,
                {
                    "name": form.organisation_name.data,
                    "description": form.organisation_description.data,
                    "website": form.organisation_website.data,
                    "email": form.organisation_email.data,
                    "phone": form.organisation_phone.data,
                },
                _address(),
            )
        except accounts.AccountError as error:
            target = {"organisation-name": form.organisation_name}.get(error.field) or form[error.field]
            target.errors.append(error.message)
            status = 400
        else:
            _start_session(acct)
            flash(
                "Your account is ready. Your organisation will appear in the directory once a "
                "commissioner has reviewed it. You can add your services now.",
                "success",
            )
            return redirect(url_for("providers.dashboard"))
    elif form.is_submitted():
        status = 400
    form.password.data = form.confirm.data = ""
    return render_template("auth/signup.html", form=form), status


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordChangeForm()
    status = 200
    if form.validate_on_submit():
        try:
            acct = accounts.change_password(db.session, account(), form.current_password.data, form.new_password.data)
        except accounts.AccountError as error:
            form[error.field].errors.append(error.message)
            status = 400
        else:
            login_user(acct)  # the new session token; every other session is signed out
            flash("Your password has been changed. Other devices have been signed out.", "success")
            return redirect(home_for(acct.role))
    elif form.is_submitted():
        status = 400
    return render_template("auth/password.html", form=form), status
