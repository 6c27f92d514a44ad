"""Placing a delivery site from its postcode: its point and its borough."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.postcodes import InvalidPostcode, normalise
from ..geo.postcode_directory import PostcodeDirectory
from ..models import Borough, Site


class SiteLocationError(ValueError):
    """A site postcode that is malformed, unknown or outside London."""


class Geocoder:
    def __init__(self, directory: PostcodeDirectory, session: Session):
        self.directory = directory
        self.session = session

    def locate(self, site: Site) -> None:
        try:
            postcode = normalise(site.postcode or "")
        except InvalidPostcode as error:
            raise SiteLocationError(str(error)) from error
        record = self.directory.lookup(postcode)
        if record is None:
            raise SiteLocationError(f"{postcode} is not in the ONS Postcode Directory.")
        if not record.in_london:
            raise SiteLocationError(
                f"{postcode} is outside London (local authority {record.la_code}). Delivery sites must be in London."
            )
        site.postcode = record.postcode
        site.lat, site.lon = record.lat, record.lon
        site.easting, site.northing = record.easting, record.northing
        site.borough = self.session.scalar(select(Borough).where(Borough.code == record.la_code))
