"""The order service's tables. Only this service reads or writes them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
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
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from plumbing.db import messaging_tables

metadata = MetaData()
tables = messaging_tables(metadata)
order_number_seq = Sequence("order_number_seq", metadata=metadata)
invoice_number_seq = Sequence("invoice_number_seq", metadata=metadata)
credit_note_number_seq = Sequence("credit_note_number_seq", metadata=metadata)


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


# --- Dealer accounts ------------------------------------------------------------------------
# Money is in integer minor units of the account's one currency.


class DealerAccountRow(Base):
    """A dealer's account with the maker: its currency, credit terms and discount."""

    __tablename__ = "dealer_accounts"
    dealer_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    region: Mapped[str | None] = mapped_column(String(20))
    currency: Mapped[str] = mapped_column(String(3))
    # None until HQ sets credit terms: orders are then reviewed without a limit.
    credit_limit_minor: Mapped[int | None] = mapped_column(BigInteger)
    payment_terms_days: Mapped[int] = mapped_column(Integer, server_default="30")
    discount_bp: Mapped[int] = mapped_column(Integer, server_default="0")
    opened_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class RebateRow(Base):
    """A campaign rebate on every car of a model invoiced while it runs."""

    __tablename__ = "rebates"
    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    model_code: Mapped[str] = mapped_column(String(20), index=True)
    description: Mapped[str] = mapped_column(String(200))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date] = mapped_column(Date)


class InvoiceRow(Base):
    """The invoice a shipped car raises; `open_minor` falls as payments and credits are applied."""

    __tablename__ = "invoices"
    __table_args__ = (
        Index("ix_invoices_dealer_due", "dealer_code", "due_on"),
        # Only the open invoices: what the figures, ageing and reminders read.
        Index("ix_invoices_open", "dealer_code", "due_on", postgresql_where="open_minor > 0"),
        CheckConstraint("open_minor >= 0 AND open_minor <= total_minor", name="ck_invoices_open_within_total"),
    )
    invoice_number: Mapped[str] = mapped_column(String(20), primary_key=True)
    dealer_code: Mapped[str] = mapped_column(String(20))
    region: Mapped[str | None] = mapped_column(String(20))
    order_number: Mapped[str] = mapped_column(String(20), unique=True)
    vin: Mapped[str | None] = mapped_column(String(17))
    issued_on: Mapped[dt.date] = mapped_column(Date)
    due_on: Mapped[dt.date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    total_minor: Mapped[int] = mapped_column(BigInteger)
    open_minor: Mapped[int] = mapped_column(BigInteger)
    # [{"kind", "description", "amount_minor"}]: the car, its options, discount and rebates.
    lines: Mapped[list[dict[str, object]]] = mapped_column(JSONB)
    # The highest payment reminder sent for it.
    reminder_level: Mapped[int] = mapped_column(Integer, server_default="0")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class PaymentRow(Base):
    """Money received from a dealer, once per bank reference."""

    __tablename__ = "payments"
    __table_args__ = (
        UniqueConstraint("dealer_code", "reference", name="uq_payments_dealer_reference"),
        Index("ix_payments_dealer_received", "dealer_code", "received_on"),
        Index("ix_payments_unapplied", "dealer_code", postgresql_where="unapplied_minor > 0"),
    )
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    dealer_code: Mapped[str] = mapped_column(String(20))
    reference: Mapped[str] = mapped_column(String(64))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    received_on: Mapped[dt.date] = mapped_column(Date)
    # What is not matched to an invoice yet: money on account.
    unapplied_minor: Mapped[int] = mapped_column(BigInteger)
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class CreditNoteRow(Base):
    __tablename__ = "credit_notes"
    __table_args__ = (
        Index("ix_credit_notes_dealer_issued", "dealer_code", "issued_on"),
        Index("ix_credit_notes_unapplied", "dealer_code", postgresql_where="unapplied_minor > 0"),
        UniqueConstraint("dealer_code", "reference", name="uq_credit_notes_dealer_reference"),
    )
    credit_note_number: Mapped[str] = mapped_column(String(20), primary_key=True)
    dealer_code: Mapped[str] = mapped_column(String(20))
    # The claim or return the credit answers: one note per reference.
    reference: Mapped[str] = mapped_column(String(64))
    # return, warranty, goodwill, price_correction
    kind: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    issued_on: Mapped[dt.date] = mapped_column(Date)
    unapplied_minor: Mapped[int] = mapped_column(BigInteger)
    issued_by: Mapped[str] = mapped_column(String(100))
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class AllocationRow(Base):
    """Part of a payment or credit note applied to an invoice, on the day it was applied."""

    __tablename__ = "account_allocations"
    __table_args__ = (
        Index("ix_account_allocations_invoice", "invoice_number"),
        Index("ix_account_allocations_source", "dealer_code", "source_kind", "source_reference"),
    )
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    dealer_code: Mapped[str] = mapped_column(String(20))
    invoice_number: Mapped[str] = mapped_column(ForeignKey("invoices.invoice_number"))
    # payment, credit_note
    source_kind: Mapped[str] = mapped_column(String(20))
    source_reference: Mapped[str] = mapped_column(String(64))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    applied_on: Mapped[dt.date] = mapped_column(Date)


class PaymentReminderRow(Base):
    __tablename__ = "payment_reminders"
    __table_args__ = (
        UniqueConstraint("invoice_number", "level", name="uq_payment_reminders_invoice_level"),
        Index("ix_payment_reminders_dealer_sent", "dealer_code", "sent_at"),
    )
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    invoice_number: Mapped[str] = mapped_column(ForeignKey("invoices.invoice_number"))
    dealer_code: Mapped[str] = mapped_column(String(20))
    level: Mapped[int] = mapped_column(Integer)
    days_overdue: Mapped[int] = mapped_column(Integer)
    open_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    due_on: Mapped[dt.date] = mapped_column(Date)
    orders_held: Mapped[bool] = mapped_column(Boolean)
    sent_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class StatementDisputeRow(Base):
    """A line of its statement the dealer does not accept, until HQ finance answers."""

    __tablename__ = "statement_disputes"
    __table_args__ = (
        # One open dispute per line; a resolved one may be followed by another.
        Index(
            "ix_statement_disputes_open_line",
            "dealer_code",
            "line_kind",
            "line_reference",
            unique=True,
            postgresql_where="status = 'open'",
        ),
    )
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    dealer_code: Mapped[str] = mapped_column(String(20))
    region: Mapped[str | None] = mapped_column(String(20))
    line_kind: Mapped[str] = mapped_column(String(20))
    line_reference: Mapped[str] = mapped_column(String(64))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text)
    # open, resolved
    status: Mapped[str] = mapped_column(String(10))
    raised_by: Mapped[str] = mapped_column(String(100))
    raised_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    resolution: Mapped[str | None] = mapped_column(Text)
    resolved_by: Mapped[str | None] = mapped_column(String(100))
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class StatementConfirmationRow(Base):
    __tablename__ = "statement_confirmations"
    dealer_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    period_from: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    period_to: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    region: Mapped[str | None] = mapped_column(String(20))
    closing_balance_minor: Mapped[int] = mapped_column(BigInteger)
    confirmed_by: Mapped[str] = mapped_column(String(100))
    confirmed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class CreditOverrideRow(Base):
    """HQ approved an order its dealer's credit held, and said why."""

    __tablename__ = "credit_overrides"
    order_number: Mapped[str] = mapped_column(String(20), primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    # The reasons the order was held, with the figures, as HQ saw them.
    held_for: Mapped[list[str]] = mapped_column(ARRAY(Text))
    approved_by: Mapped[str] = mapped_column(String(100))
    approved_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
