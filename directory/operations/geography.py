"""Postcodes to places, and boundaries as GeoJSON, from what the database and lookup hold."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..core.postcodes import InvalidPostcode, normalise
from ..core.types import PostcodeRecord
from ..geo.authorities import authority_name
from ..geo.postcode_directory import PostcodeDirectory
from ..models import BCU, Borough


class UnknownPostcode(LookupError):
    """A well-formed postcode that is not in the ONS Postcode Directory."""

    def __init__(self, postcode: str):
        super().__init__(postcode)
        self.postcode = postcode


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
    boroughs = session.scalars(
        select(Borough).options(selectinload(Borough.bcu)).order_by(Borough.code)
    )
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


__all__ = ["InvalidPostcode", "Place", "UnknownPostcode", "locate_postcode"]
