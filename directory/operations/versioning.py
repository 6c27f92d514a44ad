"""The catalogue's data version, and caches keyed on it.

Anything derived from the catalogue (a finder snapshot, a gap analysis, a rendered map) is
cached per process under the version it was computed from; one cheap query tells each
request, in each worker, whether that is still current.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.caching import BoundedCache, LatestValue
from ..models.data_version import ROW_ID, DataVersion


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


def data_version(session: Session) -> tuple:
    """Changes whenever anything the catalogue's readers use changes (one primary-key lookup).

    Every write through a session that could change the published catalogue moves the
    ``data_version`` row on (see :func:`directory.database.changes_published_data`); drafts
    and proposals awaiting review do not. Its time is part of the key, so a number reused after a
    rolled-back write never matches a cache entry made inside that write. Writes that
    bypass the session (raw SQL in a console, ``text()`` statements) do not move it: follow
    them with ``flask data touch``.
    """
    row = session.execute(_CURRENT).one_or_none()  # autoflushes: pending changes move it first
    url = session.get_bind().engine.url.render_as_string(hide_password=True)
    if row is None:
        return (url, None, None)
    number, changed_at = row
    return (url, number, changed_at.isoformat() if isinstance(changed_at, datetime) else changed_at)
