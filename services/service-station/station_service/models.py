"""The station service's tables. Only this service reads or writes them."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import (
    BigInteger,
    Boolean,
    Computed,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Interval,
    MetaData,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from plumbing.db import messaging_tables

metadata = MetaData()
tables = messaging_tables(metadata)


class Base(DeclarativeBase):
    metadata = metadata


# Words weigh most in the subject and title, then in symptoms, then in the rest; fault
# codes are matched as they are written ('simple'), not stemmed. dtc_words() is the
# migration's immutable array_to_string(codes, ' ').
_REQUEST_SEARCH = (
    "setweight(to_tsvector('english', coalesce(subject, '')), 'A') || "
    "setweight(to_tsvector('simple', coalesce(dtc_words(dtc_codes), '')), 'A') || "
    "setweight(to_tsvector('english', coalesce(description, '')), 'B') || "
    "setweight(to_tsvector('english', coalesce(resolution, '')), 'C')"
)
_ARTICLE_SEARCH = (
    "setweight(to_tsvector('english', coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('simple', coalesce(dtc_words(dtc_codes), '')), 'A') || "
    "setweight(to_tsvector('english', coalesce(symptoms, '')), 'B') || "
    "setweight(to_tsvector('english', coalesce(solution, '')), 'C')"
)


class SupportRequestRow(Base):
    __tablename__ = "support_requests"
    __table_args__ = (
        Index("ix_support_requests_station_opened", "station_code", "opened_at"),
        # Headquarters lists every station's requests newest first.
        Index("ix_support_requests_opened", "opened_at"),
        # The escalation timer reads only the requests whose next rung is due.
        Index(
            "ix_support_requests_next_escalation",
            "next_escalation_at",
            postgresql_where=text("next_escalation_at IS NOT NULL"),
        ),
        Index("ix_support_requests_queue", "status", "priority", "opened_at"),
        Index("ix_support_requests_vin", "vin", "opened_at"),
        Index("ix_support_requests_search", "search", postgresql_using="gin"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    station_code: Mapped[str] = mapped_column(String(20))
    region: Mapped[str | None] = mapped_column(String(20))
    vin: Mapped[str] = mapped_column(String(17))
    model_code: Mapped[str | None] = mapped_column(String(20))
    model_year: Mapped[int | None] = mapped_column(SmallInteger)
    mileage_km: Mapped[int | None] = mapped_column(Integer)
    subject: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    dtc_codes: Mapped[list[str]] = mapped_column(ARRAY(String(5)))
    priority: Mapped[str] = mapped_column(String(10))
    # open, in_progress, waiting_on_station, resolved, closed
    status: Mapped[str] = mapped_column(String(20))
    opened_by: Mapped[str] = mapped_column(String(100))
    # Set by the service, not the database, because the deadlines are counted from it.
    opened_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    engineer: Mapped[str | None] = mapped_column(String(100))
    # The targets this request is held to, fixed when it opened.
    target_first_response: Mapped[dt.timedelta] = mapped_column(Interval, server_default=text("'8 hours'"))
    target_resolution: Mapped[dt.timedelta] = mapped_column(Interval, server_default=text("'72 hours'"))
    paused: Mapped[dt.timedelta] = mapped_column(Interval, server_default=text("'0'"))
    paused_since: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # Where the deadlines stand if the clock runs on; moved whenever the clock stops or starts.
    first_response_due: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    resolution_due: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    first_response_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    first_response_late: Mapped[bool | None] = mapped_column(Boolean)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    resolution_late: Mapped[bool | None] = mapped_column(Boolean)
    resolution: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    rating_comment: Mapped[str | None] = mapped_column(Text)
    escalation_level: Mapped[int] = mapped_column(SmallInteger, server_default=text("0"))
    next_escalation_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=text("now()"))
    search: Mapped[str] = mapped_column(TSVECTOR, Computed(_REQUEST_SEARCH, persisted=True))


class RequestMessageRow(Base):
    """One message of a request's thread, from the station or the desk."""

    __tablename__ = "request_messages"
    __table_args__ = (Index("ix_request_messages_request", "request_id", "created_at"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("support_requests.id"))
    # station or engineer
    author_role: Mapped[str] = mapped_column(String(10))
    author: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    # The desk asks the station something: the deadline clock stops until it answers.
    asks_station: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class EscalationRow(Base):
    """A rung of the ladder a request climbed, kept for HQ's reports."""

    __tablename__ = "request_escalations"
    __table_args__ = (Index("uq_request_escalations_level", "request_id", "level", unique=True),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("support_requests.id"))
    level: Mapped[int] = mapped_column(SmallInteger)
    action: Mapped[str] = mapped_column(String(40))
    due_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class TargetRuleRow(Base):
    """A response and resolution target for a priority, narrowed to a model or region."""

    __tablename__ = "target_rules"
    __table_args__ = (
        Index(
            "uq_target_rules_scope",
            "priority",
            text("coalesce(model_code, '')"),
            text("coalesce(region, '')"),
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    priority: Mapped[str] = mapped_column(String(10))
    model_code: Mapped[str | None] = mapped_column(String(20))
    region: Mapped[str | None] = mapped_column(String(20))
    first_response: Mapped[dt.timedelta] = mapped_column(Interval)
    resolution: Mapped[dt.timedelta] = mapped_column(Interval)


class ArticleRow(Base):
    """A known problem and its solution, or a technical service bulletin."""

    __tablename__ = "kb_articles"
    __table_args__ = (
        Index("ix_kb_articles_search", "search", postgresql_using="gin"),
        Index("ix_kb_articles_dtc", "dtc_codes", postgresql_using="gin"),
        Index("ix_kb_articles_models", "model_codes", postgresql_using="gin"),
        Index("ix_kb_articles_status_kind", "status", "kind"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    # article or bulletin
    kind: Mapped[str] = mapped_column(String(10))
    # draft, published or withdrawn
    status: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(300))
    symptoms: Mapped[str] = mapped_column(Text)
    solution: Mapped[str] = mapped_column(Text)
    dtc_codes: Mapped[list[str]] = mapped_column(ARRAY(String(5)), server_default=text("'{}'"))
    model_codes: Mapped[list[str]] = mapped_column(ARRAY(String(20)), server_default=text("'{}'"))
    year_from: Mapped[int | None] = mapped_column(SmallInteger)
    year_to: Mapped[int | None] = mapped_column(SmallInteger)
    # A bulletin's VIN range: the first 11 characters (maker, model, year, plant), and serials.
    vin_prefix: Mapped[str | None] = mapped_column(String(11))
    serial_from: Mapped[int | None] = mapped_column(Integer)
    serial_to: Mapped[int | None] = mapped_column(Integer)
    bulletin_number: Mapped[str | None] = mapped_column(String(30), unique=True)
    source_request_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("support_requests.id"))
    author: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=text("now()"))
    published_by: Mapped[str | None] = mapped_column(String(100))
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    solved_count: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    not_solved_count: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    search: Mapped[str] = mapped_column(TSVECTOR, Computed(_ARTICLE_SEARCH, persisted=True))


class ArticleFeedbackRow(Base):
    """A station's word on whether an article solved its problem; one per station and article."""

    __tablename__ = "kb_feedback"

    article_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("kb_articles.id"), primary_key=True)
    station_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    solved: Mapped[bool] = mapped_column(Boolean)
    request_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=text("now()"))


class RepairRow(Base):
    """Work a station did on a car, announced so the customer master's history shows it."""

    __tablename__ = "repairs"
    __table_args__ = (Index("ix_repairs_vin", "vin", "repaired_at"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    station_code: Mapped[str] = mapped_column(String(20))
    vin: Mapped[str] = mapped_column(String(17))
    mileage_km: Mapped[int | None] = mapped_column(Integer)
    work_done: Mapped[str] = mapped_column(Text)
    request_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("support_requests.id"))
    recorded_by: Mapped[str] = mapped_column(String(100))
    repaired_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class StationOperatorRow(Base):
    """A station a dealer runs: that dealer sees the station's requests and repairs."""

    __tablename__ = "station_operators"

    station_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    dealer_code: Mapped[str] = mapped_column(String(20), index=True)
