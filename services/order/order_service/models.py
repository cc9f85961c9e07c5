"""The order service's tables. Only this service reads or writes them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, MetaData, Sequence, String, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from plumbing.db import messaging_tables

metadata = MetaData()
tables = messaging_tables(metadata)
order_number_seq = Sequence("order_number_seq", metadata=metadata)


class Base(DeclarativeBase):
    metadata = metadata


class CatalogueModelRow(Base):
    __tablename__ = "catalogue_models"
    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))


class CatalogueTrimRow(Base):
    __tablename__ = "catalogue_trims"
    model_code: Mapped[str] = mapped_column(ForeignKey("catalogue_models.code"), primary_key=True)
    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    list_price_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))


class CatalogueColourRow(Base):
    __tablename__ = "catalogue_colours"
    model_code: Mapped[str] = mapped_column(ForeignKey("catalogue_models.code"), primary_key=True)
    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))


class VehicleOrderRow(Base):
    __tablename__ = "vehicle_orders"
    __table_args__ = (Index("ix_vehicle_orders_dealer_placed", "dealer_code", "placed_at"),)

    order_number: Mapped[str] = mapped_column(String(20), primary_key=True)
    dealer_code: Mapped[str] = mapped_column(String(20))
    region: Mapped[str | None] = mapped_column(String(20))
    model_code: Mapped[str] = mapped_column(String(20))
    trim_code: Mapped[str] = mapped_column(String(20))
    colour_code: Mapped[str] = mapped_column(String(20))
    wanted_week: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(20))
    supply: Mapped[str] = mapped_column(String(30))
    vin: Mapped[str | None] = mapped_column(String(17))
    list_price_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    placed_by: Mapped[str] = mapped_column(String(100))
    placed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
