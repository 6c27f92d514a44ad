"""Imports: a reader per format (``hmpps``, ``openreferral``, ``spreadsheet``), each turning
its input into the same staged records for the pipeline in ``operations/imports.py``; the
``flask import`` commands (``cli``) and the commissioners' import pages (``routes``).

A reader never touches the database. It returns a :class:`Batch` (the source's records
as read, with their provenance) or raises :class:`ImportProblem` with a message a person
can act on; the mapping from a record to our fields is the reader's ``map_record``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

MAX_IMPORT_BYTES = 8 * 1024 * 1024
TOO_LARGE = (
    f"The file is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB, the most an import takes. "
    "Split it, or import it from the command line."
)


class ImportProblem(ValueError):
    """Input that cannot be imported as it is; nothing from it has been written."""


@dataclass(frozen=True)
class SourceRecord:
    kind: str  # "service" | "location" | "organisation"
    foreign_id: str
    payload: dict
    row: int | None = None  # the row (spreadsheet) or position (feed) a person can find


@dataclass
class Batch:
    source: str  # the staging key's first half: "hmpps-contracts", "oruk:host", "spreadsheet"
    origin: str  # the file or URL read
    licence: str | None
    file: str | None = None
    commit: str | None = None
    as_of: date | None = None  # the date the source's records were true
    records: list[SourceRecord] = field(default_factory=list)
    row_errors: dict[int | None, list[str]] = field(default_factory=dict)
    complete: bool = True  # does this batch hold all the source's records (so absence means gone)?


@dataclass
class Mapped:
    """A source record mapped to our service fields (the shape moderation stores)."""

    foreign_id: str
    row: int | None
    values: dict
    organisation: dict | None
    quote: str
    uuid: str | None = None
    organisation_uuid: str | None = None
    unresolved: list[tuple[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # sites whose postcodes still need locating: [{name, address, postcode, record}]
    sites: list[dict] = field(default_factory=list)
    strict_sites: bool = False  # a site that cannot be placed is an error, not a warning
    as_of: date | None = None  # when the record's source says it was true, if not the batch's
    warnings: list[str] = field(default_factory=list)
    extra: dict = field(default_factory=dict)  # columns outside the moderated values (EXTRA_COLUMNS)


EXTRA_COLUMNS = ("unnamed_borough_count", "starts_on_precision", "ends_on_precision")
