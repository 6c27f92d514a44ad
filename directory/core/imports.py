"""Importing other people's records: crosswalks, place names, row checks and diffs. Pure.

Every import, whatever its format, goes read -> stage -> map -> preview -> apply
(:mod:`directory.operations.imports`). This module holds the parts that need no database:

- the documented crosswalks from a source's vocabulary to ours (:data:`HMPPS_NEED_AREAS`,
  :data:`HMPPS_CONTRACT_TYPES`);
- free text naming places ("All Lot 2 boroughs ( Barking, City of London, Dagenham, ...)",
  "Chelsea") resolved to ONS borough codes where that is unambiguous, and everything else
  returned as unresolved, for a person to decide; nothing is guessed (a misspelt name is
  unresolved, not corrected);
- the content hash that makes re-import idempotent, and the preview's diff.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


# Names that mean exactly one London borough: the halves of the double-barrelled ones
# and the short forms the sources use. Misspellings are deliberately absent: they go to
# a person.
BOROUGH_SHORT_NAMES = MappingProxyType(
    {
        "barking": "E09000002",
        "dagenham": "E09000002",
        "hammersmith": "E09000013",
        "fulham": "E09000013",
        "kensington": "E09000020",
        "chelsea": "E09000020",
        "kingston": "E09000021",
        "richmond": "E09000027",
        "city": "E09000001",
        "the city": "E09000001",
    }
)

# The places London's probation offices stand, each within one borough. A delivery
# location that names these is a list of probation offices, not of boroughs.
OFFICE_TOWNS = MappingProxyType(
    {
        "bexleyheath": "E09000004",
        "orpington": "E09000006",
        "borough": "E09000028",
        "stockwell": "E09000022",
        "brixton": "E09000022",
        "clerkenwell": "E09000019",
        "shepherds bush": "E09000013",
        "uxbridge": "E09000017",
        "uxbridge middlesex": "E09000017",
        "wimbledon": "E09000024",
        "willesden": "E09000005",
        "west hendon": "E09000003",
        "hendon": "E09000003",
        "stoke newington": "E09000012",
        "bethnal green": "E09000030",
        "tottenham": "E09000014",
        "stratford": "E09000025",
        "canning town": "E09000025",
        "ilford": "E09000026",
        "leytonstone": "E09000031",
        "walthamstow": "E09000031",
        "hornchurch": "E09000016",
        "acton": "E09000009",
    }
)

PLACE_ALIASES = MappingProxyType({**BOROUGH_SHORT_NAMES, **OFFICE_TOWNS})

# Words in a delivery location that say how or where, not which borough: not places.
DELIVERY_WORDS = frozenset(
    {
        "community",
        "custody",
        "custody and community",
        "remote",
        "remote delivery",
        "remote and community support",
        "community one-to-one meetings",
        "and remote delivery",
        "via hubs",
        "in the community and remote",
        "and remote",
        "in the community",
        "one-to-one meetings",
        "support",
        "communities",
        "community support",
    }
)
PRISON = re.compile(
    r"^(?:hmp\s+|prisons?\s*-?\s*)?(belmarsh|thamside|thameside|pentonville|isis|brixton prison|wandsworth prison|wormwood scrubs|feltham|downview|send|peterborough|east sutton park|bronzefield)$"
)
PRISON_NAME = re.compile(r"\bhmp\s+[a-z ]+")

# HMPPS "need_area" (in a contract's activities) -> our categories of need. A need
# area with no category of ours maps to nothing and is reported, never forced.
HMPPS_NEED_AREAS = MappingProxyType(
    {
        "accommodation": ("accommodation",),
        "ete": ("employment_education_training",),
        "dependency & recovery": ("substance_misuse",),
        "emotional wellbeing": ("wellbeing", "mental_health"),
        "family & significant others": ("family_relationships",),
        "lifestyle & associates": ("wellbeing",),
        "social inclusion": ("wellbeing",),
        "finance benefits & debt": (),
    }
)

# HMPPS contract type code -> our categories of need.
HMPPS_CONTRACT_TYPES = MappingProxyType(
    {
        "ACC": ("accommodation",),
        "ETE": ("employment_education_training",),
        "PWB": ("wellbeing",),
        "WOS": ("women",),
        "DNR-L": ("substance_misuse",),
        "FBD-L": (),
    }
)


def fold(text: str) -> str:
    """Lower case, plain letters, single spaces, no apostrophes: for comparing names."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("\u2019", "").replace("'", "").replace("\u202f", " ")
    text = text.replace("&", " and ")
    return re.sub(r"\s+", " ", re.sub(r"[^a-z0-9 ,;.<()\-]", " ", text.lower())).strip()


def _borough_lookup(
    boroughs: Mapping[str, str], extra: Mapping[str, Iterable[str]] | None
) -> dict[str, tuple[str, ...]]:
    lookup: dict[str, tuple[str, ...]] = {fold(name): (code,) for code, name in boroughs.items()}
    lookup.update({alias: (code,) for alias, code in PLACE_ALIASES.items()})
    for alias, codes in (extra or {}).items():
        lookup[fold(alias)] = tuple(codes)
    return lookup


@dataclass(frozen=True)
class PlaceResolution:
    """What a piece of free text says about where: boroughs, prisons, and what is unclear."""

    boroughs: tuple[str, ...] = ()
    places: tuple[str, ...] = ()  # the words that named each resolved place, in order
    prisons: tuple[str, ...] = ()
    unresolved: tuple[str, ...] = ()


_SPLIT = re.compile(
    r"\s*(?:,|;|\.\s|\.$|for women returning to these boroughs|\band\b(?! fulham| chelsea| dagenham)|\(|\)|<|:)\s*"
)
_LEADING = re.compile(
    r"^(?:all lot \d+ boroughs|hubs across south london|in community|in custody|"
    r"one-to-one support in hubs|communities and remote|delivered at these prisons|"
    r"for women returning to these boroughs|delivered to women within the following prisons|"
    r"within the following prisons|at the following prisons|and at the following prisons|"
    r"and within the following prisons|custody|community|and|the following)\s*"
)


def resolve_places(
    text: str,
    boroughs: Mapping[str, str],
    extra_aliases: Mapping[str, Iterable[str]] | None = None,
) -> PlaceResolution:
    """The London boroughs (ONS codes) a piece of free text names, and what it does not.

    ``boroughs`` are London's boroughs, ONS code -> name.
    ``extra_aliases`` are resolutions a person has made before (a name -> borough codes,
    possibly none, meaning "not a place we cover"), so the same text is not asked twice.
    """
    lookup = _borough_lookup(boroughs, extra_aliases)
    names = list(boroughs.values())
    found: list[str] = []
    places: list[str] = []
    prisons: list[str] = []
    unresolved: list[str] = []
    whole = fold(text)
    for name in names:  # "Barking and Dagenham" before splitting on "and"
        folded = fold(name)
        if " and " in folded and folded in whole:
            whole = whole.replace(folded, f", {folded.replace(' and ', ' + ')} ,")
    for raw in _SPLIT.split(whole):
        token = raw.strip(" -.").replace(" + ", " and ")
        while True:
            stripped = _LEADING.sub("", token).strip(" -.")
            if stripped == token:
                break
            token = stripped
        if not token or token in DELIVERY_WORDS:
            continue
        if token.startswith("hmp ") or PRISON.match(token) or token in ("prisons", "prison"):
            prisons.append(token.removeprefix("hmp ").strip())
            continue
        if token in lookup:
            for code in lookup[token]:
                if code not in found:
                    found.append(code)
            places.append(token)
            continue
        embedded = PRISON_NAME.search(token)
        if embedded and token[: embedded.start()].strip() in lookup:
            head = token[: embedded.start()].strip()
            for code in lookup[head]:
                if code not in found:
                    found.append(code)
            places.append(head)
            prisons.append(embedded.group(0).removeprefix("hmp ").strip())
            continue
        if token not in unresolved:
            unresolved.append(token)
    return PlaceResolution(tuple(found), tuple(places), tuple(prisons), tuple(unresolved))


def office_matches(place: str, office_name: str, office_address: str) -> bool:
    """Does a place named in a delivery location name this probation office?"""
    place = fold(place)
    if not place:
        return False
    words = re.compile(rf"(?<![a-z]){re.escape(place)}(?![a-z])")
    return bool(words.search(fold(office_name)) or words.search(fold(office_address)))


def categories_for(contract_type: str, need_areas: Iterable[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Our categories for an HMPPS contract, and the need areas we have no category for."""
    found: list[str] = list(HMPPS_CONTRACT_TYPES.get(contract_type, ()))
    unmapped: list[str] = []
    for area in need_areas:
        key = fold(area).replace(" and ", " & ")
        if key not in HMPPS_NEED_AREAS:
            if area not in unmapped:
                unmapped.append(area)
            continue
        mapped = HMPPS_NEED_AREAS[key]
        if not mapped and area not in unmapped:
            unmapped.append(area)
        found.extend(c for c in mapped if c not in found)
    return tuple(dict.fromkeys(found)), tuple(unmapped)


POSTCODE_AT_END = re.compile(r"([A-Z]{1,2}[0-9][0-9A-Z]?\s*[0-9][A-Z]{2})\s*$", re.IGNORECASE)


def postcode_in(address: str) -> str | None:
    match = POSTCODE_AT_END.search((address or "").strip())
    return match.group(1).upper() if match else None


def content_hash(payload) -> str:
    """The same hash for the same content, whatever order its keys came in."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def clean_text(text: str | None) -> str | None:
    """Source text with tabs and runs of spaces tidied; None for nothing."""
    if text is None:
        return None
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in str(text).splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    cleaned = "\n".join(out).strip()
    return cleaned or None


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: object
    new: object


def diff_values(old: Mapping, new: Mapping) -> tuple[FieldChange, ...]:
    """The fields whose values differ, in the new record's order."""
    return tuple(
        FieldChange(name, old.get(name), value)
        for name, value in new.items()
        if _comparable(old.get(name)) != _comparable(value)
    )


def _comparable(value):
    if isinstance(value, list):
        return json.dumps(value, sort_keys=True, default=str)
    return value


@dataclass
class RowProblems:
    """Each bad row of an import: its number (as the person sees it) and what is wrong."""

    rows: dict[int, list[str]] = field(default_factory=dict)

    def add(self, row: int, message: str) -> None:
        self.rows.setdefault(row, []).append(message)

    def __bool__(self) -> bool:
        return bool(self.rows)


def duplicate_ids(ids: Iterable[tuple[int, str]]) -> dict[int, str]:
    """Rows whose id was already used by an earlier row: {row: message}."""
    seen: dict[str, int] = {}
    out: dict[int, str] = {}
    for row, key in ids:
        if not key:
            continue
        if key in seen:
            out[row] = f"Id '{key}' is used again (first on row {seen[key]}); each row needs its own id."
        else:
            seen[key] = row
    return out
