"""The order service's tables. Only this service reads or writes them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    MetaData,
    Sequence,
    String,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
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


class CatalogueOptionRow(Base):
    __tablename__ = "catalogue_options"
    model_code: Mapped[str] = mapped_column(ForeignKey("catalogue_models.code"), primary_key=True)
    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    list_price_minor: Mapped[int] = mapped_column(BigInteger)


class CatalogueOptionTrimRow(Base):
    """An option is offered on the trims listed here, and on no other."""

    __tablename__ = "catalogue_option_trims"
    __table_args__ = (
        ForeignKeyConstraint(["model_code", "option_code"], ["catalogue_options.model_code", "catalogue_options.code"]),
        ForeignKeyConstraint(["model_code", "trim_code"], ["catalogue_trims.model_code", "catalogue_trims.code"]),
    )
    model_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    option_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    trim_code: Mapped[str] = mapped_column(String(20), primary_key=True)


class DealerQuotaRow(Base):
    """How many vehicles HQ allocates to a dealer in a month (YYYY-MM)."""

    __tablename__ = "dealer_quotas"
    dealer_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    vehicles: Mapped[int] = mapped_column(Integer)


class VehicleOrderRow(Base):
    __tablename__ = "vehicle_orders"
    __table_args__ = (
        Index("ix_vehicle_orders_dealer_placed", "dealer_code", "placed_at"),
        Index("ix_vehicle_orders_vin", "vin", unique=True, postgresql_where="vin IS NOT NULL"),
        Index("ix_vehicle_orders_status_stage", "status", "stage"),
    )

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
    option_codes: Mapped[list[str]] = mapped_column(ARRAY(String(20)), server_default="{}")
    # Why the order is rejected or cancelled, set with that status.
    status_reason: Mapped[str | None] = mapped_column(Text)
    approved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # The month of the dealer's quota the vehicle is allocated against (YYYY-MM).
    allocation_month: Mapped[str | None] = mapped_column(String(7))
    plant_code: Mapped[str | None] = mapped_column(String(10))
    scheduled_week: Mapped[str | None] = mapped_column(String(8))
    scheduled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # Tracking: the furthest build stage reached, and when the car last moved.
    stage: Mapped[str | None] = mapped_column(String(30))
    stage_reached_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    hold_reason: Mapped[str | None] = mapped_column(String(20))
    hold_since: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    planned_arrival: Mapped[dt.date | None] = mapped_column(Date)
    expected_arrival: Mapped[dt.date | None] = mapped_column(Date)
    delivered_to_customer: Mapped[str | None] = mapped_column(String(64))


class OrderRequestRow(Base):
    """A dealer's idempotency key and what its first request produced."""

    __tablename__ = "order_requests"
    dealer_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(100), primary_key=True)
    # Hash of the request body: the same key with another body is refused, not replayed.
    request_fingerprint: Mapped[str] = mapped_column(String(64))
    order_numbers: Mapped[list[str]] = mapped_column(ARRAY(String(20)))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class TimelineEntryRow(Base):
    """One plant (or dealer) event in a vehicle's life, ordered by when it happened."""

    __tablename__ = "vehicle_timeline"
    __table_args__ = (Index("ix_vehicle_timeline_order_time", "order_number", "occurred_at"),)
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    order_number: Mapped[str] = mapped_column(ForeignKey("vehicle_orders.order_number"))
    vin: Mapped[str | None] = mapped_column(String(17))
    # stage, hold, hold_released
    kind: Mapped[str] = mapped_column(String(20))
    stage: Mapped[str | None] = mapped_column(String(30))
    hold_reason: Mapped[str | None] = mapped_column(String(20))
    plant_code: Mapped[str | None] = mapped_column(String(10))
    line: Mapped[str | None] = mapped_column(String(20))
    station: Mapped[str | None] = mapped_column(String(40))
    occurred_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    source_event_id: Mapped[str | None] = mapped_column(String(64), unique=True)


class ParkedPlantEventRow(Base):
    """A plant event for a VIN not (yet) known here; applied when the VIN is assigned."""

    __tablename__ = "parked_plant_events"
    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    vin: Mapped[str] = mapped_column(String(17), index=True)
    body: Mapped[dict[str, object]] = mapped_column(JSONB)
    reason: Mapped[str] = mapped_column(Text)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class AlertRow(Base):
    """Something HQ must look at: a large order, a car late against plan, a stalled car."""

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_raised", "raised_at"),)
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    order_number: Mapped[str | None] = mapped_column(String(20))
    dealer_code: Mapped[str | None] = mapped_column(String(20))
    detail: Mapped[str] = mapped_column(Text)
    raised_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
