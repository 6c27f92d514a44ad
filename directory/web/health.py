"""`GET /health`: 200 only when the database answers."""

from __future__ import annotations

from flask import Flask, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db


def init_app(app: Flask) -> None:
    @app.get("/health")
    def health():
        try:
            db.session.execute(text("SELECT 1"))
        except SQLAlchemyError:
            db.session.rollback()
            return jsonify({"status": "unavailable", "message": "The database did not answer."}), 503
        return jsonify({"status": "ok"})
