"""Referrals: the pages for referrers and providers, the commissioners' counts, the JSON API
and the `flask referrals` commands."""


def init_app(app) -> None:
    """Register the pages (/referrals), the JSON API (/api/referrals, CSRF-protected) and the commands."""
    from .api import bp as api_bp
    from .cli import referrals_cli
    from .routes import bp as pages_bp

    app.register_blueprint(pages_bp, url_prefix="/referrals")
    app.register_blueprint(api_bp, url_prefix="/api/referrals")
    app.cli.add_command(referrals_cli)
