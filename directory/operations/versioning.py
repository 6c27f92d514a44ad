"""The catalogue's data version, and caches keyed on it.

Anything derived from the catalogue (a finder snapshot, a gap analysis, a rendered map) is
cached per process under the version it was computed from; one cheap query tells each
request, in each worker, whether that is still current.
"""

from __future__ import annotations

import gc
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

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


class VersionedCache:
    """A small thread-safe LRU: key -> value, computed once per key.

    When several threads ask for a missing key at once, one computes it and the others wait
    for its value, rather than all computing the same thing (a catalogue snapshot takes
    seconds at scale). Readers of keys already present never wait.
    """

    def __init__(self, maxsize: int = 64):
        self.maxsize = maxsize
        self._items: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()
        self._computing: dict[Hashable, threading.Lock] = {}
        self.hits = 0
        self.misses = 0

    def _cached(self, key: Hashable) -> tuple[bool, object]:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return True, self._items[key]
            return False, None

    def get_or_compute(self, key: Hashable, compute: Callable[[], object]):
        found, value = self._cached(key)
        if found:
            return value
        with self._lock:
            computing = self._computing.setdefault(key, threading.Lock())
        with computing:
            found, value = self._cached(key)  # computed while this thread waited
            if found:
                return value
            try:
                with collector_paused:
                    value = compute()
            except BaseException:
                with self._lock:
                    self._computing.pop(key, None)
                raise
            with self._lock:
                self._computing.pop(key, None)
                self.misses += 1
                self._items[key] = value
                self._items.move_to_end(key)
                while len(self._items) > self.maxsize:
                    self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.hits = self.misses = 0


_CURRENT = select(DataVersion.number, DataVersion.changed_at).where(DataVersion.id == ROW_ID)


def data_version(session: Session) -> tuple:
    """Changes whenever anything the catalogue's readers use changes (one primary-key lookup).

    Every write through a session moves the ``data_version`` row on (see
    :mod:`directory.database`). Its time is part of the key, so a number reused after a
    rolled-back write never matches a cache entry made inside that write. Writes that
    bypass the session (raw SQL in a console, ``text()`` statements) do not move it: follow
    them with ``flask data touch``.
    """
    row = session.execute(_CURRENT).one_or_none()  # autoflushes: pending changes move it first
    bind = session.get_bind()
    url = getattr(bind, "engine", bind).url.render_as_string(hide_password=True)
    if row is None:
        return (url, None, None)
    number, changed_at = row
    return (url, number, changed_at.isoformat() if isinstance(changed_at, datetime) else changed_at)
