"""Lag-tolerant reads go to a streaming replica; writes and fresh reads stay on the primary.

The first tests run on both databases (no replica, an unreachable one). The rest start a
real hot standby of the suite's PostgreSQL cluster with ``pg_basebackup -R``, once, and are
skipped on SQLite.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from directory.replica import PRIMARY, REPLICA, read_lag_tolerant, replica
from tests.databases import fresh_database_url


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_without_a_replica_reads_use_the_primary(app, session):
    with app.test_request_context():
        assert replica() is None
        assert read_lag_tolerant(session, lambda reader: reader) is session


def test_an_unreachable_replica_falls_back_to_the_primary(app, session):
    app.config["DATABASE_REPLICA_URL"] = f"postgresql+psycopg://postgres@127.0.0.1:{_free_port()}/none"
    try:
        with app.test_request_context():
            started = time.monotonic()
            assert read_lag_tolerant(session, lambda reader: reader) is session
            target = replica()
            assert not target.available  # left alone for a while: no connection attempt per read
            assert read_lag_tolerant(session, lambda reader: reader) is session
            assert time.monotonic() - started < 5
            assert target.served == {PRIMARY: 2}
    finally:
        app.config["DATABASE_REPLICA_URL"] = None
        app.extensions.pop("directory_replica", None)


# -- a real streaming replica (PostgreSQL run only) ---------------------------------------


def _as_postgres(command: list[str]) -> subprocess.CompletedProcess:
    if os.geteuid() == 0:
        wrapped = ["su", "postgres", "-s", "/bin/bash", "-c", subprocess.list2cmdline(command)]
    elif os.environ.get("USER") == "postgres":
        wrapped = command
    else:
        wrapped = ["sudo", "-u", "postgres", *command]
    return subprocess.run(wrapped, check=True, capture_output=True, text=True, timeout=120)


def _pg_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_basebackup"))
    if not found:
        pytest.skip("pg_basebackup is not installed")
    return found[-1].parent


class Standby:
    """A hot standby of the test cluster, in a folder of its own."""

    def __init__(self, primary_url: str):
        self.bin = _pg_bin()
        self.folder = Path(tempfile.mkdtemp(prefix="directory-replica."))
        self.folder.chmod(0o755)
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        self.data = self.folder / "data"
        self.port = _free_port()
        self.primary = make_url(primary_url)
        _as_postgres(
            [
                str(self.bin / "pg_basebackup"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.primary.port),
                "-U",
                "postgres",
                "-D",
                str(self.data),
                "-R",
                "-X",
                "stream",
                "-c",
                "fast",
            ]
        )
        self.start()

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c hot_standby=on"
        _as_postgres(
            [
                str(self.bin / "pg_ctl"),
                "-D",
                str(self.data),
                "-l",
                str(self.folder / "log"),
                "-w",
                "-o",
                options,
                "start",
            ]
        )

    def stop(self) -> None:
        _as_postgres([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"])

    def url(self, database: str) -> str:
        return self.primary.set(port=self.port, database=database).render_as_string(hide_password=False)

    def remove(self) -> None:
        try:
            _as_postgres([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"])
        except subprocess.CalledProcessError:
            pass  # already stopped
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture(scope="module")
def replicated(tmp_path_factory, app):
    """An app on a fresh, migrated database of the test cluster, with a standby as its replica."""
    import flask_migrate

    from directory import create_app
    from directory.config import TestConfig
    from directory.extensions import db

    server = os.environ.get("TEST_DATABASE_URL")
    if not server or make_url(server).get_backend_name() != "postgresql":
        pytest.skip("a streaming replica needs PostgreSQL (the suite's PostgreSQL run starts one)")
    url, drop = fresh_database_url(tmp_path_factory.mktemp("replica"))

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        DATABASE_REPLICA_RETRY_SECONDS = 3600

    primary_app = create_app(Config)
    with primary_app.app_context():
        flask_migrate.upgrade()
        db.session.remove()
    standby = Standby(url)
    primary_app.config["DATABASE_REPLICA_URL"] = standby.url(make_url(url).database)
    try:
        yield primary_app, standby
    finally:
        with primary_app.app_context():
            target = primary_app.extensions.get("directory_replica")
            if target is not None:
                target.engine.dispose()
            db.session.remove()
            db.engine.dispose()
        standby.remove()
        drop()


def _replayed(app, standby) -> None:
    """Wait until the standby has replayed everything the primary has written so far.

    The insert position, not the write position: the test cluster commits asynchronously
    (``synchronous_commit=off``), so a commit's record may not be written out yet.
    """
    primary = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    follower = create_engine(app.config["DATABASE_REPLICA_URL"])
    try:
        with primary.connect() as connection:
            lsn = connection.scalar(text("SELECT pg_current_wal_insert_lsn()::text"))
        deadline = time.monotonic() + 30
        while True:
            with follower.connect() as connection:
                if connection.scalar(text("SELECT pg_last_wal_replay_lsn() >= CAST(:lsn AS pg_lsn)"), {"lsn": lsn}):
                    return
            assert time.monotonic() < deadline, "the standby did not catch up within 30 s"
            time.sleep(0.1)
    finally:
        primary.dispose()
        follower.dispose()


def _add_service(name: str) -> None:
    from directory.extensions import db
    from directory.models import Service

    db.session.add(Service(slug=f"replica-{uuid.uuid4().hex[:8]}", name=name, moderation="published"))
    db.session.commit()


def _where(reader) -> str:
    return REPLICA if reader.scalar(text("SELECT pg_is_in_recovery()")) else PRIMARY


def test_lag_tolerant_reads_see_the_primarys_writes_on_the_replica(replicated):
    from directory.extensions import db
    from directory.models import Service
    from directory.operations import read_model
    from directory.operations.versioning import data_version

    app, standby = replicated
    with app.app_context():
        _add_service("Written on the primary")
        _replayed(app, standby)
        version = data_version(db.session)
        where, names = read_lag_tolerant(
            db.session, lambda reader: (_where(reader), set(reader.scalars(select(Service.name)))), version
        )
        assert where == REPLICA
        assert "Written on the primary" in names
        assert _where(db.session) == PRIMARY  # the app's own session stays on the primary

        served = replica().served[REPLICA]
        snapshot = read_model.published(db.session)  # the finder's snapshot, via the replica
        assert replica().served[REPLICA] == served + 1
        assert "Written on the primary" in {card.name for card in snapshot.cards.values()}
        db.session.remove()


def test_writes_never_go_to_the_replica(replicated):
    from directory.extensions import db
    from directory.models import Service

    app, standby = replicated
    with app.app_context():
        _add_service("A write through the app")  # lands on the primary, replica configured
        assert db.session.scalar(select(Service.id).where(Service.name == "A write through the app"))

        def write(reader):
            assert _where(reader) == REPLICA
            reader.add(Service(slug="never-written", name="Never written"))
            reader.flush()

        with pytest.raises(DBAPIError, match="read-only transaction"):
            read_lag_tolerant(db.session, write)
        assert db.session.scalar(select(Service.id).where(Service.slug == "never-written")) is None
        db.session.remove()


def test_a_lagging_replica_is_not_used_for_a_newer_version(replicated):
    """Read-your-own-writes: a snapshot of the version just written is never built from a
    replica that has not replayed it yet."""
    from directory.extensions import db
    from directory.operations import read_model

    app, standby = replicated
    with app.app_context():
        paused = create_engine(app.config["DATABASE_REPLICA_URL"], isolation_level="AUTOCOMMIT")
        try:
            with paused.connect() as connection:
                connection.execute(text("SELECT pg_wal_replay_pause()"))
            _add_service("Written while the replica lags")
            served = dict(replica().served)
            snapshot = read_model.published(db.session)
            assert "Written while the replica lags" in {c.name for c in snapshot.cards.values()}
            assert replica().served[PRIMARY] == served.get(PRIMARY, 0) + 1
            assert replica().served[REPLICA] == served.get(REPLICA, 0)
        finally:
            with paused.connect() as connection:
                connection.execute(text("SELECT pg_wal_replay_resume()"))
            paused.dispose()
        db.session.remove()


def test_the_app_falls_back_to_the_primary_when_the_replica_stops(replicated):
    from directory.extensions import db
    from directory.operations import coverage, read_model

    app, standby = replicated
    with app.app_context():
        _replayed(app, standby)
        standby.stop()
        try:
            _add_service("Written after the replica stopped")
            started = time.monotonic()
            assert read_lag_tolerant(db.session, _where) == PRIMARY
            assert not replica().available
            snap = coverage.snapshot(db.session)  # the maps' snapshot still builds
            assert "Written after the replica stopped" in {s.name for s in snap.services}
            cards = read_model.published(db.session).cards.values()  # and the finder's
            assert "Written after the replica stopped" in {c.name for c in cards}
            assert time.monotonic() - started < 10
            db.session.remove()
            with app.test_client() as client:
                assert client.get("/maps").status_code == 200
        finally:
            standby.start()  # for the other tests, whatever order they run in
            app.extensions.pop("directory_replica").engine.dispose()
