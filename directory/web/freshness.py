"""How old a request's view of the published catalogue may be.

Anonymous GET requests (an officer's finder search, a service or map page, the feed) read
nothing they wrote, so they may use the data version this worker read within
``CATALOGUE_LAG_SECONDS`` and skip a database round trip. Signed-in users always read the
current version, so a provider or commissioner sees a change as soon as it is saved.
"""

from __future__ import annotations

from flask import Flask, current_app, request
from flask_login import current_user

from ..extensions import db
from ..operations.versioning import TOLERATED_LAG


def init_app(app: Flask) -> None:
    @app.before_request
    def tolerate_lag() -> None:
        lag = float(current_app.config.get("CATALOGUE_LAG_SECONDS") or 0)
        if lag > 0 and request.method in ("GET", "HEAD") and not current_user.is_authenticated:
            db.session.info[TOLERATED_LAG] = lag
