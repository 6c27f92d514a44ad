"""Reads that tolerate a little lag, from a streaming replica when one is configured.

``DATABASE_REPLICA_URL`` names a read-only copy of the database (a PostgreSQL hot standby).
:func:`read_lag_tolerant` runs a read there: the catalogue snapshots behind the finder and
the maps, and any other reader that can live with data a moment old. Everything else, every
write, and every read that must see the request's own writes uses the primary
(``db.session``) as before.

A read falls back to the primary when no replica is configured, when the replica cannot be
reached (it is then left alone for ``DATABASE_REPLICA_RETRY_SECONDS``), and when the replica
has not yet replayed the data version the caller is building for: a snapshot keyed on a
version never holds older data than that version (read-your-own-writes).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import TypeVar

from flask import current_app, has_app_context
from sqlalchemy import create_engine, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session

from .database import configure_engine
from .models.data_version import ROW_ID, DataVersion

T = TypeVar("T")

PRIMARY, REPLICA = "primary", "replica"
_UNREACHABLE = (OperationalError, InterfaceError)


class Replica:
    """The replica's engine, and whether it is worth trying just now."""

    def __init__(self, url: str, retry_seconds: float = 30.0):
        options: dict = {"pool_pre_ping": True}
        if make_url(url).get_backend_name() == "postgresql":
            # One consistent view per read, however many queries it takes; give up quickly.
            options.update(isolation_level="REPEATABLE READ", connect_args={"connect_timeout": 2})
        self.engine: Engine = create_engine(url, **options)
        configure_engine(self.engine)
        self.retry_seconds = retry_seconds
        self.served: Counter[str] = Counter()  # reads served, by PRIMARY or REPLICA
        self._down_until = 0.0
        self._lock = threading.Lock()

    @property
    def available(self) -> bool:
        return time.monotonic() >= self._down_until

    def mark_down(self) -> None:
        with self._lock:
            self._down_until = time.monotonic() + self.retry_seconds
        self.engine.dispose()

    def caught_up(self, session: Session, version: tuple | None) -> bool:
        """Has the replica replayed ``version`` (a :func:`data_version` key) of the primary?"""
        wanted = version[1] if version else None
        if wanted is None:
            return True
        number = session.scalar(select(DataVersion.number).where(DataVersion.id == ROW_ID))
        return number is not None and number >= wanted


_LOCK = threading.Lock()


def replica() -> Replica | None:
    """This app's replica, made on first use; None when none is configured (or no app)."""
    if not has_app_context():
        return None
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is a LocalProxy, typed as Flask
    url = app.config.get("DATABASE_REPLICA_URL")
    if not url:
        return None
    with _LOCK:
        found = app.extensions.get("directory_replica")
        if found is None:
            retry = float(app.config.get("DATABASE_REPLICA_RETRY_SECONDS", 30))
            found = app.extensions["directory_replica"] = Replica(url, retry)
    return found


def read_lag_tolerant(primary: Session, read: Callable[[Session], T], version: tuple | None = None) -> T:
    """``read(session)`` on the replica when it can answer for ``version``, else on ``primary``.

    ``read`` must only read: the replica refuses writes, and on the primary they would be
    part of the caller's transaction.
    """
    target = replica()
    if target is not None and target.available:
        session = Session(bind=target.engine)
        try:
            session.connection()  # reachable? (a pooled connection is pinged first)
            if target.caught_up(session, version):
                result = read(session)
                target.served[REPLICA] += 1
                return result
        except _UNREACHABLE:
            target.mark_down()
            current_app.logger.warning(
                "Database replica unreachable: reading from the primary for %s s.",
                target.retry_seconds,
            )
        finally:
            session.close()
    if target is not None:
        target.served[PRIMARY] += 1
    return read(primary)
