"""The customer service's tables. Only this service reads or writes them."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import DateTime, ForeignKey, Index, MetaData, String, func, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from plumbing.db import messaging_tables

metadata = MetaData()
tables = messaging_tables(metadata)


class Base(DeclarativeBase):
    metadata = metadata


class CustomerRow(Base):
    """One customer of the master.

    The unique indexes on phone and e-mail are what keeps the master free of duplicates
    when two dealers register the same person at the same moment: the check before the
    insert cannot, the database can.
    """

    __tablename__ = "customers"
    __table_args__ = (
        Index("uq_customers_phone", "phone", unique=True, postgresql_where=text("phone IS NOT NULL")),
        Index("uq_customers_email", "email", unique=True, postgresql_where=text("email IS NOT NULL")),
        Index("ix_customers_registered_by_at", "registered_by", "registered_at"),
        Index("ix_customers_registered_at", "registered_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    full_name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(16))
    email: Mapped[str | None] = mapped_column(String(254))
    city: Mapped[str | None] = mapped_column(String(100))
    # The dealer or station code; null when headquarters registered the customer itself.
    registered_by: Mapped[str | None] = mapped_column(String(20))
    registered_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class CustomerVehicleRow(Base):
    """A car and the customer who owns it, linked when the dealer handed it over.

    One owner per VIN: the unique key keeps a car from being linked to two customers.
    """

    __tablename__ = "customer_vehicles"

    vin: Mapped[str] = mapped_column(String(17), primary_key=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id"), index=True)
    # The dealer that handed the car over, and the order it was built or found for.
    dealer_code: Mapped[str] = mapped_column(String(20))
    order_number: Mapped[str] = mapped_column(String(20))
    delivered_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    linked_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
