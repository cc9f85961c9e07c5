"""The inventory service's tables. Only this service reads or writes them.

`stock_movements` is the ledger: rows are only ever added. `stock_vehicles` and
`part_balances` are balances derived from it, kept in the same transaction as the
movements that change them; `python -m inventory_service.reconcile` recomputes them from
the ledger and reports any difference.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    Identity,
    Index,
    Integer,
    MetaData,
    Sequence,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from plumbing.db import messaging_tables

metadata = MetaData()
tables = messaging_tables(metadata)

transfer_numbers = Sequence("transfer_number_seq", metadata=metadata)


class Base(DeclarativeBase):
    metadata = metadata


class LocationRow(Base):
    """Where stock can be: the maker's plant yards and regional warehouses, dealers, stations."""

    __tablename__ = "locations"
    __table_args__ = (Index("ix_locations_region_kind", "region", "kind"),)

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    region: Mapped[str | None] = mapped_column(String(20))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)


class StockVehicleRow(Base):
    __tablename__ = "stock_vehicles"
    __table_args__ = (
        Index("ix_stock_vehicles_match", "model_code", "trim_code", "colour_code", "status", "location_code"),
        Index("ix_stock_vehicles_location", "location_code", "status"),
        Index("ix_stock_vehicles_sold_at", "sold_at", postgresql_where=text("sold_at IS NOT NULL")),
        Index("ix_stock_vehicles_held_until", "held_until", postgresql_where=text("held_until IS NOT NULL")),
        CheckConstraint(
            "status IN ('available', 'reserved', 'in_transit', 'sold', 'written_off')", name="ck_stock_vehicles_status"
        ),
    )

    vin: Mapped[str] = mapped_column(String(17), primary_key=True)
    model_code: Mapped[str] = mapped_column(String(20))
    trim_code: Mapped[str] = mapped_column(String(20))
    colour_code: Mapped[str] = mapped_column(String(20))
    location_code: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    reserved_for_order: Mapped[str | None] = mapped_column(String(20))
    reserved_for_dealer: Mapped[str | None] = mapped_column(String(20), index=True)
    reserved_for_customer: Mapped[str | None] = mapped_column(String(36))
    # A dealer's hold for a customer lapses at this time unless the car is sold first.
    held_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    transfer_number: Mapped[str | None] = mapped_column(String(20))
    sold_to_customer: Mapped[str | None] = mapped_column(String(36))
    sold_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # When the car reached its location: its age in stock counts from here.
    arrived_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    aged_alerted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class MovementRow(Base):
    """One line of the stock ledger: what changed at one location for one car or part."""

    __tablename__ = "stock_movements"
    __table_args__ = (
        Index("ix_stock_movements_vin", "vin", postgresql_where=text("vin IS NOT NULL")),
        Index(
            "ix_stock_movements_part", "part_number", "location_code", postgresql_where=text("part_number IS NOT NULL")
        ),
        Index("ix_stock_movements_location", "location_code", "seq"),
        Index("ix_stock_movements_kind_time", "kind", "occurred_at"),
        CheckConstraint("(vin IS NULL) <> (part_number IS NULL)", name="ck_stock_movements_one_item"),
    )

    seq: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    location_code: Mapped[str] = mapped_column(String(20))
    vin: Mapped[str | None] = mapped_column(String(17))
    part_number: Mapped[str | None] = mapped_column(String(40))
    on_hand_change: Mapped[int] = mapped_column(Integer, default=0)
    reserved_change: Mapped[int] = mapped_column(Integer, default=0)
    in_transit_change: Mapped[int] = mapped_column(Integer, default=0)
    reference: Mapped[str | None] = mapped_column(String(100))
    reason: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(100))
    occurred_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class PartRow(Base):
    __tablename__ = "parts"

    part_number: Mapped[str] = mapped_column(String(40), primary_key=True)
    description: Mapped[str] = mapped_column(String(200))
    # Below this many available at a location, the location is alerted.
    reorder_point: Mapped[int] = mapped_column(Integer, server_default=text("0"))


class PartBalanceRow(Base):
    __tablename__ = "part_balances"
    __table_args__ = (
        Index("ix_part_balances_part", "part_number"),
        CheckConstraint("on_hand >= 0 AND reserved >= 0 AND reserved <= on_hand", name="ck_part_balances_not_negative"),
    )

    location_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    part_number: Mapped[str] = mapped_column(String(40), primary_key=True)
    on_hand: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    reserved: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class TransferRow(Base):
    __tablename__ = "transfers"
    __table_args__ = (
        Index("ix_transfers_from", "from_dealer", "status"),
        Index("ix_transfers_to", "to_dealer", "status"),
        # A car is promised to one transfer at a time, from the giver's approval to receipt.
        Index(
            "ux_transfers_car_promised",
            "vin",
            unique=True,
            postgresql_where=text("status IN ('awaiting_hq', 'approved', 'shipped')"),
        ),
    )

    transfer_number: Mapped[str] = mapped_column(String(20), primary_key=True)
    vin: Mapped[str] = mapped_column(String(17))
    from_dealer: Mapped[str] = mapped_column(String(20))
    to_dealer: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    needs_hq_approval: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text)
    decline_reason: Mapped[str | None] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(String(100))
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    sender_approved_by: Mapped[str | None] = mapped_column(String(100))
    sender_approved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    hq_approved_by: Mapped[str | None] = mapped_column(String(100))
    hq_approved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    shipped_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class StockSummaryRow(Base):
    """Headquarters' stock view: stock and the last 30 days' sales per location and model,
    recomputed from the balances every minute, so the view over a whole network's cars is
    read from a few thousand rows. Ages are kept as the sum and the oldest of the arrival
    times, so they stay right between recomputations."""

    __tablename__ = "stock_summary"

    location_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    model_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    on_hand: Mapped[int] = mapped_column(Integer)
    available: Mapped[int] = mapped_column(Integer)
    reserved: Mapped[int] = mapped_column(Integer)
    in_transit: Mapped[int] = mapped_column(Integer)
    sold_last_30_days: Mapped[int] = mapped_column(Integer)
    # Sum over the cars in stock of their arrival time in epoch seconds.
    arrival_epoch_sum: Mapped[float] = mapped_column(Float)
    oldest_arrival: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    aged: Mapped[int] = mapped_column(Integer)
    computed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ReservationRow(Base):
    """The inventory's answer to one ordered vehicle; one per order number."""

    __tablename__ = "reservations"

    order_number: Mapped[str] = mapped_column(String(20), primary_key=True)
    dealer_code: Mapped[str] = mapped_column(String(20), index=True)
    outcome: Mapped[str] = mapped_column(String(20))
    vin: Mapped[str | None] = mapped_column(String(17))
    decided_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
