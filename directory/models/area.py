"""London's areas: boroughs (local authorities), police BCUs and probation PDUs."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model


class BCU(Model):
    """A Metropolitan Police Basic Command Unit."""

    __tablename__ = "bcu"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    boundary_geojson: Mapped[str | None] = mapped_column(Text)

    boroughs: Mapped[list[Borough]] = relationship(back_populates="bcu", order_by="Borough.name")


class PDU(Model):
    """A London Probation Service Probation Delivery Unit."""

    __tablename__ = "pdu"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    boundary_geojson: Mapped[str | None] = mapped_column(Text)

    boroughs: Mapped[list[Borough]] = relationship(back_populates="pdu", order_by="Borough.name")


class Borough(Model):
    """One of London's 33 local authorities (32 boroughs and the City), by ONS code."""

    __tablename__ = "borough"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(9), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    police_force: Mapped[str] = mapped_column(String(80))
    bcu_id: Mapped[int | None] = mapped_column(ForeignKey("bcu.id"))
    pdu_id: Mapped[int | None] = mapped_column(ForeignKey("pdu.id"))
    boundary_geojson: Mapped[str | None] = mapped_column(Text)

    bcu: Mapped[BCU | None] = relationship(back_populates="boroughs")
    pdu: Mapped[PDU | None] = relationship(back_populates="boroughs")
