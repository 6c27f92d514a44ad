"""London reducing-reoffending service directory: the application factory."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from .config import PROJECT_ROOT, Config


def create_app(config: type[Config] | dict | None = None) -> Flask:
    app = Flask(
        __name__,
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=str(PROJECT_ROOT / "instance"),
    )
    app.config.from_object(Config)
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)
    if app.debug and "SESSION_COOKIE_SECURE" not in os.environ:
        app.config["SESSION_COOKIE_SECURE"] = app.config["REMEMBER_COOKIE_SECURE"] = False
    from .web.security import RowIdConverter

    app.url_map.converters["int"] = RowIdConverter
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    from .web.json import FastJSONProvider

    app.json = FastJSONProvider(app)

    from .database import engine_options
    from .extensions import csrf, db, limiter, migrate

    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(
        app.config["SQLALCHEMY_DATABASE_URI"],
        app.config["SQLALCHEMY_ENGINE_OPTIONS"],
        app.config.get("DATABASE_CONNECT_TIMEOUT"),
    )
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)

    from . import models  # noqa: F401  (the whole schema, for Alembic)
    from .database import configure_engine, track_changes

    track_changes()

    with app.app_context():
        configure_engine(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])
    from .web import errors, health, layout, security

    layout.init_app(app)
    errors.init_app(app)
    health.init_app(app)
    security.init_app(app)
    from .auth.guards import init_login

    init_login(app)
    from .web import freshness

    freshness.init_app(app)

    from .admin.routes import bp as admin_bp
    from .api.routes import bp as api_bp
    from .auth.cli import users_cli
    from .auth.routes import bp as auth_bp
    from .catalogue.routes import bp as catalogue_bp
    from .cli import backup_command, data_cli, restore_command, seed_cli
    from .finder.routes import bp as finder_bp
    from .geo.cli import geo_cli
    from .imports.cli import import_cli
    from .imports.routes import bp as imports_bp
    from .maps.routes import bp as maps_bp
    from .offer_cli import offer_cli
    from .offline.routes import bp as offline_bp
    from .openreferral.routes import bp as openreferral_bp
    from .providers.routes import bp as providers_bp
    from .referrals import init_app as init_referrals

    app.register_blueprint(catalogue_bp)
    app.register_blueprint(finder_bp)
    app.register_blueprint(maps_bp)
    app.register_blueprint(api_bp, url_prefix="/api")
    app.register_blueprint(auth_bp)
    app.register_blueprint(providers_bp, url_prefix="/provider")
    app.register_blueprint(admin_bp)
    init_referrals(app)
    app.register_blueprint(openreferral_bp, url_prefix="/openreferral")
    app.register_blueprint(imports_bp)
    app.register_blueprint(offline_bp)
    csrf.exempt(api_bp)
    app.cli.add_command(seed_cli)
    app.cli.add_command(data_cli)
    app.cli.add_command(geo_cli)
    app.cli.add_command(offer_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(import_cli)
    return app
