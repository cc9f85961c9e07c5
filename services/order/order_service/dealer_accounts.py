"""Dealer accounts with the maker: invoices from shipped cars, payments and credit notes matched
to them, reminders, the credit rule in order review, statements and their reconciliation.

Use cases shared by the gRPC and Nameko shells; the rules are plain Python in `receivables`.
Scope, as everywhere in this service: a dealer sees only its own account (any other is
NotFound), headquarters and operations all of them, a station none. Money moves only in HQ
finance's (or an HQ admin's) hands, and each movement locks the dealer's account row, so two
payments, or a payment and an approval, never read the same balance.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, func, select, text, tuple_
from sqlalchemy.dialects.postgresql import insert

from order_service import domain, receivables
from order_service.catalogue import load_catalogue
from order_service.models import (
    AllocationRow,
    CreditNoteRow,
    CreditOverrideRow,
    DealerAccountRow,
    InvoiceRow,
    PaymentReminderRow,
    PaymentRow,
    RebateRow,
    StatementConfirmationRow,
    StatementDisputeRow,
    VehicleOrderRow,
    credit_note_number_seq,
    invoice_number_seq,
)
from plumbing import settings as settings_module
from plumbing.db import UnitOfWork
from plumbing.errors import FieldViolation, NotFound, Refused, ValidationFailed
from plumbing.principal import AccountRole, Principal, Role

T = TypeVar("T", bound=tuple[Any, ...])

INVOICE_ISSUED = "account.invoice_issued"
INVOICE_SETTLED = "account.invoice_settled"
PAYMENT_RECORDED = "account.payment_recorded"
CREDIT_NOTE_ISSUED = "account.credit_note_issued"
PAYMENT_REMINDER_SENT = "account.payment_reminder_sent"
LINE_DISPUTED = "account.line_disputed"
DISPUTE_RESOLVED = "account.dispute_resolved"
STATEMENT_CONFIRMED = "account.statement_confirmed"
CREDIT_TERMS_SET = "account.credit_terms_set"

DEFAULT_HOLD_LEVEL = 2
DEFAULT_PAYMENT_TERMS_DAYS = 30
MAX_PAYMENT_TERMS_DAYS = 365

FINANCE = frozenset({AccountRole.HQ_FINANCE, AccountRole.HQ_ADMIN})
CREDIT_NOTE_KINDS = ("return", "warranty", "goodwill", "price_correction")
LINE_KINDS = tuple(kind.value for kind in receivables.EntryKind)
PAYMENT, CREDIT_NOTE = receivables.EntryKind.PAYMENT.value, receivables.EntryKind.CREDIT_NOTE.value
OPEN, RESOLVED = "open", "resolved"
INVOICE_STATUSES = ("open", "paid", "overdue")

# Approved orders are money the dealer has committed to but not been invoiced for yet.
_COMMITTED = tuple(
    status.value
    for status in (
        domain.OrderStatus.APPROVED,
        domain.OrderStatus.SCHEDULED,
        domain.OrderStatus.IN_PRODUCTION,
        domain.OrderStatus.RELEASED,
    )
)


# --- Settings -------------------------------------------------------------------------------


@dataclass(frozen=True)
class OverduePolicy:
    """Reminder levels in days overdue, and the level from which a dealer's new orders are held."""

    reminder_days: tuple[int, ...] = receivables.DEFAULT_REMINDER_DAYS
    # 0: overdue invoices never hold orders.
    hold_level: int = DEFAULT_HOLD_LEVEL

    def __post_init__(self) -> None:
        if not 0 <= self.hold_level <= len(self.reminder_days):
            raise ValueError(
                "DEALERNET_ORDER_HOLD_REMINDER_LEVEL must be between 0 and "
                f"{len(self.reminder_days)}, the number of reminder levels"
            )

    @property
    def hold_after_days(self) -> int | None:
        """Days overdue from which new orders are held."""
        return self.reminder_days[self.hold_level - 1] if self.hold_level else None


def overdue_policy() -> OverduePolicy:
    """The policy the settings give (DEALERNET_REMINDER_DAYS, DEALERNET_ORDER_HOLD_REMINDER_LEVEL)."""
    settings = settings_module.load()
    return OverduePolicy(
        reminder_days=receivables.parse_reminder_days(settings.reminder_days),
        hold_level=settings.order_hold_reminder_level,
    )


# --- Scope ----------------------------------------------------------------------------------


def _scope(principal: Principal, dealer_code: str = "") -> str | None:
    """The one dealer the caller asks about, or None for all of them (HQ and ops only)."""
    if principal.role is Role.DEALER:
        if dealer_code and dealer_code != principal.org_code:
            raise NotFound(f"no account of dealer {dealer_code}")
        return principal.org_code
    if principal.role in (Role.HQ, Role.OPS):
        return dealer_code or None
    raise Refused("service stations have no account with the maker here")


def _visible(principal: Principal, dealer_code: str, column: Any, query: Select[T]) -> Select[T]:
    """`query` narrowed to the one dealer the caller may ask about (a dealer: its own)."""
    scoped = _scope(principal, dealer_code)
    return query if scoped is None else query.where(column == scoped)


def _require_finance(principal: Principal, doing: str) -> None:
    if principal.role is not Role.HQ or principal.acting_role not in FINANCE:
        raise Refused(f"only HQ finance {doing}")


def _require_dealer(principal: Principal, dealer_code: str, doing: str) -> str:
    if principal.role is not Role.DEALER:
        raise Refused(f"only the dealer {doing}")
    scoped = _scope(principal, dealer_code)
    assert scoped is not None
    return scoped


def _account(uow: UnitOfWork, dealer_code: str, *, for_update: bool = False) -> DealerAccountRow:
    query = select(DealerAccountRow).where(DealerAccountRow.dealer_code == dealer_code)
    if for_update:
        query = query.with_for_update()
    account = uow.session.scalars(query).first()
    if account is None:
        raise NotFound(f"no account of dealer {dealer_code}")
    return account


def _check_currency(account: DealerAccountRow, currency: str) -> None:
    if currency != account.currency:
        raise ValidationFailed.one(
            "currency", f"{account.dealer_code}'s account is kept in {account.currency}, not {currency or 'nothing'}"
        )


def _check_amount(amount_minor: int) -> None:
    if amount_minor <= 0:
        raise ValidationFailed.one("amount_minor", "must be more than zero")


def _check_not_future(day: dt.date, today: dt.date, field: str) -> None:
    if day > today:
        raise ValidationFailed.one(field, f"{day.isoformat()} is in the future")


def parse_day(value: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed.one(field, "must be an ISO date such as 2027-03-31") from None


# --- Figures --------------------------------------------------------------------------------


def _overdue_between(bucket: receivables.AgeingBucket) -> str:
    """The SQL condition for an open invoice being in `bucket` at :as_of."""
    first, last = receivables.BUCKET_DAYS[bucket]
    days = "CAST(:as_of AS date) - due_on"
    conditions = ([f"{days} >= {first}"] if first > 0 else []) + ([f"{days} <= {last}"] if last is not None else [])
    return " AND ".join(conditions)


_BUCKET_COLUMNS = {bucket: f"ageing_{field}" for bucket, field in receivables.BUCKET_FIELDS.items()}
_BUCKET_SUMS = ",\n        ".join(
    f"sum(open_minor) FILTER (WHERE {_overdue_between(bucket)}) AS {column}"
    for bucket, column in _BUCKET_COLUMNS.items()
)


def _ageing_of(row: Any) -> receivables.Ageing:
    return receivables.Ageing(
        **{field: int(getattr(row, _BUCKET_COLUMNS[bucket])) for bucket, field in receivables.BUCKET_FIELDS.items()}
    )


# Each account's figures as at a day, in one statement: only open invoices, unapplied money,
# committed orders and open disputes are read (partial indexes hold just those), grouped by
# dealer. The ageing buckets here are the ones `receivables.bucket_of` gives each invoice (a
# test holds the two equal).
def _figures(one_dealer: bool) -> str:
    mine = "dealer_code = :dealer_code" if one_dealer else "TRUE"
    account = "a.dealer_code = :dealer_code" if one_dealer else "TRUE"
    return f"""
WITH open_invoices AS (
    SELECT dealer_code, sum(open_minor) AS open_total,
        {_BUCKET_SUMS},
        max(CAST(:as_of AS date) - due_on) AS max_days_overdue
    FROM invoices WHERE open_minor > 0 AND {mine} GROUP BY dealer_code
), unapplied AS (
    SELECT dealer_code, sum(unapplied_minor) AS unapplied FROM (
        SELECT dealer_code, unapplied_minor FROM payments WHERE unapplied_minor > 0 AND {mine}
        UNION ALL
        SELECT dealer_code, unapplied_minor FROM credit_notes WHERE unapplied_minor > 0 AND {mine}
    ) money GROUP BY dealer_code
), committed AS (
    SELECT dealer_code, sum(list_price_minor) AS committed FROM vehicle_orders
    WHERE status = ANY(:committed) AND {mine} GROUP BY dealer_code
), disputes AS (
    SELECT dealer_code, count(*) AS open_disputes FROM statement_disputes
    WHERE status = 'open' AND {mine} GROUP BY dealer_code
)
SELECT a.dealer_code,
    COALESCE(i.open_total, 0) AS open_total,
    {", ".join(f"COALESCE(i.{column}, 0) AS {column}" for column in _BUCKET_COLUMNS.values())},
    GREATEST(COALESCE(i.max_days_overdue, 0), 0) AS max_days_overdue,
    COALESCE(u.unapplied, 0) AS unapplied,
    COALESCE(c.committed, 0) AS committed,
    COALESCE(d.open_disputes, 0) AS open_disputes
FROM dealer_accounts a
LEFT JOIN open_invoices i USING (dealer_code)
LEFT JOIN unapplied u USING (dealer_code)
LEFT JOIN committed c USING (dealer_code)
LEFT JOIN disputes d USING (dealer_code)
WHERE {account} AND (CAST(:region AS text) IS NULL OR a.region = :region)
"""


_ONE_ACCOUNT = text(_figures(one_dealer=True))
_ACCOUNT_PAGE = text(
    f"""
SELECT * FROM ({_figures(one_dealer=False)}) f
WHERE (CAST(:dealer_code AS text) IS NULL OR f.dealer_code = :dealer_code)
  AND (NOT :overdue_only OR f.open_total > f.ageing_current)
ORDER BY f.open_total - f.ageing_current DESC, f.dealer_code
OFFSET :offset LIMIT :limit
"""
)
_RECEIVABLES = text(
    f"""
SELECT a.region, a.currency, count(*) AS dealers,
    sum(f.open_total - f.unapplied) AS balance,
    {", ".join(f"sum(f.{column}) AS {column}" for column in _BUCKET_COLUMNS.values())},
    sum(COALESCE(a.credit_limit_minor, 0)) AS credit_limit,
    sum(f.open_total - f.unapplied + f.committed) AS credit_used,
    sum(f.open_disputes) AS open_disputes,
    count(*) FILTER (WHERE CAST(:hold_after_days AS integer) IS NOT NULL
                       AND f.max_days_overdue >= :hold_after_days) AS dealers_held
FROM ({_figures(one_dealer=False)}) f JOIN dealer_accounts a USING (dealer_code)
GROUP BY a.region, a.currency
ORDER BY sum(f.open_total - f.ageing_current) DESC, a.region NULLS LAST, a.currency
"""
)


@dataclass(frozen=True)
class AccountView:
    account: DealerAccountRow
    as_of: dt.date
    open_minor: int
    unapplied_minor: int
    committed_minor: int
    ageing: receivables.Ageing
    reminder_level: int
    open_disputes: int
    hold_reason: str

    @property
    def balance_minor(self) -> int:
        return self.open_minor - self.unapplied_minor

    @property
    def credit_used_minor(self) -> int:
        return self.balance_minor + self.committed_minor

    @property
    def credit_available_minor(self) -> int:
        limit = self.account.credit_limit_minor
        return limit - self.credit_used_minor if limit is not None else 0

    @property
    def orders_held(self) -> bool:
        return bool(self.hold_reason)


def _hold_reason(dealer_code: str, level: int, days: int, policy: OverduePolicy) -> str:
    if not policy.hold_level or level < policy.hold_level:
        return ""
    return (
        f"{dealer_code} has invoices {days} days overdue (reminder level {level}); "
        "headquarters holds its new orders until they are paid"
    )


def _view(account: DealerAccountRow, figures: Any, as_of: dt.date, policy: OverduePolicy) -> AccountView:
    days = int(figures.max_days_overdue)
    level = receivables.reminder_level(days, policy.reminder_days)
    return AccountView(
        account=account,
        as_of=as_of,
        open_minor=int(figures.open_total),
        unapplied_minor=int(figures.unapplied),
        committed_minor=int(figures.committed),
        ageing=_ageing_of(figures),
        reminder_level=level,
        open_disputes=int(figures.open_disputes),
        hold_reason=_hold_reason(account.dealer_code, level, days, policy),
    )


def _figures_parameters(as_of: dt.date, dealer_code: str | None = None, region: str | None = None) -> dict[str, Any]:
    return {"as_of": as_of, "committed": list(_COMMITTED), "dealer_code": dealer_code, "region": region}


def _account_view(uow: UnitOfWork, account: DealerAccountRow, as_of: dt.date, policy: OverduePolicy) -> AccountView:
    figures = uow.session.execute(_ONE_ACCOUNT, _figures_parameters(as_of, account.dealer_code)).one()
    return _view(account, figures, as_of, policy)


def get_account(
    uow: UnitOfWork, principal: Principal, dealer_code: str, today: dt.date, policy: OverduePolicy
) -> AccountView:
    scoped = _scope(principal, dealer_code)
    if scoped is None:
        raise ValidationFailed.one("dealer_code", "name the dealer whose account to show")
    return _account_view(uow, _account(uow, scoped), today, policy)


def list_accounts(
    uow: UnitOfWork,
    principal: Principal,
    today: dt.date,
    policy: OverduePolicy,
    *,
    region: str = "",
    overdue_only: bool = False,
    offset: int,
    limit: int,
) -> list[AccountView]:
    """Accounts with the most overdue first: HQ's receivables list."""
    scoped = _scope(principal)
    rows = uow.session.execute(
        _ACCOUNT_PAGE,
        {
            **_figures_parameters(today, scoped, region or None),
            "overdue_only": overdue_only,
            "offset": offset,
            "limit": limit,
        },
    ).all()
    accounts = {
        account.dealer_code: account
        for account in uow.session.scalars(
            select(DealerAccountRow).where(DealerAccountRow.dealer_code.in_([row.dealer_code for row in rows]))
        )
    }
    return [_view(accounts[row.dealer_code], row, today, policy) for row in rows]


@dataclass(frozen=True)
class ReceivablesRow:
    region: str | None
    currency: str
    dealers: int
    balance_minor: int
    ageing: receivables.Ageing
    credit_limit_minor: int
    credit_used_minor: int
    open_disputes: int
    dealers_held: int


def _total(rows: Sequence[ReceivablesRow], currency: str) -> ReceivablesRow:
    mine = [row for row in rows if row.currency == currency]
    ageing = receivables.Ageing()
    for row in mine:
        ageing = ageing.added(row.ageing)
    return ReceivablesRow(
        region=None,
        currency=currency,
        dealers=sum(row.dealers for row in mine),
        balance_minor=sum(row.balance_minor for row in mine),
        ageing=ageing,
        credit_limit_minor=sum(row.credit_limit_minor for row in mine),
        credit_used_minor=sum(row.credit_used_minor for row in mine),
        open_disputes=sum(row.open_disputes for row in mine),
        dealers_held=sum(row.dealers_held for row in mine),
    )


def get_receivables(
    uow: UnitOfWork, principal: Principal, today: dt.date, policy: OverduePolicy, *, region: str = ""
) -> tuple[list[ReceivablesRow], list[ReceivablesRow]]:
    """Receivables by region and currency, and a total per currency."""
    if principal.role not in (Role.HQ, Role.OPS):
        raise Refused("only headquarters sees the channel's receivables")
    result = uow.session.execute(
        _RECEIVABLES, {**_figures_parameters(today, None, region or None), "hold_after_days": policy.hold_after_days}
    ).all()
    rows = [
        ReceivablesRow(
            region=row.region,
            currency=row.currency,
            dealers=int(row.dealers),
            balance_minor=int(row.balance),
            ageing=_ageing_of(row),
            credit_limit_minor=int(row.credit_limit),
            credit_used_minor=int(row.credit_used),
            open_disputes=int(row.open_disputes),
            dealers_held=int(row.dealers_held),
        )
        for row in result
    ]
    totals = [_total(rows, currency) for currency in sorted({row.currency for row in rows})]
    return rows, totals


# --- Credit terms ---------------------------------------------------------------------------


def set_credit_terms(
    uow: UnitOfWork,
    principal: Principal,
    dealer_code: str,
    *,
    currency: str,
    credit_limit_minor: int,
    payment_terms_days: int,
    discount_bp: int,
    region: str,
    today: dt.date,
    policy: OverduePolicy,
) -> AccountView:
    _require_finance(principal, "sets credit terms")
    problems = []
    if not dealer_code:
        problems.append(("dealer_code", "name the dealer"))
    if credit_limit_minor < 0:
        problems.append(("credit_limit_minor", "may not be negative"))
    if not 0 <= payment_terms_days <= MAX_PAYMENT_TERMS_DAYS:
        problems.append(("payment_terms_days", f"must be between 0 and {MAX_PAYMENT_TERMS_DAYS} days"))
    if not 0 <= discount_bp <= 10_000:
        problems.append(("discount_bp", "must be between 0 and 10000 basis points (100%)"))
    if currency and currency not in receivables.CURRENCY_EXPONENTS:
        known = ", ".join(sorted(receivables.CURRENCY_EXPONENTS))
        problems.append(("currency", f"'{currency}' is not a currency kept here ({known})"))
    if problems:
        raise ValidationFailed([FieldViolation(field, message) for field, message in problems])
    account = uow.session.scalars(
        select(DealerAccountRow).where(DealerAccountRow.dealer_code == dealer_code).with_for_update()
    ).first()
    if account is None:
        if not currency:
            raise ValidationFailed.one("currency", "an account is opened in one currency: name it")
        account = DealerAccountRow(dealer_code=dealer_code, currency=currency, region=region or None)
        uow.session.add(account)
    elif currency and currency != account.currency:
        raise Refused(f"{dealer_code}'s account is kept in {account.currency}; its currency does not change")
    account.credit_limit_minor = credit_limit_minor
    account.payment_terms_days = payment_terms_days
    account.discount_bp = discount_bp
    if region:
        account.region = region
    account.updated_at = dt.datetime.now(dt.UTC)
    uow.session.flush()
    uow.record_event(
        CREDIT_TERMS_SET,
        {
            "dealer_code": dealer_code,
            "region": account.region,
            "currency": account.currency,
            "credit_limit_minor": credit_limit_minor,
            "payment_terms_days": payment_terms_days,
            "discount_bp": discount_bp,
            "set_by": principal.subject,
        },
    )
    return _account_view(uow, account, today, policy)


# --- Matching money to invoices ---------------------------------------------------------------


def _open_invoices(uow: UnitOfWork, dealer_code: str) -> list[InvoiceRow]:
    return list(
        uow.session.scalars(
            select(InvoiceRow)
            .where(InvoiceRow.dealer_code == dealer_code, InvoiceRow.open_minor > 0)
            .order_by(InvoiceRow.due_on, InvoiceRow.issued_on, InvoiceRow.invoice_number)
        )
    )


def _allocate(
    uow: UnitOfWork,
    dealer_code: str,
    source_kind: str,
    source_reference: str,
    amount_minor: int,
    source_on: dt.date,
    preferred_invoice: str = "",
) -> receivables.Matching:
    """Apply money to the dealer's open invoices (the caller holds the account's lock)."""
    invoices = {row.invoice_number: row for row in _open_invoices(uow, dealer_code)}
    if preferred_invoice not in invoices:
        preferred_invoice = ""
    matching = receivables.match(
        amount_minor,
        [
            receivables.OpenInvoice(row.invoice_number, row.issued_on, row.due_on, row.open_minor)
            for row in invoices.values()
        ],
        preferred_invoice,
    )
    for allocation in matching.allocations:
        invoice = invoices[allocation.invoice_number]
        invoice.open_minor -= allocation.amount_minor
        uow.session.add(
            AllocationRow(
                dealer_code=dealer_code,
                invoice_number=invoice.invoice_number,
                source_kind=source_kind,
                source_reference=source_reference,
                amount_minor=allocation.amount_minor,
                applied_on=max(source_on, invoice.issued_on),
            )
        )
        if invoice.open_minor == 0:
            uow.record_event(
                INVOICE_SETTLED,
                {
                    "invoice_number": invoice.invoice_number,
                    "dealer_code": dealer_code,
                    "region": invoice.region,
                    "order_number": invoice.order_number,
                    "total_minor": invoice.total_minor,
                    "currency": invoice.currency,
                    "due_on": invoice.due_on.isoformat(),
                    "settled_on": max(source_on, invoice.issued_on).isoformat(),
                },
            )
    uow.session.flush()
    return matching


def _apply_money_on_account(uow: UnitOfWork, dealer_code: str) -> None:
    """Money received before the invoices it pays: applied, oldest first, once they exist."""
    sources: list[tuple[dt.date, str, str, PaymentRow | CreditNoteRow]] = [
        (row.received_on, PAYMENT, row.reference, row)
        for row in uow.session.scalars(
            select(PaymentRow).where(PaymentRow.dealer_code == dealer_code, PaymentRow.unapplied_minor > 0)
        )
    ]
    sources += [
        (row.issued_on, CREDIT_NOTE, row.credit_note_number, row)
        for row in uow.session.scalars(
            select(CreditNoteRow).where(CreditNoteRow.dealer_code == dealer_code, CreditNoteRow.unapplied_minor > 0)
        )
    ]
    for on, kind, reference, source in sorted(sources, key=lambda item: (item[0], item[1], item[2])):
        matching = _allocate(uow, dealer_code, kind, reference, source.unapplied_minor, on)
        source.unapplied_minor = matching.unapplied_minor
        if matching.unapplied_minor:
            break


def _allocations_by_source(
    uow: UnitOfWork, source_kind: str, sources: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], list[AllocationRow]]:
    """Where each payment or credit note of one kind, named by (dealer, reference), went, in one read."""
    found: dict[tuple[str, str], list[AllocationRow]] = {source: [] for source in sources}
    if found:
        for row in uow.session.scalars(
            select(AllocationRow)
            .where(
                AllocationRow.source_kind == source_kind,
                tuple_(AllocationRow.dealer_code, AllocationRow.source_reference).in_(list(found)),
            )
            .order_by(AllocationRow.id)
        ):
            found[(row.dealer_code, row.source_reference)].append(row)
    return found


def _allocations(uow: UnitOfWork, dealer_code: str, source_kind: str, reference: str) -> list[AllocationRow]:
    return _allocations_by_source(uow, source_kind, [(dealer_code, reference)])[(dealer_code, reference)]


def _check_invoice_of(uow: UnitOfWork, dealer_code: str, invoice_number: str) -> None:
    if (
        invoice_number
        and uow.session.scalars(
            select(InvoiceRow.invoice_number).where(
                InvoiceRow.invoice_number == invoice_number, InvoiceRow.dealer_code == dealer_code
            )
        ).first()
        is None
    ):
        raise ValidationFailed.one("invoice_number", f"no invoice {invoice_number} on {dealer_code}'s account")


# --- Invoices -------------------------------------------------------------------------------


def _open_account_for(uow: UnitOfWork, order: VehicleOrderRow) -> DealerAccountRow:
    """The dealer's account; the first car invoiced to a dealer opens it, without credit terms."""
    uow.session.execute(
        insert(DealerAccountRow.__table__)
        .values(dealer_code=order.dealer_code, region=order.region, currency=order.currency)
        .on_conflict_do_nothing()
    )
    return _account(uow, order.dealer_code, for_update=True)


def _invoice_lines(
    uow: UnitOfWork, order: VehicleOrderRow, discount_bp: int, on: dt.date
) -> list[receivables.InvoiceLine]:
    """The car at the price it was ordered at, split into the trim and its options as the catalogue prices them."""
    model = load_catalogue(uow, order.model_code).get(order.model_code)
    options = []
    name = order.model_code
    if model is not None:
        trim = model.trims.get(order.trim_code)
        colour = model.colours.get(order.colour_code)
        name = f"{model.name} {trim.name if trim else order.trim_code}, {colour.name if colour else order.colour_code}"
        options = [
            receivables.PricedOption(code, model.options[code].name, model.options[code].list_price_minor)
            for code in order.option_codes or ()
            if code in model.options
        ]
    if sum(option.list_price_minor for option in options) > order.list_price_minor:
        options = []
    vehicle_price = order.list_price_minor - sum(option.list_price_minor for option in options)
    rebates = [
        receivables.Rebate(row.code, row.description, row.amount_minor)
        for row in uow.session.scalars(
            select(RebateRow)
            .where(
                RebateRow.model_code == order.model_code,
                RebateRow.currency == order.currency,
                RebateRow.valid_from <= on,
                RebateRow.valid_to >= on,
            )
            .order_by(RebateRow.code)
        )
    ]
    description = f"{name} ({order.order_number}, VIN {order.vin})" if order.vin else f"{name} ({order.order_number})"
    return receivables.invoice_lines(description, vehicle_price, options, discount_bp, rebates)


def invoice_shipped_vehicle(uow: UnitOfWork, order_number: str, shipped_on: dt.date) -> InvoiceRow:
    """The invoice a car raises when it ships; the same car never raises a second one."""
    existing = uow.session.scalars(select(InvoiceRow).where(InvoiceRow.order_number == order_number)).first()
    if existing is not None:
        return existing
    order = uow.session.get(VehicleOrderRow, order_number)
    if order is None:
        raise NotFound(f"no order {order_number}")
    account = _open_account_for(uow, order)
    if account.currency != order.currency:
        raise Refused(
            f"{order_number} is priced in {order.currency} but {order.dealer_code}'s account is kept in "
            f"{account.currency}; HQ finance invoices it by hand"
        )
    lines = _invoice_lines(uow, order, account.discount_bp, shipped_on)
    total = sum(line.amount_minor for line in lines)
    sequence = uow.session.scalar(select(invoice_number_seq.next_value()))
    invoice = InvoiceRow(
        invoice_number=f"INV-{shipped_on.year}-{sequence:07d}",
        dealer_code=order.dealer_code,
        region=account.region or order.region,
        order_number=order_number,
        vin=order.vin,
        issued_on=shipped_on,
        due_on=receivables.due_on(shipped_on, account.payment_terms_days),
        currency=account.currency,
        total_minor=total,
        open_minor=total,
        lines=[
            {"kind": line.kind.value, "description": line.description, "amount_minor": line.amount_minor}
            for line in lines
        ],
        reminder_level=0,
    )
    uow.session.add(invoice)
    uow.session.flush()
    uow.record_event(
        INVOICE_ISSUED,
        {
            "invoice_number": invoice.invoice_number,
            "dealer_code": invoice.dealer_code,
            "region": invoice.region,
            "order_number": order_number,
            "vin": invoice.vin,
            "issued_on": invoice.issued_on.isoformat(),
            "due_on": invoice.due_on.isoformat(),
            "total_minor": total,
            "currency": invoice.currency,
        },
    )
    _apply_money_on_account(uow, order.dealer_code)
    return invoice


@dataclass(frozen=True)
class InvoiceView:
    invoice: InvoiceRow
    allocations: list[AllocationRow]
    days_overdue: int
    bucket: receivables.AgeingBucket


def _due_range(bucket: receivables.AgeingBucket, today: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """The earliest and latest due dates of an open invoice in `bucket` as at `today` (None: no bound)."""
    first, last = receivables.BUCKET_DAYS[bucket]
    earliest = today - dt.timedelta(days=last) if last is not None else None
    latest = today - dt.timedelta(days=first) if first > 0 else None
    return earliest, latest


def _invoice_views(uow: UnitOfWork, invoices: Sequence[InvoiceRow], today: dt.date) -> list[InvoiceView]:
    allocations: dict[str, list[AllocationRow]] = {row.invoice_number: [] for row in invoices}
    if invoices:
        for allocation in uow.session.scalars(
            select(AllocationRow).where(AllocationRow.invoice_number.in_(list(allocations))).order_by(AllocationRow.id)
        ):
            allocations[allocation.invoice_number].append(allocation)
    views = []
    for row in invoices:
        days = receivables.days_overdue(row.due_on, today) if row.open_minor else 0
        views.append(InvoiceView(row, allocations[row.invoice_number], days, receivables.bucket_of(days)))
    return views


def get_invoice(uow: UnitOfWork, principal: Principal, invoice_number: str, today: dt.date) -> InvoiceView:
    query = select(InvoiceRow).where(InvoiceRow.invoice_number == invoice_number)
    scoped = _scope(principal)
    if scoped is not None:
        query = query.where(InvoiceRow.dealer_code == scoped)
    row = uow.session.scalars(query).first()
    if row is None:
        raise NotFound(f"no invoice {invoice_number}")
    return _invoice_views(uow, [row], today)[0]


def list_invoices(
    uow: UnitOfWork,
    principal: Principal,
    today: dt.date,
    *,
    dealer_code: str = "",
    status: str = "",
    region: str = "",
    ageing_bucket: str = "",
    offset: int,
    limit: int,
) -> list[InvoiceView]:
    query = _visible(principal, dealer_code, InvoiceRow.dealer_code, select(InvoiceRow))
    if region:
        query = query.where(InvoiceRow.region == region)
    if status and status not in INVOICE_STATUSES:
        raise ValidationFailed.one("status", f"one of: {', '.join(INVOICE_STATUSES)}")
    if status == "paid":
        query = query.where(InvoiceRow.open_minor == 0)
    elif status in ("open", "overdue"):
        query = query.where(InvoiceRow.open_minor > 0)
    if status == "overdue":
        query = query.where(InvoiceRow.due_on < today)
    if ageing_bucket:
        try:
            bucket = receivables.AgeingBucket(ageing_bucket)
        except ValueError:
            known = ", ".join(item.value for item in receivables.AgeingBucket)
            raise ValidationFailed.one("ageing_bucket", f"one of: {known}") from None
        earliest, latest = _due_range(bucket, today)
        query = query.where(InvoiceRow.open_minor > 0)
        if earliest is not None:
            query = query.where(InvoiceRow.due_on >= earliest)
        if latest is not None:
            query = query.where(InvoiceRow.due_on <= latest)
    query = query.order_by(InvoiceRow.due_on, InvoiceRow.invoice_number).offset(offset).limit(limit)
    return _invoice_views(uow, list(uow.session.scalars(query)), today)


# --- Payments and credit notes --------------------------------------------------------------


@dataclass(frozen=True)
class PaymentView:
    payment: PaymentRow
    allocations: list[AllocationRow]
    replayed: bool = False


def _check_reference(reference: str, what: str = "the bank's reference of the transfer") -> str:
    reference = reference.strip()
    if not 1 <= len(reference) <= 64 or not reference.isprintable():
        raise ValidationFailed.one("reference", f"{what}: 1 to 64 printable characters")
    return reference


def _record_payment(
    uow: UnitOfWork,
    recorded_by: str,
    *,
    dealer_code: str,
    amount_minor: int,
    currency: str,
    received_on: dt.date,
    reference: str,
    invoice_number: str,
    today: dt.date,
) -> PaymentView:
    _check_amount(amount_minor)
    reference = _check_reference(reference)
    _check_not_future(received_on, today, "received_on")
    account = _account(uow, dealer_code, for_update=True)
    _check_currency(account, currency)
    existing = uow.session.scalars(
        select(PaymentRow).where(PaymentRow.dealer_code == dealer_code, PaymentRow.reference == reference)
    ).first()
    if existing is not None:
        if (existing.amount_minor, existing.received_on) != (amount_minor, received_on):
            raise Refused(
                f"the bank reference {reference} is already recorded for {dealer_code}: "
                f"{receivables.format_amount(existing.amount_minor, existing.currency)} {existing.currency} "
                f"received on {existing.received_on.isoformat()}"
            )
        return PaymentView(existing, _allocations(uow, dealer_code, PAYMENT, reference), replayed=True)
    _check_invoice_of(uow, dealer_code, invoice_number)
    payment = PaymentRow(
        dealer_code=dealer_code,
        reference=reference,
        amount_minor=amount_minor,
        currency=currency,
        received_on=received_on,
        unapplied_minor=amount_minor,
        recorded_by=recorded_by,
    )
    uow.session.add(payment)
    uow.session.flush()
    matching = _allocate(uow, dealer_code, PAYMENT, reference, amount_minor, received_on, invoice_number)
    payment.unapplied_minor = matching.unapplied_minor
    uow.record_event(
        PAYMENT_RECORDED,
        {
            "dealer_code": dealer_code,
            "region": account.region,
            "reference": reference,
            "amount_minor": amount_minor,
            "currency": currency,
            "received_on": received_on.isoformat(),
            "allocations": [
                {"invoice_number": item.invoice_number, "amount_minor": item.amount_minor}
                for item in matching.allocations
            ],
            "unapplied_minor": matching.unapplied_minor,
        },
    )
    return PaymentView(payment, _allocations(uow, dealer_code, PAYMENT, reference))


def record_payment(
    uow: UnitOfWork,
    principal: Principal,
    *,
    dealer_code: str,
    amount_minor: int,
    currency: str,
    received_on: str,
    reference: str,
    invoice_number: str,
    today: dt.date,
) -> PaymentView:
    _require_finance(principal, "records payments")
    return _record_payment(
        uow,
        principal.subject,
        dealer_code=dealer_code,
        amount_minor=amount_minor,
        currency=currency,
        received_on=parse_day(received_on, "received_on"),
        reference=reference,
        invoice_number=invoice_number,
        today=today,
    )


def import_payments(uow: UnitOfWork, principal: Principal, data: bytes, today: dt.date) -> list[PaymentView]:
    """A bank file: every line is checked before any is recorded; a line already recorded is not recorded twice."""
    _require_finance(principal, "imports payments")
    lines = receivables.parse_bank_file(data, today)
    accounts = {
        row.dealer_code: row
        for row in uow.session.scalars(
            select(DealerAccountRow).where(DealerAccountRow.dealer_code.in_({line.dealer_code for line in lines}))
        )
    }
    invoices = {
        (row.dealer_code, row.invoice_number)
        for row in uow.session.execute(
            select(InvoiceRow.dealer_code, InvoiceRow.invoice_number).where(
                InvoiceRow.invoice_number.in_({line.invoice_number for line in lines if line.invoice_number})
            )
        )
    }
    problems = []
    for line in lines:
        account = accounts.get(line.dealer_code)
        if account is None:
            problems.append(
                FieldViolation(f"line {line.line}: dealer_code", f"no account of dealer {line.dealer_code}")
            )
        elif line.currency != account.currency:
            problems.append(
                FieldViolation(
                    f"line {line.line}: currency",
                    f"{line.dealer_code}'s account is kept in {account.currency}, not {line.currency}",
                )
            )
        if line.invoice_number and (line.dealer_code, line.invoice_number) not in invoices:
            problems.append(
                FieldViolation(
                    f"line {line.line}: invoice_number",
                    f"no invoice {line.invoice_number} on {line.dealer_code}'s account",
                )
            )
    if problems:
        raise ValidationFailed(problems)
    recorded = {}
    # Accounts are locked in one order, so two imports never wait on each other in a circle.
    for line in sorted(lines, key=lambda item: (item.dealer_code, item.value_date, item.line)):
        try:
            recorded[line.line] = _record_payment(
                uow,
                principal.subject,
                dealer_code=line.dealer_code,
                amount_minor=line.amount_minor,
                currency=line.currency,
                received_on=line.value_date,
                reference=line.reference,
                invoice_number=line.invoice_number,
                today=today,
            )
        except (Refused, ValidationFailed) as exc:
            raise ValidationFailed.one(f"line {line.line}: reference", str(exc)) from exc
    return [recorded[number] for number in sorted(recorded)]


def list_payments(
    uow: UnitOfWork, principal: Principal, *, dealer_code: str = "", offset: int, limit: int
) -> list[PaymentView]:
    query = _visible(principal, dealer_code, PaymentRow.dealer_code, select(PaymentRow))
    rows = list(
        uow.session.scalars(
            query.order_by(PaymentRow.received_on.desc(), PaymentRow.id.desc()).offset(offset).limit(limit)
        )
    )
    allocations = _allocations_by_source(uow, PAYMENT, [(row.dealer_code, row.reference) for row in rows])
    return [PaymentView(row, allocations[(row.dealer_code, row.reference)]) for row in rows]


@dataclass(frozen=True)
class CreditNoteView:
    credit_note: CreditNoteRow
    allocations: list[AllocationRow]
    replayed: bool = False


def issue_credit_note(
    uow: UnitOfWork,
    principal: Principal,
    *,
    dealer_code: str,
    amount_minor: int,
    currency: str,
    kind: str,
    reason: str,
    invoice_number: str,
    reference: str,
    today: dt.date,
) -> CreditNoteView:
    """A credit to the dealer, once per claim or return it answers."""
    _require_finance(principal, "issues credit notes")
    _check_amount(amount_minor)
    if kind not in CREDIT_NOTE_KINDS:
        raise ValidationFailed.one("kind", f"one of: {', '.join(CREDIT_NOTE_KINDS)}")
    reason = receivables.check_reason(reason, "reason")
    reference = _check_reference(reference, "the claim or return the credit answers")
    account = _account(uow, dealer_code, for_update=True)
    _check_currency(account, currency)
    existing = uow.session.scalars(
        select(CreditNoteRow).where(CreditNoteRow.dealer_code == dealer_code, CreditNoteRow.reference == reference)
    ).first()
    if existing is not None:
        if (existing.amount_minor, existing.kind) != (amount_minor, kind):
            raise Refused(
                f"{reference} was already credited to {dealer_code} by {existing.credit_note_number}: "
                f"{existing.currency} {receivables.format_amount(existing.amount_minor, existing.currency)}"
            )
        number = existing.credit_note_number
        return CreditNoteView(existing, _allocations(uow, dealer_code, CREDIT_NOTE, number), replayed=True)
    _check_invoice_of(uow, dealer_code, invoice_number)
    sequence = uow.session.scalar(select(credit_note_number_seq.next_value()))
    note = CreditNoteRow(
        credit_note_number=f"CN-{today.year}-{sequence:07d}",
        dealer_code=dealer_code,
        reference=reference,
        kind=kind,
        reason=reason,
        amount_minor=amount_minor,
        currency=currency,
        issued_on=today,
        unapplied_minor=amount_minor,
        issued_by=principal.subject,
    )
    uow.session.add(note)
    uow.session.flush()
    matching = _allocate(uow, dealer_code, CREDIT_NOTE, note.credit_note_number, amount_minor, today, invoice_number)
    note.unapplied_minor = matching.unapplied_minor
    uow.record_event(
        CREDIT_NOTE_ISSUED,
        {
            "credit_note_number": note.credit_note_number,
            "reference": reference,
            "dealer_code": dealer_code,
            "region": account.region,
            "kind": kind,
            "amount_minor": amount_minor,
            "currency": currency,
            "issued_on": today.isoformat(),
            "allocations": [
                {"invoice_number": item.invoice_number, "amount_minor": item.amount_minor}
                for item in matching.allocations
            ],
            "unapplied_minor": matching.unapplied_minor,
        },
    )
    return CreditNoteView(note, _allocations(uow, dealer_code, CREDIT_NOTE, note.credit_note_number))


# --- Reminders ------------------------------------------------------------------------------


def send_reminders(uow: UnitOfWork, today: dt.date, policy: OverduePolicy) -> list[PaymentReminderRow]:
    """Remind each dealer of invoices newly past a reminder level; each level is sent once per invoice."""
    first = policy.reminder_days[0]
    invoices = {
        row.invoice_number: row
        for row in uow.session.scalars(
            select(InvoiceRow)
            .where(InvoiceRow.open_minor > 0, InvoiceRow.due_on <= today - dt.timedelta(days=first))
            .order_by(InvoiceRow.due_on, InvoiceRow.invoice_number)
            # Another replica's timer already reminding of an invoice: this one leaves it alone.
            .with_for_update(skip_locked=True)
        )
    }
    due = receivables.reminders_due(
        [
            receivables.OpenInvoice(row.invoice_number, row.issued_on, row.due_on, row.open_minor)
            for row in invoices.values()
        ],
        {number: row.reminder_level for number, row in invoices.items()},
        today,
        policy.reminder_days,
    )
    sent = []
    for reminder in due:
        invoice = invoices[reminder.invoice_number]
        held = bool(policy.hold_level) and reminder.level >= policy.hold_level
        row = PaymentReminderRow(
            invoice_number=invoice.invoice_number,
            dealer_code=invoice.dealer_code,
            level=reminder.level,
            days_overdue=reminder.days_overdue,
            open_minor=reminder.open_minor,
            currency=invoice.currency,
            due_on=invoice.due_on,
            orders_held=held,
        )
        uow.session.add(row)
        invoice.reminder_level = reminder.level
        uow.record_event(
            PAYMENT_REMINDER_SENT,
            {
                "invoice_number": invoice.invoice_number,
                "dealer_code": invoice.dealer_code,
                "region": invoice.region,
                "level": reminder.level,
                "days_overdue": reminder.days_overdue,
                "open_minor": reminder.open_minor,
                "currency": invoice.currency,
                "due_on": invoice.due_on.isoformat(),
                "orders_held": held,
            },
        )
        sent.append(row)
    uow.session.flush()
    return sent


def list_reminders(
    uow: UnitOfWork, principal: Principal, *, dealer_code: str = "", offset: int, limit: int
) -> list[PaymentReminderRow]:
    query = _visible(principal, dealer_code, PaymentReminderRow.dealer_code, select(PaymentReminderRow))
    query = query.order_by(PaymentReminderRow.sent_at.desc(), PaymentReminderRow.id.desc())
    return list(uow.session.scalars(query.offset(offset).limit(limit)))


# --- Statements, disputes, confirmations ----------------------------------------------------


@dataclass(frozen=True)
class StatementView:
    account: DealerAccountRow
    statement: receivables.Statement
    # Open at the period's end, oldest due first, with each invoice's total.
    open_items: list[tuple[receivables.OpenInvoice, int]]
    ageing: receivables.Ageing
    # (line kind, reference) -> the open dispute on it.
    disputes: dict[tuple[str, str], int]
    confirmation: StatementConfirmationRow | None


def _entries(uow: UnitOfWork, dealer_code: str, until: dt.date) -> list[receivables.Entry]:
    invoice = receivables.EntryKind.INVOICE
    entries = [
        receivables.Entry(
            invoice,
            row.invoice_number,
            row.issued_on,
            f"{row.order_number}" + (f", VIN {row.vin}" if row.vin else ""),
            row.total_minor,
        )
        for row in uow.session.execute(
            select(
                InvoiceRow.invoice_number,
                InvoiceRow.issued_on,
                InvoiceRow.order_number,
                InvoiceRow.vin,
                InvoiceRow.total_minor,
            ).where(InvoiceRow.dealer_code == dealer_code, InvoiceRow.issued_on <= until)
        )
    ]
    entries += [
        receivables.Entry(
            receivables.EntryKind.PAYMENT, row.reference, row.received_on, f"Payment {row.reference}", row.amount_minor
        )
        for row in uow.session.execute(
            select(PaymentRow.reference, PaymentRow.received_on, PaymentRow.amount_minor).where(
                PaymentRow.dealer_code == dealer_code, PaymentRow.received_on <= until
            )
        )
    ]
    entries += [
        receivables.Entry(
            receivables.EntryKind.CREDIT_NOTE,
            row.credit_note_number,
            row.issued_on,
            f"Credit note ({row.kind.replace('_', ' ')}): {row.reason}",
            row.amount_minor,
        )
        for row in uow.session.execute(
            select(
                CreditNoteRow.credit_note_number,
                CreditNoteRow.issued_on,
                CreditNoteRow.kind,
                CreditNoteRow.reason,
                CreditNoteRow.amount_minor,
            ).where(CreditNoteRow.dealer_code == dealer_code, CreditNoteRow.issued_on <= until)
        )
    ]
    return entries


def _statement(uow: UnitOfWork, account: DealerAccountRow, period_from: dt.date, period_to: dt.date) -> StatementView:
    code = account.dealer_code
    statement = receivables.build_statement(_entries(uow, code, period_to), period_from, period_to)
    invoices = uow.session.execute(
        select(InvoiceRow.invoice_number, InvoiceRow.issued_on, InvoiceRow.due_on, InvoiceRow.total_minor).where(
            InvoiceRow.dealer_code == code, InvoiceRow.issued_on <= period_to
        )
    ).all()
    applied = [
        receivables.Applied(row.invoice_number, row.amount_minor, row.applied_on)
        for row in uow.session.execute(
            select(AllocationRow.invoice_number, AllocationRow.amount_minor, AllocationRow.applied_on).where(
                AllocationRow.dealer_code == code, AllocationRow.applied_on <= period_to
            )
        )
    ]
    totals = {row.invoice_number: row.total_minor for row in invoices}
    items = receivables.open_items([tuple(row) for row in invoices], applied, period_to)
    disputes = {
        (row.line_kind, row.line_reference): row.id
        for row in uow.session.execute(
            select(StatementDisputeRow.line_kind, StatementDisputeRow.line_reference, StatementDisputeRow.id).where(
                StatementDisputeRow.dealer_code == code, StatementDisputeRow.status == OPEN
            )
        )
    }
    confirmation = uow.session.get(StatementConfirmationRow, (code, period_from, period_to))
    return StatementView(
        account=account,
        statement=statement,
        open_items=[(item, totals[item.invoice_number]) for item in items],
        ageing=receivables.ageing(items, period_to),
        disputes=disputes,
        confirmation=confirmation,
    )


def get_statement(
    uow: UnitOfWork, principal: Principal, dealer_code: str, period_from: str, period_to: str
) -> StatementView:
    scoped = _scope(principal, dealer_code)
    if scoped is None:
        raise ValidationFailed.one("dealer_code", "name the dealer whose statement to show")
    start, end = parse_day(period_from, "period_from"), parse_day(period_to, "period_to")
    return _statement(uow, _account(uow, scoped), start, end)


def _line_amount(uow: UnitOfWork, dealer_code: str, kind: str, reference: str) -> int | None:
    if kind == receivables.EntryKind.INVOICE.value:
        query = select(InvoiceRow.total_minor).where(
            InvoiceRow.dealer_code == dealer_code, InvoiceRow.invoice_number == reference
        )
    elif kind == PAYMENT:
        query = select(PaymentRow.amount_minor).where(
            PaymentRow.dealer_code == dealer_code, PaymentRow.reference == reference
        )
    else:
        query = select(CreditNoteRow.amount_minor).where(
            CreditNoteRow.dealer_code == dealer_code, CreditNoteRow.credit_note_number == reference
        )
    return uow.session.scalars(query).first()


def dispute_line(
    uow: UnitOfWork, principal: Principal, *, dealer_code: str, line_kind: str, line_reference: str, reason: str
) -> StatementDisputeRow:
    code = _require_dealer(principal, dealer_code, "disputes a line of its statement")
    account = _account(uow, code, for_update=True)
    if line_kind not in LINE_KINDS:
        raise ValidationFailed.one("line_kind", f"one of: {', '.join(LINE_KINDS)}")
    reason = receivables.check_reason(reason, "reason")
    amount = _line_amount(uow, code, line_kind, line_reference)
    if amount is None:
        raise ValidationFailed.one(
            "line_reference", f"no {line_kind.replace('_', ' ')} {line_reference} on {code}'s account"
        )
    open_one = uow.session.scalars(
        select(StatementDisputeRow.id).where(
            StatementDisputeRow.dealer_code == code,
            StatementDisputeRow.line_kind == line_kind,
            StatementDisputeRow.line_reference == line_reference,
            StatementDisputeRow.status == OPEN,
        )
    ).first()
    if open_one is not None:
        raise Refused(f"{line_reference} is already disputed (dispute {open_one}) and waits for HQ finance")
    dispute = StatementDisputeRow(
        dealer_code=code,
        region=account.region,
        line_kind=line_kind,
        line_reference=line_reference,
        amount_minor=amount,
        reason=reason,
        status=OPEN,
        raised_by=principal.subject,
    )
    uow.session.add(dispute)
    uow.session.flush()
    uow.record_event(
        LINE_DISPUTED,
        {
            "dispute_id": dispute.id,
            "dealer_code": code,
            "region": account.region,
            "line_kind": line_kind,
            "line_reference": line_reference,
            "amount_minor": amount,
            "currency": account.currency,
            "reason": reason,
        },
    )
    return dispute


def resolve_dispute(
    uow: UnitOfWork, principal: Principal, dispute_id: int, resolution: str, now: dt.datetime
) -> StatementDisputeRow:
    query = _visible(
        principal,
        "",
        StatementDisputeRow.dealer_code,
        select(StatementDisputeRow).where(StatementDisputeRow.id == dispute_id).with_for_update(),
    )
    dispute = uow.session.scalars(query).first()
    if dispute is None:
        raise NotFound(f"no dispute {dispute_id}")
    _require_finance(principal, "resolves disputes")
    resolution = receivables.check_reason(resolution, "resolution")
    if dispute.status != OPEN:
        raise Refused(f"dispute {dispute_id} was already resolved by {dispute.resolved_by}")
    dispute.status = RESOLVED
    dispute.resolution = resolution
    dispute.resolved_by = principal.subject
    dispute.resolved_at = now
    uow.session.flush()
    uow.record_event(
        DISPUTE_RESOLVED,
        {
            "dispute_id": dispute.id,
            "dealer_code": dispute.dealer_code,
            "region": dispute.region,
            "line_kind": dispute.line_kind,
            "line_reference": dispute.line_reference,
            "resolution": resolution,
        },
    )
    return dispute


def list_disputes(
    uow: UnitOfWork,
    principal: Principal,
    *,
    dealer_code: str = "",
    status: str = "",
    region: str = "",
    offset: int,
    limit: int,
) -> list[StatementDisputeRow]:
    query = _visible(principal, dealer_code, StatementDisputeRow.dealer_code, select(StatementDisputeRow))
    if status:
        if status not in (OPEN, RESOLVED):
            raise ValidationFailed.one("status", f"one of: {OPEN}, {RESOLVED}")
        query = query.where(StatementDisputeRow.status == status)
    if region:
        query = query.where(StatementDisputeRow.region == region)
    query = query.order_by(StatementDisputeRow.raised_at.desc(), StatementDisputeRow.id.desc())
    return list(uow.session.scalars(query.offset(offset).limit(limit)))


def confirm_statement(
    uow: UnitOfWork,
    principal: Principal,
    *,
    dealer_code: str,
    period_from: str,
    period_to: str,
    closing_balance_minor: int,
    today: dt.date,
    now: dt.datetime,
) -> StatementConfirmationRow:
    """The dealer agrees with its statement for a period, as it saw it."""
    code = _require_dealer(principal, dealer_code, "confirms its statement")
    start, end = parse_day(period_from, "period_from"), parse_day(period_to, "period_to")
    if end >= today:
        raise ValidationFailed.one(
            "period_to", "a period is confirmed once it has ended: end it yesterday at the latest"
        )
    account = _account(uow, code, for_update=True)
    view = _statement(uow, account, start, end)
    closing = view.statement.closing_balance_minor
    if closing != closing_balance_minor:
        currency = account.currency
        raise Refused(
            f"the statement changed since it was read: its closing balance is now "
            f"{currency} {receivables.format_amount(closing, currency)}, not "
            f"{currency} {receivables.format_amount(closing_balance_minor, currency)}; read it again"
        )
    table = StatementConfirmationRow.__table__
    uow.session.execute(
        insert(table)
        .values(
            dealer_code=code,
            period_from=start,
            period_to=end,
            region=account.region,
            closing_balance_minor=closing,
            confirmed_by=principal.subject,
            confirmed_at=now,
        )
        .on_conflict_do_update(
            index_elements=[table.c.dealer_code, table.c.period_from, table.c.period_to],
            set_={"closing_balance_minor": closing, "confirmed_by": principal.subject, "confirmed_at": now},
        )
    )
    confirmation = uow.session.get(StatementConfirmationRow, (code, start, end), populate_existing=True)
    assert confirmation is not None
    uow.record_event(
        STATEMENT_CONFIRMED,
        {
            "dealer_code": code,
            "region": account.region,
            "period_from": start.isoformat(),
            "period_to": end.isoformat(),
            "closing_balance_minor": closing,
            "currency": account.currency,
            "open_disputes": len(view.disputes),
        },
    )
    return confirmation


def list_confirmations(
    uow: UnitOfWork, principal: Principal, *, dealer_code: str = "", region: str = "", offset: int, limit: int
) -> list[StatementConfirmationRow]:
    query = _visible(principal, dealer_code, StatementConfirmationRow.dealer_code, select(StatementConfirmationRow))
    if region:
        query = query.where(StatementConfirmationRow.region == region)
    query = query.order_by(StatementConfirmationRow.confirmed_at.desc(), StatementConfirmationRow.dealer_code)
    return list(uow.session.scalars(query.offset(offset).limit(limit)))


# --- Credit in order review -------------------------------------------------------------------


@dataclass(frozen=True)
class CreditCheckView:
    order: VehicleOrderRow
    account: AccountView | None
    committed_others_minor: int
    decision: receivables.CreditDecision | None
    override: CreditOverrideRow | None


def _credit_check(
    uow: UnitOfWork, order: VehicleOrderRow, today: dt.date, policy: OverduePolicy, *, lock: bool
) -> CreditCheckView:
    query = select(DealerAccountRow).where(DealerAccountRow.dealer_code == order.dealer_code)
    account = uow.session.scalars(query.with_for_update() if lock else query).first()
    override = uow.session.get(CreditOverrideRow, order.order_number)
    if account is None:
        return CreditCheckView(order, None, 0, None, override)
    view = _account_view(uow, account, today, policy)
    own = order.list_price_minor if order.status in _COMMITTED else 0
    committed = view.committed_minor - own
    position = receivables.CreditPosition(
        credit_limit_minor=account.credit_limit_minor,
        balance_minor=view.balance_minor,
        committed_minor=committed,
        reminder_level=view.reminder_level,
    )
    decision = receivables.credit_decision(
        position,
        order.list_price_minor,
        account.currency,
        policy.hold_level,
        dealer_code=order.dealer_code,
        levels=policy.reminder_days,
    )
    return CreditCheckView(order, view, committed, decision, override)


def check_credit(
    uow: UnitOfWork, principal: Principal, order_number: str, today: dt.date, policy: OverduePolicy
) -> CreditCheckView:
    if principal.role not in (Role.HQ, Role.OPS):
        raise Refused("only headquarters reviews a dealer's credit")
    order = uow.session.get(VehicleOrderRow, order_number)
    if order is None:
        raise NotFound(f"no order {order_number}")
    return _credit_check(uow, order, today, policy, lock=False)


def clear_for_approval(
    uow: UnitOfWork,
    principal: Principal,
    order: VehicleOrderRow,
    override_reason: str,
    today: dt.date,
    policy: OverduePolicy,
) -> dict[str, Any] | None:
    """Let an order through credit review: refused with the figures when its dealer's credit
    holds it, unless HQ gives a reason, which is kept. The override, if one was needed."""
    check = _credit_check(uow, order, today, policy, lock=True)
    if check.decision is None or not check.decision.held:
        return None
    if not override_reason.strip():
        raise Refused(" ".join(check.decision.reasons) + " To approve it all the same, give a credit override reason.")
    reason = receivables.check_reason(override_reason, "credit_override_reason")
    table = CreditOverrideRow.__table__
    held_for = list(check.decision.reasons)
    uow.session.execute(
        insert(table)
        .values(order_number=order.order_number, reason=reason, held_for=held_for, approved_by=principal.subject)
        .on_conflict_do_update(
            index_elements=[table.c.order_number],
            set_={"reason": reason, "held_for": held_for, "approved_by": principal.subject, "approved_at": func.now()},
        )
    )
    return {"reason": reason, "held_for": held_for, "approved_by": principal.subject}
