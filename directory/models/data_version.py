"""One row that moves whenever the published data changes: what caches are keyed on."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from ._base import utcnow

ROW_ID = 1
# Set in a connection's ``info`` when it moves the version, so its process can forget the
# version it last read once the move commits (see directory.operations.versioning).
MOVED_ON_CONNECTION = "moved_data_version"


class DataVersion(Model):
    """``number`` goes up by one with every write to the published data that readers see
    (not with drafts and proposals awaiting review, nor with bookkeeping).

    Written by :mod:`directory.database`'s session hooks; read in one primary-key lookup by
    :func:`directory.operations.versioning.data_version`.
    """

    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, default=0)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
