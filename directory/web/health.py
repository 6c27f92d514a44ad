"""`GET /health`: 200 only when the database's own tables can be read."""

from __future__ import annotations

from flask import Flask, jsonify
from sqlalchemy.exc import SQLAlchemyError

from ..database import is_busy, missing_table, recover
from ..extensions import db
from ..operations.status import NotMigrated, database_status


def _unavailable(message: str):
    response = jsonify({"status": "unavailable", "message": message})
    response.headers["Retry-After"] = "30"
    return response, 503


def init_app(app: Flask) -> None:
    @app.get("/health")
    def health():
        try:
            status = database_status(db.session)
        except NotMigrated:
            return _unavailable("The database has no schema: run `flask db upgrade`.")
        except SQLAlchemyError as error:
            recover(db.session, db.engine, error)
            app.logger.warning("Health check: the database could not be read: %s", error)
            return _unavailable(f"The database could not be read ({_reason(error)}).")
        return jsonify({"status": "ok", "schema": status.schema, "data_version": status.data_version})


def _reason(error: SQLAlchemyError) -> str:
    """What went wrong, in words that give away no paths or SQL."""
    if is_busy(error):
        return "another program holds its lock"
    if missing_table(error):
        return "its tables are missing"
    return "it is missing, replaced or damaged"
