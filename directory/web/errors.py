"""Error pages for people, JSON errors for the API; never a bare 500 for bad input."""

from __future__ import annotations

from flask import Flask, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from ..core.queries import InvalidInput
from ..database import database_unavailable, recover
from ..extensions import db, login_manager
from ..operations.catalogue import NotFound

UNAVAILABLE = "The directory's database is unavailable for a moment. Try again in a few minutes."


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/health"


def _error(status: int, code: str, message: str, extra: dict | None = None):
    if wants_json():
        body = {"error": code, "message": message, **(extra or {})}
        return jsonify(body), status
    return (
        render_template("error.html", status=status, message=message, extra=extra or {}),
        status,
    )


def init_app(app: Flask) -> None:
    @app.errorhandler(InvalidInput)
    def invalid_input(error: InvalidInput):
        body = error.as_dict()
        extra = {k: v for k, v in body.items() if k not in ("error", "message")}
        return _error(400, body["error"], error.message, extra)

    @app.errorhandler(NotFound)
    def not_found(error: NotFound):
        return _error(404, "not_found", f"Nothing was found for '{str(error)[:60]}'.")

    @app.errorhandler(CSRFError)
    def form_expired(error: CSRFError):
        description = error.description or ""
        why = (
            "has expired"
            if "expired" in description
            else "could not be checked: its security token is missing"
            if "missing" in description
            else "could not be checked"
        )
        if wants_json():
            state = "has expired" if "expired" in description else "is missing or wrong"
            return _error(
                400, "csrf_failed", f"The request's CSRF token {state}: send a current one in the X-CSRFToken header."
            )
        return _error(
            400,
            "form_expired",
            f"This form {why}. Go back, reload the page and send it again "
            "(forms stay open for 8 hours, and need cookies).",
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = (error.name or "error").lower().replace(" ", "_")
        return _error(error.code or 500, code, error.description or error.name)

    @app.errorhandler(DBAPIError)
    @app.errorhandler(PoolTimeout)
    def database_error(error: Exception):
        if not database_unavailable(error):
            return unexpected(error)
        recover(db.session, db.engine, error)
        app.logger.error("Database unavailable on %s %s: %s", request.method, request.path, error)
        if wants_json():
            response, status = _error(503, "database_unavailable", UNAVAILABLE)
        else:
            g.setdefault("_login_user", login_manager.anonymous_user())  # not from the database now
            response = render_template(
                "unavailable.html",
                message=UNAVAILABLE,
                resend=_resend(),
                catalogue_last_updated=lambda: None,
            )
            status = 503
        return response, status, {"Retry-After": "30"}

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        app.logger.exception("Unhandled error on %s", request.path)
        db.session.rollback()  # whatever the request left half-done, before the page reads
        return _error(500, "server_error", "Something went wrong on our side. Please try again.")


def _resend() -> dict | None:
    """A form post that could not be saved: what was typed, to send again (never a password)."""
    if request.method != "POST" or wants_json():
        return None
    fields, withheld = [], False
    for name, values in request.form.lists():
        if name == "csrf_token":
            continue
        if "password" in name.lower():
            withheld = True
            continue
        fields.extend((name, value) for value in values)
    return {
        "action": request.full_path if request.query_string else request.path,
        "fields": fields,
        "withheld": withheld,
    }
