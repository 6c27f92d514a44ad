"""flask backup / flask restore: every table round-trips, on SQLite and on PostgreSQL."""

from __future__ import annotations

import gzip
import json

import flask_migrate
import pytest
from sqlalchemy import select

from directory import create_app
from directory.config import TestConfig
from directory.extensions import db
from directory.models import Service
from tests.databases import fresh_database_url


def _every_table(connection) -> dict[str, list[tuple]]:
    rows = {}
    for table in db.metadata.sorted_tables:
        order = list(table.primary_key.columns) or list(table.columns)
        rows[table.name] = [
            tuple(v.replace(tzinfo=None) if hasattr(v, "tzinfo") and v.tzinfo else v for v in row)
            for row in connection.execute(select(table).order_by(*order))
        ]
    return rows


@pytest.fixture
def empty_app(tmp_path):
    url, drop = fresh_database_url(tmp_path)

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    app = create_app(Config)
    with app.app_context():
        flask_migrate.upgrade()
        db.session.remove()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    drop()


def test_backup_and_restore_round_trip_every_table(app, empty_app, tmp_path):
    path = tmp_path / "directory-backup.jsonl.gz"
    result = app.test_cli_runner().invoke(args=["backup", str(path)])
    assert result.exit_code == 0, result.output
    assert "Backed up" in result.output and "service:" in result.output
    with app.app_context(), db.engine.connect() as connection:
        before = _every_table(connection)
    assert len(before["service"]) >= 30 and before["borough"]

    result = empty_app.test_cli_runner().invoke(args=["restore", str(path)])
    assert result.exit_code == 0, result.output
    with empty_app.app_context():
        with db.engine.connect() as connection:
            after = _every_table(connection)
        # the data version moved on, so every process's caches rebuild; all else is equal
        assert after.pop("data_version") != before.pop("data_version")
        assert after == before
        # new rows carry on after the restored ids (PostgreSQL sequences reset)
        service = Service(slug="after-restore", name="After restore", status="unknown")
        db.session.add(service)
        db.session.commit()
        assert service.id > max(row[0] for row in before["service"])
        db.session.remove()


def test_restore_refuses_a_database_with_data_and_changes_nothing(app, tmp_path):
    path = tmp_path / "backup.jsonl.gz"
    assert app.test_cli_runner().invoke(args=["backup", str(path)]).exit_code == 0
    result = app.test_cli_runner().invoke(args=["restore", str(path)])
    assert result.exit_code == 1
    assert "already holds data" in result.output and "Nothing was changed." in result.output


@pytest.mark.parametrize(
    "content, message",
    [
        (b"not a backup", "is not a backup made by `flask backup`"),
        (gzip.compress(b'{"format": "something else"}\n'), "is not a backup made by `flask backup`"),
    ],
)
def test_restore_refuses_what_is_not_a_backup(empty_app, tmp_path, content, message):
    path = tmp_path / "odd.gz"
    path.write_bytes(content)
    result = empty_app.test_cli_runner().invoke(args=["restore", str(path)])
    assert result.exit_code == 1 and message in result.output


def test_a_truncated_backup_restores_nothing(app, empty_app, tmp_path):
    path = tmp_path / "backup.jsonl.gz"
    assert app.test_cli_runner().invoke(args=["backup", str(path)]).exit_code == 0
    lines = gzip.decompress(path.read_bytes()).decode().splitlines()
    header = json.loads(lines[0])
    assert header["format"] == "london-directory-backup"
    path.write_bytes(gzip.compress(("\n".join(lines[: len(lines) // 2]) + "\n").encode()))
    result = empty_app.test_cli_runner().invoke(args=["restore", str(path)])
    assert result.exit_code == 1 and "The backup ends inside table" in result.output
    with empty_app.app_context():
        assert db.session.scalar(select(Service.id).limit(1)) is None
        db.session.remove()
