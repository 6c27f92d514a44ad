"""URL slugs from names. Pure."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection


def slugify(text: str, max_length: int = 80) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "record"


def unique_slug(base: str, taken: Collection[str]) -> str:
    """``base``, or the first free ``base-2``, ``base-3``... given the slugs already taken
    (the caller reads those starting with ``base`` in one query)."""
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"
