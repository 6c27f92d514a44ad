"""The copy of the directory a phone keeps for the finder offline.

One copy a data version and day: the published read model as it stands, and the day it was
taken (the day the directory vouched for it). Its version names both, so a new day or a
change to the catalogue makes a new copy, which the browser takes whole in place of the old.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from . import read_model
from .read_model import PublishedCatalogue


@dataclass(frozen=True)
class OfflineCopy:
    version: str
    taken_on: date
    catalogue: PublishedCatalogue

    @property
    def borough_codes(self) -> tuple[str, ...]:
        return tuple(area.code for area in self.catalogue.areas)

    @property
    def service_slugs(self) -> tuple[str, ...]:
        return tuple(service.slug for service in self.catalogue.services)


def copy_version(catalogue_version: tuple, taken_on: date) -> str:
    digest = hashlib.sha256(repr(catalogue_version).encode()).hexdigest()[:12]
    return f"{taken_on:%Y%m%d}-{digest}"


def offline_copy(session: Session, today: date | None = None) -> OfflineCopy:
    today = today or date.today()
    catalogue = read_model.published(session)
    return OfflineCopy(copy_version(catalogue.version, today), today, catalogue)
