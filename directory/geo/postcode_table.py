"""London's postcodes as a compact table a phone can keep, for the finder offline.

Every postcode sector holding at least one London postcode, with each of its postcodes under
the authority it lies in (non-London ones too, so a postcode over the boundary is answered as
outside London). A postcode is its sector ("SE1 7") and the two letters that end it ("TP"), so
a sector is written as ``{"E09000022": "AAABAD...", "E09000028": "TP..."}``: each
authority's units, two letters each, in order. From this the browser answers a postcode, a
sector or a district exactly as :func:`directory.operations.geography.resolve_place` does from
the full lookup, including postcodes that lie in another borough from the rest of their sector.
"""

from __future__ import annotations

import gzip
import json
from collections import defaultdict

from .authorities import authority_name
from .postcode_directory import LONDON_PREFIX, PostcodeDirectory

__all__ = ["london_postcode_table", "encoded_table"]


def london_postcode_table(directory: PostcodeDirectory) -> dict:
    sectors: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for postcode, la_code in directory.london_sector_postcodes():
        sector = f"{postcode[:-3]} {postcode[-3]}"
        sectors[sector][la_code].append(postcode[-2:])
    outside = sorted({code for by_la in sectors.values() for code in by_la if not code.startswith(LONDON_PREFIX)})
    meta = directory.metadata()
    return {
        "source": {
            "name": "ONS Postcode Directory",
            "package": meta.get("source_package"),
            "version": meta.get("source_version"),
            "licence": meta.get("licence"),
        },
        "authorities": {code: authority_name(code) for code in outside},
        "sectors": {
            sector: {code: "".join(units) for code, units in by_la.items()} for sector, by_la in sorted(sectors.items())
        },
    }


def encoded_table(directory: PostcodeDirectory) -> tuple[bytes, bytes]:
    """The table as compact JSON, and the same gzipped."""
    body = json.dumps(london_postcode_table(directory), separators=(",", ":")).encode()
    return body, gzip.compress(body, compresslevel=9, mtime=0)
