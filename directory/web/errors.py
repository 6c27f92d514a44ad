"""Error pages for people, JSON errors for the API; never a bare 500 for bad input."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from ..core.queries import InvalidInput
from ..operations.catalogue import NotFound


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
            "has expired" if "expired" in description
            else "could not be checked: its security token is missing" if "missing" in description
            else "could not be checked"
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

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        app.logger.exception("Unhandled error on %s", request.path)
        return _error(500, "server_error", "Something went wrong on our side. Please try again.")
