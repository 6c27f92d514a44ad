"""A small thread-safe LRU whose missing values are computed once, however many ask."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

__all__ = ["BoundedCache", "LatestValue"]


class BoundedCache:
    """key -> value, at most ``maxsize`` of them, least recently used dropped first.

    When several threads ask for a missing key at once, one computes it and the others wait
    for its value, rather than all computing the same thing (a catalogue snapshot takes
    seconds at scale). Readers of keys already present never wait. A computation that
    fails keeps nothing, and the next caller tries again.
    """

    def __init__(self, maxsize: int = 64):
        self.maxsize = maxsize
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._computing: dict[Hashable, threading.Lock] = {}

    def _cached(self, key: Hashable) -> tuple[bool, Any]:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return True, self._items[key]
            return False, None

    def compute(self, compute: Callable[[], Any]) -> Any:
        """How a missing value is computed: a hook for subclasses."""
        return compute()

    def get_or_compute(self, key: Hashable, compute: Callable[[], Any]) -> Any:
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
                value = self.compute(compute)
            except BaseException:
                with self._lock:
                    self._computing.pop(key, None)
                raise
            with self._lock:
                self._computing.pop(key, None)
                self._items[key] = value
                while len(self._items) > self.maxsize:
                    self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


_MISSING = object()


class LatestValue:
    """The newest value of one thing that is rebuilt whenever its version changes.

    One thread builds the value for a new version; while it does, the other threads are
    given the previous version's value rather than waiting (a catalogue snapshot takes a
    second or more at scale). Only when there is no previous value do they wait for the
    build. A build that fails keeps the previous value, and the next caller tries again.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version: Hashable = None
        self._value: Any = _MISSING
        self._building: dict[Hashable, threading.Lock] = {}

    def compute(self, compute: Callable[[], Any]) -> Any:
        """How a value is built: a hook for subclasses."""
        return compute()

    def get(self, version: Hashable, compute: Callable[[], Any]) -> Any:
        with self._lock:
            if self._value is not _MISSING and self._version == version:
                return self._value
            previous = self._value
            building = self._building.setdefault(version, threading.Lock())
        if not building.acquire(blocking=previous is _MISSING):
            return previous  # another thread is building this version: serve the last one
        try:
            with self._lock:
                if self._value is not _MISSING and self._version == version:
                    return self._value  # built while this thread waited
            value = self.compute(compute)
            with self._lock:
                self._version, self._value = version, value
            return value
        finally:
            with self._lock:
                self._building.pop(version, None)
            building.release()

    @property
    def version(self) -> Hashable:
        return self._version
