"""Where a fact comes from, and the date it was true: the kinds of source a citation can be.

Pure: the operations layer reads the rows and builds :class:`Source` values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from .types import PartialDate
from .vocabulary import _vocab

CITATION_KINDS = _vocab(
    ("board_note", "Board meeting note"),
    ("web_page", "Public web page"),
    ("dataset_record", "Published dataset record"),
    ("app_statement", "Statement in this directory"),
)
BOARD = "London Reducing Reoffending Board"

# What each kind must carry, beyond the kind itself.
REQUIRED = {
    "board_note": ("note", "meeting_date", "quote"),
    "web_page": ("url", "title", "publisher", "read_on", "quote"),
    "dataset_record": ("publisher", "file", "version", "record_id", "licence"),
    "app_statement": ("stated_by", "source_date"),
}


@dataclass(frozen=True)
class Source:
    """One citation, as any reader shows it."""

    kind: str
    quote: str = ""
    facts: tuple[str, ...] = ()
    note: str | None = None
    meeting_date: date | None = None
    url: str | None = None
    title: str | None = None
    publisher: str | None = None
    source_date: PartialDate | None = None  # the date the page or statement shows
    read_on: date | None = None
    file: str | None = None
    version: str | None = None
    record_id: str | None = None
    licence: str | None = None
    stated_by: str | None = None
    extra: tuple[tuple[str, str], ...] = field(default=())

    @property
    def missing(self) -> tuple[str, ...]:
        """The fields this kind must carry that are empty."""
        names = REQUIRED.get(self.kind)
        if names is None:
            return ("kind",)
        return tuple(n for n in names if not getattr(self, n))

    @property
    def dated(self) -> date | None:
        """The date the fact was true by this source (not the date it was read)."""
        if self.kind == "board_note":
            return self.meeting_date
        return self.source_date.value if self.source_date else None

    @property
    def dated_precision(self) -> str:
        if self.kind == "board_note" or self.source_date is None:
            return "day"
        return self.source_date.precision

    @property
    def date_text(self) -> str:
        if self.kind == "board_note":
            return _day(self.meeting_date) if self.meeting_date else "date not recorded"
        if self.source_date:
            return self.source_date.describe()
        if self.kind == "web_page":
            return "no date shown" + (f", read {_day(self.read_on)}" if self.read_on else "")
        return "date not recorded"

    @property
    def label(self) -> str:
        """Who said it, in a few words: "London Reducing Reoffending Board, note 003"."""
        if self.kind == "board_note":
            return f"{BOARD} meeting note ({self.note})"
        if self.kind == "web_page":
            return f"{self.publisher}: {self.title}"
        if self.kind == "dataset_record":
            return f"{self.publisher}, {self.file} (record {self.record_id})"
        return f"Stated in this directory by {self.stated_by}"

    @property
    def status_source(self) -> str:
        """How a status from this source reads: "Reported to the board"."""
        if self.kind == "board_note":
            return f"Reported to the {BOARD}"
        if self.kind == "web_page":
            return f"{self.publisher}, {self.title!r}"
        if self.kind == "dataset_record":
            return f"{self.publisher}, {self.title!r}" if self.title else f"{self.publisher}, {self.file}"
        return f"Stated by {self.stated_by}"


def _day(value: date) -> str:
    return f"{value.day} {value.strftime('%B %Y')}"


def latest_for(sources: list[Source], fact: str) -> Source | None:
    """The most recent dated source that supports ``fact``; else the first undated one."""
    backing = [s for s in sources if fact in s.facts]
    dated = [s for s in backing if s.dated is not None]
    if dated:
        return max(dated, key=lambda s: s.dated or date.min)
    return backing[0] if backing else None
