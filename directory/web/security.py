"""Security headers on every response, and the stricter shell for map documents.

Pages run no inline script: ``script-src 'self'``. Map documents are the exception:
folium writes the base map as inline script, so they are served from their own
addresses (``/maps/<map>/frame``) with a policy of their own that also sandboxes them
into an opaque origin, away from the app's cookies and pages, even when opened directly.
"""

from __future__ import annotations

from flask import Flask, Response

TILE_HOSTS = "https://tile.openstreetmap.org https://*.tile.openstreetmap.org"

PAGE_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "frame-src 'self'",
    "frame-ancestors 'self'",
    "form-action 'self'",
    "base-uri 'self'",
    "object-src 'none'",
))

MAP_SANDBOX = (
    "allow-scripts allow-popups allow-popups-to-escape-sandbox "
    "allow-top-navigation-by-user-activation"
)

MAP_FRAME_POLICY = "; ".join((
    f"sandbox {MAP_SANDBOX}",
    "default-src 'none'",
    "script-src 'self' 'unsafe-inline'",
    "style-src 'self' 'unsafe-inline'",
    f"img-src 'self' data: {TILE_HOSTS}",
    "frame-ancestors 'self'",
    "base-uri 'none'",
    "form-action 'none'",
))

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "SAMEORIGIN",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def map_frame_response(document: str) -> Response:
    response = Response(document, mimetype="text/html")
    response.headers["Content-Security-Policy"] = MAP_FRAME_POLICY
    return response


def init_app(app: Flask) -> None:
    @app.after_request
    def security_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        response.headers.setdefault("Content-Security-Policy", PAGE_POLICY)
        return response
