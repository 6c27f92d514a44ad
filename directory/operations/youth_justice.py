"""Borough youth justice services, from ``seed/youth_justice.yaml`` (read-only reference data)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from ..core.oocd import RULES


@dataclass(frozen=True)
class YouthJusticeSource:
    url: str
    title: str
    date: str | None  # as the source dates it; None when it is undated
    quote: str


@dataclass(frozen=True)
class YouthJusticeService:
    borough_code: str
    name: str
    phone: str | None
    hours: str | None
    source: YouthJusticeSource


@dataclass(frozen=True)
class YouthRoute:
    """Who to reach for a person under 18 in a borough: the directory's contact, or who can tell."""

    borough_code: str
    borough_name: str
    service: YouthJusticeService | None

    @property
    def text(self) -> str:
        """The youth route, as the disposal rules state it."""
        return RULES.youth_route.text + "."

    @property
    def source(self) -> str:
        return RULES.youth_route.citation

    @property
    def who_can_tell(self) -> str:
        return f"{self.borough_name} Council's youth justice service (youth offending team)"


def _text(value) -> str | None:
    return str(value).strip() if value not in (None, "") else None


@lru_cache(maxsize=4)
def youth_justice_services(seed_dir: str) -> dict[str, YouthJusticeService]:
    """Every borough's youth justice contact the seed file holds, by ONS code."""
    path = Path(seed_dir) / "youth_justice.yaml"
    if not path.exists():
        return {}
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    services = {}
    for item in data.get("services") or ():
        source = item["source"]
        services[item["borough"]] = YouthJusticeService(
            borough_code=item["borough"],
            name=item["name"],
            phone=_text(item.get("phone")),
            hours=_text(item.get("hours")),
            source=YouthJusticeSource(
                url=source["url"],
                title=source["title"],
                date=_text(source.get("date")),
                quote=source["quote"],
            ),
        )
    return services


def youth_route(seed_dir: str, borough_code: str, borough_name: str) -> YouthRoute:
    return YouthRoute(borough_code, borough_name, youth_justice_services(seed_dir).get(borough_code))
