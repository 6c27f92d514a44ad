"""The one rule for "is this service running on this date". Pure.

A recorded status ("commissioned", "pilot", "planned", "ended", "unknown") is only ever
true *as of* the date of its source. Read on a given day it becomes a :class:`Standing`:

- ``ENDED``: recorded as ended.
- ``PLANNED``: recorded as planned, with a start still to come, on a recent source.
- ``CONFIRMED``: recorded as commissioned or a pilot, started, with no end or funding date
  passed, on a source no older than :data:`FRESH_FOR`.
- ``NOT_CONFIRMED``: once said to run or to be planned, but its planned start, end date or
  funded-until date has passed since, or its source is older than :data:`FRESH_FOR`, and
  nothing newer says more. "Not confirmed since <date>": never called running, never
  excluded silently.
- ``NOT_KNOWN``: no source says whether it runs.

The finder, the maps, the gap analysis, the exports and the API all read this rule.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum

from .types import PartialDate

FRESH_FOR = timedelta(days=548)  # about 18 months: an older source no longer confirms a status
RUNNING_STATUSES = frozenset({"commissioned", "pilot"})
RECORDED_LABELS = {
    "commissioned": "commissioned",
    "pilot": "running as a pilot",
    "planned": "planned",
    "ended": "ended",
    "unknown": "status not known",
}


class Standing(Enum):
    CONFIRMED = "confirmed"
    NOT_CONFIRMED = "not_confirmed"
    PLANNED = "planned"
    ENDED = "ended"
    NOT_KNOWN = "not_known"


STANDING_LABELS = {
    Standing.CONFIRMED: "Confirmed running",
    Standing.NOT_CONFIRMED: "Not confirmed",
    Standing.PLANNED: "Planned",
    Standing.ENDED: "Ended",
    Standing.NOT_KNOWN: "Status not known",
}


def period_start(when: PartialDate) -> date:
    """The first day a partial date can mean: 1 March for "March 2025"."""
    if when.precision == "year":
        return date(when.value.year, 1, 1)
    if when.precision == "month":
        return date(when.value.year, when.value.month, 1)
    return when.value


def period_end(when: PartialDate) -> date:
    """The last day a partial date can mean: 31 January for "January 2023"."""
    if when.precision == "year":
        return date(when.value.year, 12, 31)
    if when.precision == "month":
        last = calendar.monthrange(when.value.year, when.value.month)[1]
        return date(when.value.year, when.value.month, last)
    return when.value


def on_or_in(when: PartialDate) -> str:
    return f"on {when.describe()}" if when.precision == "day" else f"in {when.describe()}"


@dataclass(frozen=True)
class StatusEvidence:
    """What a record says about its status, and when and where that was said."""

    status: str  # vocabulary.STATUSES
    as_of: date | None = None  # the date the source gives (a meeting, a page's date)
    source: str | None = None  # "Reported to the board (meeting note 003)"
    starts_on: PartialDate | None = None
    ends_on: PartialDate | None = None
    funded_until: PartialDate | None = None
    as_of_precision: str = "day"  # a page dated "November 2021" is as of that month

    @property
    def as_of_text(self) -> str | None:
        return PartialDate(self.as_of, self.as_of_precision).describe() if self.as_of else None


@dataclass(frozen=True)
class StatusReading:
    """The rule's answer for one service on one day, in words a person can check."""

    standing: Standing
    evidence: StatusEvidence
    since: date | None = None  # NOT_CONFIRMED: the last date a source confirmed it
    why: str = ""  # NOT_CONFIRMED and PLANNED: what has passed or is to come

    @property
    def counts_as_present(self) -> bool:
        """For coverage: confirmed running, or once recorded running and not known to have
        ended, or status not known (none is evidence of an end). Never a plan."""
        if self.standing is Standing.NOT_CONFIRMED:
            return self.evidence.status in RUNNING_STATUSES
        return self.standing in (Standing.CONFIRMED, Standing.NOT_KNOWN)

    @property
    def excludes(self) -> bool:
        """The finder leaves it out, with its reason: ended, or not started."""
        return self.standing in (Standing.ENDED, Standing.PLANNED)

    @property
    def label(self) -> str:
        if self.standing is Standing.NOT_CONFIRMED:
            return f"Not confirmed since {self.evidence.as_of_text}" if self.since else "Not confirmed"
        return STANDING_LABELS[self.standing]

    @property
    def attribution(self) -> str:
        """Where and when the status was said: "Reported to the board, 30 May 2023"."""
        e = self.evidence
        return ", ".join(p for p in (e.source, e.as_of_text) if p)

    def _cited(self, text: str) -> str:
        return f"{text} ({self.attribution})" if self.attribution else text

    @property
    def sentence(self) -> str:
        """One line: the standing, what was recorded, its source and its date."""
        e = self.evidence
        recorded = RECORDED_LABELS.get(e.status, e.status)
        if self.standing is Standing.CONFIRMED:
            if e.as_of is None:
                return f"{recorded.capitalize()} ({e.source or 'no dated source'})"
            return f"{recorded.capitalize()} as of {e.as_of_text}" + (f" ({e.source})" if e.source else "")
        if self.standing is Standing.ENDED:
            return self._cited(f"Ended {on_or_in(e.ends_on)}" if e.ends_on else "Ended")
        if self.standing is Standing.PLANNED:
            plan = f"planned to start {on_or_in(e.starts_on)}" if e.starts_on else "planned"
            return f"Not yet running ({'; '.join(p for p in (plan, self.attribution) if p)})"
        if self.standing is Standing.NOT_CONFIRMED:
            return f"{self.label}: last recorded as {self._cited(recorded)}. {self.why}".strip()
        return self._cited("Status not known")


def read_status(evidence: StatusEvidence, today: date | None) -> StatusReading:
    """The standing of ``evidence`` on ``today``; without a day, the recorded status as is."""
    e = evidence
    if e.status == "ended":
        return StatusReading(Standing.ENDED, e)
    if e.status not in RUNNING_STATUSES and e.status != "planned":
        return StatusReading(Standing.NOT_KNOWN, e)
    if today is None:
        return StatusReading(Standing.PLANNED if e.status == "planned" else Standing.CONFIRMED, e)

    def not_confirmed(why: str) -> StatusReading:
        return StatusReading(Standing.NOT_CONFIRMED, e, since=e.as_of, why=why)

    newer_than = lambda when: e.as_of is not None and e.as_of > period_end(when)
    for when, what in ((e.funded_until, "funded until"), (e.ends_on, "due to end")):
        if when is not None and period_end(when) < today and not newer_than(when):
            return not_confirmed(f"It was {what} {when.describe()}; no newer source says it continues.")
    started = e.starts_on is None or period_start(e.starts_on) <= today
    if e.status == "planned" and started and e.starts_on is not None:
        return not_confirmed(f"It was planned to start {on_or_in(e.starts_on)}; no newer source says it started.")
    if e.as_of is None:
        return not_confirmed("No dated source says it is running now.")
    if e.as_of + FRESH_FOR < today:
        return not_confirmed(
            "No source since then says it is still running."
            if e.status != "planned"
            else "No source since then says it started."
        )
    if e.status == "planned" or not started:
        return StatusReading(Standing.PLANNED, e)
    return StatusReading(Standing.CONFIRMED, e)
