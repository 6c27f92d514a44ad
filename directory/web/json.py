"""JSON responses through orjson: the finder's answers are large and asked for often.

The same documents as Flask's provider (dates as HTTP dates, dataclasses as objects, keys
in insertion order), written compact and several times faster. Bytes differ in two ways
that parse the same or better: non-ASCII text is written as UTF-8 rather than ``\\u`` escapes,
and NaN or infinity become ``null`` (Flask writes ``NaN``, which is not JSON).
Pretty-printing (debug), sorted keys and anything orjson cannot write fall back to Flask's.
"""

from __future__ import annotations

from typing import Any

import orjson
from flask.json.provider import DefaultJSONProvider

_COMPACT = (",", ":")
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


class FastJSONProvider(DefaultJSONProvider):
    sort_keys = False

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        if self.sort_keys or set(kwargs) - {"separators"} or kwargs.get("separators", _COMPACT) != _COMPACT:
            return super().dumps(obj, **kwargs)
        try:
            return orjson.dumps(obj, default=self.default, option=_OPTIONS).decode()
        except TypeError:  # e.g. an integer too large, or a type nobody can write
            return super().dumps(obj, **kwargs)
