"""The station service's tables. Only this service reads or writes them."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import DateTime, Index, MetaData, String, Text
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from plumbing.db import messaging_tables

metadata = MetaData()
tables = messaging_tables(metadata)


class Base(DeclarativeBase):
    metadata = metadata


class SupportRequestRow(Base):
    __tablename__ = "support_requests"
    __table_args__ = (
        Index("ix_support_requests_station_opened", "station_code", "opened_at"),
        # Headquarters lists every station's requests newest first.
        Index("ix_support_requests_opened", "opened_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    station_code: Mapped[str] = mapped_column(String(20))
    vin: Mapped[str] = mapped_column(String(17))
    subject: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    dtc_codes: Mapped[list[str]] = mapped_column(ARRAY(String(5)))
    priority: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20))
    opened_by: Mapped[str] = mapped_column(String(100))
    # Set by the service, not the database, because the deadlines are counted from it.
    opened_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    first_response_due: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    resolution_due: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
