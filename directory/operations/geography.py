"""Postcodes to places, and boundaries as GeoJSON, from what the database and lookup hold."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..core.postcodes import (
    NAME,
    POSTCODE,
    SECTOR,
    InvalidPostcode,
    PlaceText,
    borough_key,
    normalise,
)
from ..core.types import PostcodeRecord
from ..geo.authorities import authority_name
from ..geo.postcode_directory import AreaPart, PostcodeDirectory
from ..models import BCU, Borough


class UnknownPostcode(LookupError):
    """A well-formed postcode that is not in the ONS Postcode Directory."""

    def __init__(self, postcode: str, message: str | None = None):
        super().__init__(postcode)
        self.postcode = postcode
        self.message = message or (
            f"{postcode} is not in the ONS Postcode Directory. Check it, or choose a borough instead."
        )


@dataclass(frozen=True)
class Place:
    """Where a postcode is: its record, and its borough row when it is in London."""

    record: PostcodeRecord
    borough: Borough | None

    @property
    def in_london(self) -> bool:
        return self.borough is not None

    @property
    def authority_name(self) -> str | None:
        return self.borough.name if self.borough else authority_name(self.record.la_code)


def postcode_record(directory: PostcodeDirectory, raw: str) -> PostcodeRecord:
    """Raises InvalidPostcode for malformed input, UnknownPostcode when not in the directory."""
    postcode = normalise(raw)
    record = directory.lookup(postcode)
    if record is None:
        raise UnknownPostcode(postcode)
    return record


def locate_postcode(session: Session, directory: PostcodeDirectory, raw: str) -> Place:
    """Raises InvalidPostcode for malformed input, UnknownPostcode when not in the directory."""
    record = postcode_record(directory, raw)
    borough = None
    if record.in_london:
        borough = session.scalar(
            select(Borough).options(selectinload(Borough.bcu)).where(Borough.code == record.la_code)
        )
    return Place(record=record, borough=borough)


# A sector or district resolves to one borough when it holds at least this share of its
# postcodes in London; otherwise the person chooses among them.
MOSTLY = 0.9


@dataclass(frozen=True)
class BoroughShare:
    code: str
    name: str
    postcodes: int  # of the area's postcodes, in this borough
    lat: float | None  # the middle of them
    lon: float | None


@dataclass(frozen=True)
class ResolvedPlace:
    """Where a typed place lies: one borough (``code``), or a choice among ``choices``.

    ``explanation`` says what was done with what was typed, for the page to show; ``lat``
    and ``lon`` are the postcode's point, or the middle of the area's postcodes in the
    borough (``point_is_middle``).
    """

    typed: PlaceText
    code: str | None
    choices: tuple[BoroughShare, ...] = ()
    explanation: str | None = None
    postcode: str | None = None  # a full postcode found in the directory
    lat: float | None = None
    lon: float | None = None
    point_is_middle: bool = False
    outside_london: tuple[str, str | None] | None = None  # (ONS code, name)

    @property
    def label(self) -> str:
        return self.typed.text


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _shares(parts: list[AreaPart], names: Mapping[str, str]) -> tuple[BoroughShare, ...]:
    return tuple(
        BoroughShare(p.la_code, names[p.la_code], p.postcodes, p.lat, p.lon) for p in parts if p.la_code in names
    )


def _area_parts(directory: PostcodeDirectory, compact_prefix: str, outward_code: str) -> list[AreaPart]:
    return directory.area(compact_prefix, len(outward_code) + 3)


def _outside(parts: list[AreaPart]) -> tuple[str, str | None]:
    code = parts[0].la_code
    return code, authority_name(code)


def _settle(
    typed: PlaceText,
    what: str,
    shares: tuple[BoroughShare, ...],
    chosen: str | None,
    lead: str = "",
) -> ResolvedPlace:
    """One borough from ``shares``: the chosen one, the only one, or the one holding most."""
    total = sum(s.postcodes for s in shares)
    names = [s.name for s in shares]
    pick = next((s for s in shares if s.code == chosen), None)
    if pick is None and (len(shares) == 1 or shares[0].postcodes >= MOSTLY * total):
        pick = shares[0]
    if pick is None:
        return ResolvedPlace(
            typed,
            None,
            choices=shares,
            explanation=f"{lead}{what} spans {_join(names)}: choose the borough.",
        )
    if len(shares) == 1:
        text = f"{lead}{what} lies in {pick.name}."
    elif pick is shares[0] and chosen != pick.code:
        others = _join([s.name for s in shares[1:]])
        text = (
            f"{lead}{what} lies mostly in {pick.name} ({pick.postcodes:,} of its {total:,} "
            f"London postcodes; the rest in {others})."
        )
    else:
        text = f"{lead}{what} spans {_join(names)}; you chose {pick.name}."
    return ResolvedPlace(
        typed,
        pick.code,
        choices=shares if len(shares) > 1 else (),
        explanation=text + " Distances are from the middle of its postcodes there.",
        lat=pick.lat,
        lon=pick.lon,
        point_is_middle=True,
    )


def resolve_place(
    directory: PostcodeDirectory,
    typed: PlaceText,
    borough_names: Mapping[str, str],
    chosen: str | None = None,
) -> ResolvedPlace:
    """A postcode, sector, district or borough name to a London borough, or a short choice.

    ``borough_names`` are London's boroughs by ONS code; ``chosen`` is the borough picked
    from an earlier choice. Raises :class:`UnknownPostcode` when nothing typed is known.
    """
    if typed.kind == NAME:
        return _by_name(typed, borough_names, chosen)
    if typed.kind == POSTCODE:
        record = directory.lookup(typed.text)
        if record is not None:
            if record.la_code not in borough_names:
                return ResolvedPlace(
                    typed,
                    None,
                    postcode=record.postcode,
                    outside_london=(record.la_code, authority_name(record.la_code)),
                )
            return ResolvedPlace(typed, record.la_code, postcode=record.postcode, lat=record.lat, lon=record.lon)
        return _missing_postcode(directory, typed, borough_names, chosen)
    what = f"The postcode {'sector' if typed.kind == SECTOR else 'district'} {typed.text}"
    parts = _area_parts(directory, typed.prefix, typed.outward)
    if not parts:
        raise UnknownPostcode(
            typed.text,
            f"{what} is not in the ONS Postcode Directory. Check it, or choose a borough instead.",
        )
    shares = _shares(parts, borough_names)
    if not shares:
        return ResolvedPlace(typed, None, outside_london=_outside(parts))
    return _settle(typed, what, shares, chosen)


def _missing_postcode(
    directory: PostcodeDirectory,
    typed: PlaceText,
    borough_names: Mapping[str, str],
    chosen: str | None,
) -> ResolvedPlace:
    """A postcode not in the directory: its sector, or the postcodes beside it in the sector."""
    sector = typed.sector
    parts = _area_parts(directory, sector.replace(" ", ""), typed.outward)
    if not parts:
        raise UnknownPostcode(
            typed.text,
            f"Neither {typed.text} nor its sector {sector} is in the ONS Postcode Directory. "
            f"Check it, enter its district ({typed.outward}), or choose a borough instead.",
        )
    shares = _shares(parts, borough_names)
    if not shares:
        return ResolvedPlace(typed, None, outside_london=_outside(parts))
    lead = f"{typed.text} is not in the ONS Postcode Directory; "
    if len(shares) > 1 and chosen not in {s.code for s in shares}:
        # Postcodes that share all but the last letter lie beside each other.
        unit = typed.text[:-1]
        beside = _shares(_area_parts(directory, unit.replace(" ", ""), typed.outward), borough_names)
        if len(beside) == 1:
            b = beside[0]
            return ResolvedPlace(
                typed,
                b.code,
                choices=shares,
                explanation=(
                    f"{lead}its sector {sector} spans {_join([s.name for s in shares])}, and the "
                    f"postcodes beside it ({unit}…) lie in {b.name}. Distances are from the "
                    "middle of those postcodes."
                ),
                lat=b.lat,
                lon=b.lon,
                point_is_middle=True,
            )
    return _settle(typed, f"its sector {sector}", shares, chosen, lead)


def _by_name(typed: PlaceText, borough_names: Mapping[str, str], chosen: str | None) -> ResolvedPlace:
    key = borough_key(typed.text)
    if key in ("london", "greater london"):
        raise InvalidPostcode(
            "London has 33 local authorities: enter a postcode, a district (SE11) or a "
            "borough's name, or choose a borough from the list."
        )
    keys = {code: borough_key(name) for code, name in borough_names.items()}
    exact = [code for code, k in keys.items() if k == key]
    found = exact or [code for code, k in keys.items() if key and (k.startswith(key) or f" {key}" in f" {k}")]
    found.sort(key=lambda code: borough_names[code])
    if chosen in found:
        found = [chosen]
    if not found:
        raise InvalidPostcode(
            f"“{typed.text}” is not a London borough, a postcode or a postcode district. "
            "Enter a postcode (SE1 7TP), a district (SE11) or a borough's name, or choose "
            "a borough from the list."
        )
    shares = tuple(BoroughShare(code, borough_names[code], 0, None, None) for code in found)
    if len(found) > 1:
        return ResolvedPlace(
            typed,
            None,
            choices=shares,
            explanation=f"“{typed.text}” matches {_join([s.name for s in shares])}: choose the borough.",
        )
    name = borough_names[found[0]]
    note = None if borough_key(name) == key else f"“{typed.text}” read as {name}."
    return ResolvedPlace(typed, found[0], explanation=note)


def feature_collection(rows, properties) -> dict:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": row.code,
                "properties": properties(row),
                "geometry": json.loads(row.boundary_geojson),
            }
            for row in rows
            if row.boundary_geojson
        ],
    }


def borough_boundaries(session: Session) -> dict:
    boroughs = session.scalars(select(Borough).options(selectinload(Borough.bcu)).order_by(Borough.code))
    return feature_collection(
        boroughs,
        lambda b: {
            "code": b.code,
            "name": b.name,
            "bcu": b.bcu.code if b.bcu else None,
            "police_force": b.police_force,
        },
    )


def bcu_boundaries(session: Session) -> dict:
    bcus = session.scalars(select(BCU).options(selectinload(BCU.boroughs)).order_by(BCU.code))
    return feature_collection(
        bcus,
        lambda b: {"code": b.code, "name": b.name, "boroughs": [x.code for x in b.boroughs]},
    )


__all__ = [
    "InvalidPostcode",
    "Place",
    "ResolvedPlace",
    "UnknownPostcode",
    "locate_postcode",
    "resolve_place",
]
