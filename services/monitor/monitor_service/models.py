"""The monitor's read models. Only this service reads or writes them; they are filled from
the other services' events and can be rebuilt from them.

The records (one row per ordered car, car in stock, support request, customer) answer the
drill-down lists; `monitor_counts` holds every dashboard figure as small counters kept in
the same transaction as the record they count, so the dashboard adds up a few hundred rows
instead of grouping a million.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, Date, DateTime, Index, MetaData, SmallInteger, String, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from plumbing.db import messaging_tables

metadata = MetaData()
tables = messaging_tables(metadata)


class Base(DeclarativeBase):
    metadata = metadata


class OrderRow(Base):
    __tablename__ = "monitor_orders"
    __table_args__ = (
        # Each drill-down filter reads its own index newest first.
        Index("ix_monitor_orders_placed", "placed_at", "order_number"),
        Index("ix_monitor_orders_status", "status", "placed_at"),
        Index("ix_monitor_orders_region", "region", "placed_at"),
        Index("ix_monitor_orders_model", "model_code", "placed_at"),
        Index("ix_monitor_orders_dealer", "dealer_code", "placed_at"),
        # Late cars are few among a million orders: the list reads only them.
        Index(
            "ix_monitor_orders_late",
            "planned_arrival",
            postgresql_where=text(
                "late AND status IN ('submitted', 'approved', 'scheduled', 'in_production', 'released', 'shipped')"
            ),
        ),
    )

    order_number: Mapped[str] = mapped_column(String(40), primary_key=True)
    dealer_code: Mapped[str] = mapped_column(String(20))
    region: Mapped[str | None] = mapped_column(String(20))
    model_code: Mapped[str | None] = mapped_column(String(20))
    trim_code: Mapped[str | None] = mapped_column(String(20))
    colour_code: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str | None] = mapped_column(String(20))
    status_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # The furthest step of the sales funnel reached (0 placed ... 5 delivered), -1 none yet.
    furthest: Mapped[int] = mapped_column(SmallInteger, server_default=text("-1"))
    placed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    approved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    scheduled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    shipped_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    arrived_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    vin: Mapped[str | None] = mapped_column(String(17))
    stage: Mapped[str | None] = mapped_column(String(30))
    planned_arrival: Mapped[dt.date | None] = mapped_column(Date)
    expected_arrival: Mapped[dt.date | None] = mapped_column(Date)
    late: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    late_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class StockRow(Base):
    __tablename__ = "monitor_stock"
    __table_args__ = (
        Index(
            "ix_monitor_stock_region_since",
            "region",
            "in_stock_since",
            postgresql_where=text("left_at IS NULL"),
        ),
        Index("ix_monitor_stock_since", "in_stock_since", postgresql_where=text("left_at IS NULL")),
        Index("ix_monitor_stock_location", "location_code", postgresql_where=text("left_at IS NULL")),
    )

    vin: Mapped[str] = mapped_column(String(17), primary_key=True)
    location_code: Mapped[str | None] = mapped_column(String(20))
    region: Mapped[str | None] = mapped_column(String(20))
    model_code: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str | None] = mapped_column(String(20))
    in_stock_since: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    left_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class SupportRow(Base):
    __tablename__ = "monitor_support"
    __table_args__ = (
        Index("ix_monitor_support_opened", "opened_at"),
        # Open requests are a small share of five years of them; breaches are read among those.
        Index(
            "ix_monitor_support_open_due",
            "resolution_due",
            postgresql_where=text("status IN ('open', 'in_progress', 'waiting_on_station')"),
        ),
        Index("ix_monitor_support_region", "region", "opened_at"),
    )

    request_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    station_code: Mapped[str] = mapped_column(String(20))
    region: Mapped[str | None] = mapped_column(String(20))
    priority: Mapped[str | None] = mapped_column(String(10))
    status: Mapped[str | None] = mapped_column(String(20))
    engineer: Mapped[str | None] = mapped_column(String(100))
    model_code: Mapped[str | None] = mapped_column(String(20))
    opened_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    first_response_due: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    resolution_due: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    resolution_late: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    escalation_level: Mapped[int] = mapped_column(SmallInteger, server_default=text("0"))
    last_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class CustomerRow(Base):
    __tablename__ = "monitor_customers"
    __table_args__ = (Index("ix_monitor_customers_segment", "segment", "region"),)

    customer_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    segment: Mapped[str | None] = mapped_column(String(20))
    region: Mapped[str | None] = mapped_column(String(20))
    kind: Mapped[str | None] = mapped_column(String(20))
    merged: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    segment_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    registered_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class DealerRow(Base):
    """Each dealer's region, as order events name it: stock events name only the dealer."""

    __tablename__ = "monitor_dealers"

    dealer_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    region: Mapped[str] = mapped_column(String(20))


class CountRow(Base):
    __tablename__ = "monitor_counts"

    figure: Mapped[str] = mapped_column(String(40), primary_key=True)
    k1: Mapped[str] = mapped_column(String(40), primary_key=True)
    k2: Mapped[str] = mapped_column(String(40), primary_key=True)
    k3: Mapped[str] = mapped_column(String(40), primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
