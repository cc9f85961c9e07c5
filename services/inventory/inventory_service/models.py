"""The inventory service's tables. Only this service reads or writes them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Index, MetaData, String, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from plumbing.db import messaging_tables

metadata = MetaData()
tables = messaging_tables(metadata)


class Base(DeclarativeBase):
    metadata = metadata


class StockVehicleRow(Base):
    __tablename__ = "stock_vehicles"
    __table_args__ = (
        Index("ix_stock_vehicles_match", "model_code", "trim_code", "colour_code", "status", "location_code"),
        Index("ix_stock_vehicles_location", "location_code"),
    )

    vin: Mapped[str] = mapped_column(String(17), primary_key=True)
    model_code: Mapped[str] = mapped_column(String(20))
    trim_code: Mapped[str] = mapped_column(String(20))
    colour_code: Mapped[str] = mapped_column(String(20))
    location_code: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    reserved_for_order: Mapped[str | None] = mapped_column(String(20))
    reserved_for_dealer: Mapped[str | None] = mapped_column(String(20), index=True)
    arrived_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ReservationRow(Base):
    """The inventory's answer to one ordered vehicle; one per order number."""

    __tablename__ = "reservations"

    order_number: Mapped[str] = mapped_column(String(20), primary_key=True)
    dealer_code: Mapped[str] = mapped_column(String(20), index=True)
    outcome: Mapped[str] = mapped_column(String(20))
    vin: Mapped[str | None] = mapped_column(String(17))
    decided_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
