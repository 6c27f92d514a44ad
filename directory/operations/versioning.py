"""The catalogue's data version, and caches keyed on it.

Anything derived from the catalogue (a finder snapshot, a gap analysis, a rendered map) is
cached per process under the version it was computed from; one cheap query tells each
request, in each worker, whether that is still current.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import Borough, MinimumOfferItem, Organisation, Service, Site


class VersionedCache:
    """A small thread-safe LRU: key -> value, computed once per key."""

    def __init__(self, maxsize: int = 64):
        self.maxsize = maxsize
        self._items: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_or_compute(self, key: Hashable, compute: Callable[[], object]):
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return self._items[key]
        value = compute()  # outside the lock: a slow computation never blocks readers
        with self._lock:
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



def data_version(session: Session) -> tuple:
    """Changes whenever anything the catalogue's readers use changes (one round trip).

    A record whose links change (a service's boroughs, categories, cohorts) gets a new
    ``updated_at`` from ``database.touch_changed_records``, so the latest ``updated_at`` and
    the row counts (for deletions) are enough.
    """

    def count(table):
        return select(func.count()).select_from(table).scalar_subquery()

    row = session.execute(
        select(
            select(func.max(Service.updated_at)).scalar_subquery(),
            count(Service.__table__),
            select(func.max(Site.updated_at)).scalar_subquery(),
            count(Site.__table__),
            select(func.max(MinimumOfferItem.updated_at)).scalar_subquery(),
            count(MinimumOfferItem.__table__),
            count(Borough.__table__),
            select(func.max(Organisation.updated_at)).scalar_subquery(),
            count(Organisation.__table__),
        )
    ).one()
    bind = session.get_bind()
    url = getattr(bind, "engine", bind).url.render_as_string(hide_password=True)
    return (url, *(value.isoformat() if isinstance(value, datetime) else value for value in row))
