"""Security headers on every response, and the stricter shell for map documents.

Pages run no inline script: ``script-src 'self'``. Map documents are the exception:
folium writes the base map as inline script, so they are served from their own
addresses (``/maps/<map>/frame``) with a policy of their own that also sandboxes them
into an opaque origin, away from the app's cookies and pages, even when opened directly.
"""

from __future__ import annotations

from flask import Flask, Response, abort, current_app, request
from werkzeug.routing import IntegerConverter

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

TILE_HOSTS = "https://tile.openstreetmap.org https://*.tile.openstreetmap.org"

PAGE_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "frame-src 'self'",
        "frame-ancestors 'self'",
        "form-action 'self'",
        "base-uri 'self'",
        "object-src 'none'",
    )
)

MAP_SANDBOX = "allow-scripts allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation"

MAP_FRAME_POLICY = "; ".join(
    (
        f"sandbox {MAP_SANDBOX}",
        "default-src 'none'",
        "script-src 'self' 'unsafe-inline'",
        "style-src 'self' 'unsafe-inline'",
        f"img-src 'self' data: {TILE_HOSTS}",
        "frame-ancestors 'self'",
        "base-uri 'none'",
        "form-action 'none'",
    )
)

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "SAMEORIGIN",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class RowIdConverter(IntegerConverter):
    """``<int:...>`` in every route: a positive whole number a database row id can hold.

    Larger numbers are a 404 like any other missing record, never an overflow in the driver.
    """

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(map, *args, **kwargs)


def accepts_files(view):
    """Mark a view whose form takes file uploads; every other form refuses them."""
    view.accepts_files = True
    return view


def _refuse_malformed_requests() -> None:
    """Refuse here, clearly, what would otherwise fail deep inside with a 500.

    No text anywhere holds a NUL character (PostgreSQL cannot store one). Form pages take
    form fields: a file in a text field, or JSON posted to a page, is a 400 or 415.
    """
    if "\x00" in request.path:
        abort(404)
    if any(
        "\x00" in key or "\x00" in value
        for fields in (request.args, request.form)
        for key, value in fields.items(multi=True)
    ):
        abort(400, "Text cannot contain NUL characters.")
    if request.method not in WRITE_METHODS or request.path.startswith("/api/"):
        return
    if request.is_json:
        abort(415, "This page takes a form, not JSON. Use the JSON API under /api/.")
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    if request.files and not getattr(view, "accepts_files", False):
        abort(400, "This form does not take files. Type the information into the fields.")


def map_frame_response(document: str) -> Response:
    response = Response(document, mimetype="text/html")
    response.headers["Content-Security-Policy"] = MAP_FRAME_POLICY
    return response


def init_app(app: Flask) -> None:
    app.before_request(_refuse_malformed_requests)

    @app.after_request
    def security_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        response.headers.setdefault("Content-Security-Policy", PAGE_POLICY)
        return response
