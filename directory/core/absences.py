"""Known absences: what the sources establish is not available, shown beside a search. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .citations import Source
from .types import Profile

OUT_OF_COURT = "oocd"  # vocabulary.PERSON_COHORTS


@dataclass(frozen=True)
class Absence:
    slug: str
    statement: str
    categories: frozenset[str]
    disposal: str | None = None
    offence: str | None = None
    next_step: str | None = None
    as_of: date | None = None
    sources: tuple[Source, ...] = ()

    def applies_to(self, profile: Profile) -> bool:
        """The search asks about this need (or this offence), and any disposal and offence it
        names agree with the absence's. A person on the out-of-court path with no disposal
        chosen yet is told of absences about any disposal."""
        asked = bool(profile.needs & self.categories) or (self.offence is not None and profile.offence == self.offence)
        disposal_agrees = (
            self.disposal is None
            or profile.disposal == self.disposal
            or (profile.disposal is None and profile.cohort == OUT_OF_COURT)
        )
        offence_agrees = self.offence is None or profile.offence in (None, self.offence)
        return asked and disposal_agrees and offence_agrees


def applying(absences: tuple[Absence, ...], profile: Profile) -> tuple[Absence, ...]:
    return tuple(a for a in absences if a.applies_to(profile))
