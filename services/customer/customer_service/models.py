"""The customer service's tables. Only this service reads or writes them.

`customers` is the master record. Who may see a customer is not stored as a grant: it
follows from `customer_relationships` (a dealer's prospect, buyer, servicing or fleet
account; a station's open request or repair on one of the customer's cars), which the
service keeps from what happens: registrations, deliveries, sales, support requests.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from plumbing.db import messaging_tables

metadata = MetaData()
tables = messaging_tables(metadata)


class Base(DeclarativeBase):
    metadata = metadata


class CustomerRow(Base):
    """One customer of the master: a person or a company (a fleet)."""

    __tablename__ = "customers"
    __table_args__ = (
        Index("ix_customers_phone", "phone", postgresql_where=text("phone IS NOT NULL")),
        Index("ix_customers_email", "email", postgresql_where=text("email IS NOT NULL")),
        Index("ix_customers_national_id", "national_id", postgresql_where=text("national_id IS NOT NULL")),
        # A look-alike name is looked for within one city: both in one GIN index (btree_gin),
        # and, for a newcomer with a phone or an e-mail, only among the customers without one
        # (see customers.find_candidates), through the partial ones.
        *(
            Index(
                name,
                text("lower(city)"),
                "name_key",
                postgresql_using="gin",
                postgresql_ops={"name_key": "gin_trgm_ops"},
                postgresql_where=where,
            )
            for name, where in (
                ("ix_customers_city_name_trgm", None),
                ("ix_customers_city_name_trgm_no_phone", text("phone IS NULL")),
                ("ix_customers_city_name_trgm_no_email", text("email IS NULL")),
            )
        ),
        Index("ix_customers_registered_by_at", "registered_by", "registered_at"),
        Index("ix_customers_registered_at", "registered_at"),
        Index("ix_customers_segment", "segment", "region"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    # person or company
    kind: Mapped[str] = mapped_column(String(10), server_default=text("'person'"))
    full_name: Mapped[str] = mapped_column(String(200))
    # The name as matching compares it: lower case, no accents, punctuation or legal form.
    name_key: Mapped[str] = mapped_column(String(200), server_default=text("''"))
    phone: Mapped[str | None] = mapped_column(String(16))
    email: Mapped[str | None] = mapped_column(String(254))
    # A person's national id or a company's registration number, normalised.
    national_id: Mapped[str | None] = mapped_column(String(40))
    city: Mapped[str | None] = mapped_column(String(100))
    region: Mapped[str | None] = mapped_column(String(20))
    # The dealer or station code; null when headquarters registered the customer itself.
    registered_by: Mapped[str | None] = mapped_column(String(20))
    # dealer, station, hq (call centre) or import
    source_channel: Mapped[str] = mapped_column(String(10), server_default=text("'dealer'"))
    registered_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # active, or merged into `merged_into` (whose id then answers for this one)
    status: Mapped[str] = mapped_column(String(10), server_default=text("'active'"))
    merged_into: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    # Segment and value, recomputed from purchases and service as they are recorded.
    segment: Mapped[str] = mapped_column(String(10), server_default=text("'potential'"))
    value_tier: Mapped[str] = mapped_column(String(1), server_default=text("'C'"))
    purchases: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    purchase_value_minor: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    last_purchase_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    services: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    last_service_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ContactRow(Base):
    """Further phone numbers and e-mail addresses a customer is reached at (from merges, imports)."""

    __tablename__ = "customer_contacts"
    __table_args__ = (Index("ix_customer_contacts_value", "kind", "value"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id"), index=True)
    # phone or email
    kind: Mapped[str] = mapped_column(String(10))
    value: Mapped[str] = mapped_column(String(254))
    added_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class AddressRow(Base):
    __tablename__ = "customer_addresses"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id"), index=True)
    # home, billing or registered (a company's seat)
    kind: Mapped[str] = mapped_column(String(10))
    line: Mapped[str] = mapped_column(String(300))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    city: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str | None] = mapped_column(String(2))
    added_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ConsentRow(Base):
    """Whether the customer may be contacted on a channel, as last recorded, and by whom."""

    __tablename__ = "customer_consents"

    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id"), primary_key=True)
    # phone, sms, email or post
    channel: Mapped[str] = mapped_column(String(10), primary_key=True)
    granted: Mapped[bool] = mapped_column(Boolean)
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class RelationshipRow(Base):
    """A dealer's or station's relationship with a customer: what lets it see the customer.

    A station's servicing relationship lasts while a request or repair on one of the
    customer's cars is open, and `expires_at` days after it closed.
    """

    __tablename__ = "customer_relationships"
    __table_args__ = (Index("ix_customer_relationships_org", "org_code", "kind"),)

    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id"), primary_key=True)
    org_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    # prospect, buyer, servicing or fleet
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    since: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # Null while the relationship holds; set when it ends.
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # What began it: an order number, a VIN, a support request id, an import.
    source: Mapped[str | None] = mapped_column(String(100))


class MatchReviewRow(Base):
    """A doubtful duplicate, waiting for headquarters to merge the two or keep them apart."""

    __tablename__ = "match_reviews"
    __table_args__ = (
        Index("uq_match_reviews_pair", "customer_id", "candidate_id", unique=True),
        Index("ix_match_reviews_status", "status", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id"))
    candidate_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id"))
    score: Mapped[float] = mapped_column(Float)
    reasons: Mapped[list[str]] = mapped_column(JSONB)
    # pending, merged or kept_apart
    status: Mapped[str] = mapped_column(String(12), server_default=text("'pending'"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class MergeRow(Base):
    """A customer merged into another: kept so the merged id keeps resolving, and what it held."""

    __tablename__ = "customer_merges"

    merged_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    survivor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id"), index=True)
    merged_by: Mapped[str] = mapped_column(String(100))
    merged_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    reason: Mapped[str | None] = mapped_column(Text)
    # The merged record as it was, for the history.
    snapshot: Mapped[dict[str, object]] = mapped_column(JSONB)


class InteractionRow(Base):
    """A call, visit or note about a customer, by a dealer, station or headquarters."""

    __tablename__ = "customer_interactions"
    __table_args__ = (Index("ix_customer_interactions_customer", "customer_id", "occurred_at"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id"))
    org_code: Mapped[str | None] = mapped_column(String(20))
    # call, visit or note
    kind: Mapped[str] = mapped_column(String(10))
    summary: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(100))
    occurred_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class CustomerVehicleRow(Base):
    """A car and the customer who owns it, linked when the dealer handed it over or sold it.

    One owner per VIN: the key keeps a car from being linked to two customers.
    """

    __tablename__ = "customer_vehicles"

    vin: Mapped[str] = mapped_column(String(17), primary_key=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id"), index=True)
    # The dealer that handed the car over, and the order it was built or found for (none
    # for a car sold from stock).
    dealer_code: Mapped[str] = mapped_column(String(20))
    order_number: Mapped[str | None] = mapped_column(String(20))
    delivered_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    linked_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ServiceEventRow(Base):
    """What happened to a car at a station, as the station service announced it; the 360
    view's service history reads these rather than the station's tables."""

    __tablename__ = "vehicle_service_events"
    __table_args__ = (Index("ix_vehicle_service_events_vin", "vin", "occurred_at"),)

    source_event_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    vin: Mapped[str] = mapped_column(String(17))
    station_code: Mapped[str] = mapped_column(String(20))
    # support_request_opened, support_request_closed, ...
    kind: Mapped[str] = mapped_column(String(40))
    reference: Mapped[str] = mapped_column(String(100))
    summary: Mapped[str | None] = mapped_column(Text)
    occurred_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ImportRow(Base):
    """One uploaded customer list: the same file from the same dealer is loaded once."""

    __tablename__ = "customer_imports"
    __table_args__ = (Index("uq_customer_imports_file", "org_code", "file_sha256", unique=True),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    org_code: Mapped[str] = mapped_column(String(20))
    file_sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(200))
    rows: Mapped[int] = mapped_column(Integer)
    created: Mapped[int] = mapped_column(Integer)
    linked: Mapped[int] = mapped_column(Integer)
    queued_for_review: Mapped[int] = mapped_column(Integer)
    rejected: Mapped[int] = mapped_column(Integer)
    report: Mapped[list[dict[str, object]]] = mapped_column(JSONB)
    imported_by: Mapped[str] = mapped_column(String(100))
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
