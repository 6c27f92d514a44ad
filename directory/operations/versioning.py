"""The catalogue's data version, and caches keyed on it.

Anything derived from the catalogue (a finder snapshot, a gap analysis, a rendered map) is
cached per process under the version it was computed from; one cheap query tells each
request, in each worker, whether that is still current.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from ..core.caching import BoundedCache, LatestValue
from ..models.data_version import MOVED_ON_CONNECTION, ROW_ID, DataVersion


class _CollectorPause:
    """Pause the cyclic garbage collector while any caller is inside; restore it after.

    Building a snapshot allocates hundreds of thousands of objects that live on; meanwhile
    the collector runs full collections over the growing heap again and again (0.8 s of a
    1.8 s finder snapshot at 5,000 services). Memory is still freed by reference counting;
    only cycles wait until the pause ends. Nested and concurrent pauses share one count.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._depth = 0
        self._was_enabled = False

    def __enter__(self) -> None:
        with self._lock:
            if self._depth == 0:
                self._was_enabled = gc.isenabled()
                gc.disable()
            self._depth += 1

    def __exit__(self, *exc) -> None:
        with self._lock:
            self._depth -= 1
            if self._depth == 0 and self._was_enabled:
                gc.enable()


collector_paused = _CollectorPause()


class VersionedCache(BoundedCache):
    """A :class:`BoundedCache` for values built from the catalogue, keyed on its version.

    The garbage collector is paused while a value is built (see :data:`collector_paused`).
    """

    def compute(self, compute: Callable[[], Any]) -> Any:
        with collector_paused:
            return compute()


class LatestSnapshot(LatestValue):
    """A :class:`LatestValue` for a catalogue snapshot: while one thread builds the snapshot
    of a new data version, the others are served the previous one instead of waiting.

    Only for readers that tolerate a moment's lag, and whose results are not cached again
    under the new version (they would keep the old data under the new key).
    """

    def compute(self, compute: Callable[[], Any]) -> Any:
        with collector_paused:
            return compute()


_CURRENT = select(DataVersion.number, DataVersion.changed_at).where(DataVersion.id == ROW_ID)

# A session whose reads tolerate this many seconds of lag in the data version (a float in
# ``session.info``; absent or 0: read it every time). The web layer sets it for anonymous reads.
TOLERATED_LAG = "tolerated_version_lag"


class _RecentVersions:
    """The data version each database (by URL) was last read at in this process, and when.

    A reader that tolerates lag is given the version read less than its tolerance ago, with
    no query. A commit in this process that moves the version forgets it at once, so only
    other processes' changes are seen late, and never later than the tolerance.
    """

    def __init__(self) -> None:
        self._read: dict[str, tuple[float, tuple]] = {}

    def get(self, url: str, max_age: float) -> tuple | None:
        found = self._read.get(url)
        if found is None or time.monotonic() - found[0] >= max_age:
            return None
        return found[1]

    def remember(self, url: str, version: tuple, read_at: float) -> None:
        self._read[url] = (read_at, version)

    def forget(self, url: str) -> None:
        self._read.pop(url, None)


recent_versions = _RecentVersions()


@event.listens_for(Engine, "commit")
def _forget_moved_version(connection: Connection) -> None:
    if connection.info.pop(MOVED_ON_CONNECTION, False):
        recent_versions.forget(connection.engine.url.render_as_string(hide_password=True))


@event.listens_for(Engine, "rollback")
def _moved_version_undone(connection: Connection) -> None:
    connection.info.pop(MOVED_ON_CONNECTION, None)


def data_version(session: Session) -> tuple:
    """Changes whenever anything the catalogue's readers use changes (one primary-key lookup).

    Every write through a session that could change the published catalogue moves the
    ``data_version`` row on (see :func:`directory.database.changes_published_data`); drafts
    and proposals awaiting review do not. Its time is part of the key, so a number reused after a
    rolled-back write never matches a cache entry made inside that write. Writes that
    bypass the session (raw SQL in a console, ``text()`` statements) do not move it: follow
    them with ``flask data touch``.

    A session with :data:`TOLERATED_LAG` in its ``info`` (and nothing of its own waiting to
    be flushed) may be given the version this process read within that many seconds, without
    a query: another process's change then reaches it that much later. Each version read from
    the database is remembered for them, unless the session may hold uncommitted writes.
    """
    url = session.get_bind().engine.url.render_as_string(hide_password=True)
    lag = session.info.get(TOLERATED_LAG) or 0.0
    if lag and not (session.new or session.dirty or session.deleted):
        recent = recent_versions.get(url, lag)
        if recent is not None:
            return recent
    read_at = time.monotonic()
    row = session.execute(_CURRENT).one_or_none()  # autoflushes: pending changes move it first
    if row is None:
        return (url, None, None)
    number, changed_at = row
    version = (url, number, changed_at.isoformat() if isinstance(changed_at, datetime) else changed_at)
    if not session.connection().info.get(MOVED_ON_CONNECTION):
        recent_versions.remember(url, version, read_at)
    return version
