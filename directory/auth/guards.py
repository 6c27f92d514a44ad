"""Access guards, in one place: who is signed in, and what their role lets them do.

Ownership (a provider's own organisation and services) is checked in the operations,
against the record loaded on the server, never against anything the browser sent.
"""

from __future__ import annotations

from functools import wraps

from flask import Flask, abort, g, render_template
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from ..core.accounts import Account
from ..extensions import db, login_manager
from ..operations.accounts import load_account
from ..operations.permissions import NotPermitted


class Anonymous:
    """Nobody signed in: no role, no permissions."""

    is_authenticated = False
    is_active = False
    is_anonymous = True
    id = None
    role = None
    organisation_id = None
    name = email = ""

    def get_id(self):
        return None

    def may(self, permission: str) -> bool:
        return False


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to see that page."
    login_manager.login_message_category = "info"
    login_manager.anonymous_user = Anonymous
    login_manager.session_protection = "basic"

    @app.before_request
    def forget_per_request_caches() -> None:
        # Flask-Login caches the user, and Flask-WTF the CSRF token, on ``g``; an app
        # context that outlives one request (tests that hold one open) must not carry
        # them into the next request, or into another client's.
        g.pop("_login_user", None)
        g.pop("csrf_token", None)

    @login_manager.user_loader
    def load_user(token: str) -> Account | None:
        return load_account(db.session, token)

    @app.errorhandler(NotPermitted)
    def not_permitted(error: NotPermitted):
        message = str(error) or "You do not have permission to do that."
        return render_template("error.html", status=403, message=message, extra={}), 403

    @app.errorhandler(StaleDataError)
    def stale(error: StaleDataError):
        db.session.rollback()
        message = (
            "This record was changed by someone else at the same time. "
            "Reload the page to see their changes, then try again."
        )
        return render_template("error.html", status=409, message=message, extra={}), 409


def account() -> Account:
    """The signed-in account (call only behind ``login_required`` or ``role_required``)."""
    return current_user._get_current_object()


def login_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return view(*args, **kwargs)

    return wrapped


def role_required(*roles: str):
    """Signed in, with one of ``roles``: otherwise the sign-in page, or 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403, "You do not have permission to see this page.")
            return view(*args, **kwargs)

        return wrapped

    return decorator
