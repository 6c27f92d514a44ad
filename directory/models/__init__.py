"""Every model, imported here so Alembic sees the whole schema."""

from .area import BCU, PDU, Borough
from .catalogue import Category, Citation, Cohort, KnownAbsence, Organisation, Service, Site
from .data_version import DataVersion
from .dataset import Dataset
from .imports import ImportRun, StagedRecord, UnresolvedValue
from .moderation import AuditEvent, Revision, ServiceVersion
from .offer import MinimumOfferItem
from .referral import OutgoingEmail, Referral, ReferralEvent
from .user import User

__all__ = [
    "AuditEvent",
    "BCU",
    "PDU",
    "Borough",
    "Category",
    "Citation",
    "Cohort",
    "DataVersion",
    "KnownAbsence",
    "Dataset",
    "ImportRun",
    "MinimumOfferItem",
    "Organisation",
    "OutgoingEmail",
    "Referral",
    "ReferralEvent",
    "Revision",
    "Service",
    "ServiceVersion",
    "Site",
    "StagedRecord",
    "UnresolvedValue",
    "User",
]
