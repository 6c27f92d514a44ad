"""Every model, imported here so Alembic sees the whole schema."""

from .area import BCU, PDU, Borough
from .catalogue import Category, Citation, Cohort, Organisation, Service, Site
from .dataset import Dataset
from .offer import MinimumOfferItem

__all__ = [
    "BCU",
    "PDU",
    "Borough",
    "Category",
    "Citation",
    "Cohort",
    "Dataset",
    "MinimumOfferItem",
    "Organisation",
    "Service",
    "Site",
]
