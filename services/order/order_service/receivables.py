"""A dealer's account with the maker: invoices, payments, ageing, reminders and the credit rule, in plain Python.

Money is an int of minor units of its currency, never a float; text is read through
`decimal.Decimal`. Every date ("today", "as of") is passed in, so the rules read the clock
the caller controls. Nothing here touches the database or the network: the use cases fetch
the account's invoices and payments, ask these functions, and store what they answer.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from itertools import pairwise

from plumbing.csv_files import CsvFileProblem, read_csv_file
from plumbing.errors import FieldViolation, Refused, ValidationFailed
from plumbing.money import CURRENCY_EXPONENTS, format_amount

MAX_REASON_LENGTH = 500
DEFAULT_REMINDER_DAYS = (7, 30, 60)
BANK_FILE_COLUMNS = ("value_date", "dealer_code", "amount", "currency", "reference", "invoice_number")
MAX_BANK_FILE_ROWS = 10_000
_MAX_REFERENCE_LENGTH = 64
# A statement is read by a person: a year (a leap year's 366 days) at most.
_MAX_STATEMENT_DAYS = 366
_BASIS_POINTS = 10_000
# Fifteen whole digits are a thousand trillion units of any currency: more is a typing error,
# and the minor units still fit a PostgreSQL BIGINT.
_MAX_WHOLE_DIGITS = 15
_AMOUNT = re.compile(r"([0-9]+)(?:\.([0-9]+))?")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


# --- Money -------------------------------------------------------------------------------


def parse_amount(text: str, currency: str, field: str = "amount") -> int:
    """The minor units of a positive amount written with a dot and no more decimals than the currency has.

    Commas are refused rather than guessed at: "1,234" is a thousand in one country and one
    point two in another, and bank files write plain numbers.
    """
    if currency not in CURRENCY_EXPONENTS:
        known = ", ".join(sorted(CURRENCY_EXPONENTS))
        raise ValidationFailed.one(field, f"unknown currency '{currency}' (known: {known})")
    exponent = CURRENCY_EXPONENTS[currency]
    written = text.strip()
    if not written:
        raise ValidationFailed.one(field, "give the amount")
    if "," in written:
        raise ValidationFailed.one(field, f"'{written}' has a comma; write the amount with a dot and no separators")
    if written.startswith("-"):
        raise ValidationFailed.one(field, f"'{written}' is negative; the amount must be more than zero")
    found = _AMOUNT.fullmatch(written)
    if found is None:
        raise ValidationFailed.one(field, f"'{written}' is not an amount such as 1234.50")
    whole, decimals = found.group(1), found.group(2) or ""
    if len(decimals) > exponent:
        allowed = f"at most {exponent} decimals" if exponent else "no decimals"
        raise ValidationFailed.one(
            field, f"'{written}' has {len(decimals)} decimals; {currency} amounts have {allowed}"
        )
    if len(whole.lstrip("0")) > _MAX_WHOLE_DIGITS:
        raise ValidationFailed.one(field, f"'{written}' is too large for an amount")
    minor = int(Decimal(written).scaleb(exponent))
    if minor <= 0:
        raise ValidationFailed.one(field, "the amount must be more than zero")
    return minor


def _money(minor: int, currency: str) -> str:
    """An amount in a sentence for people: "CNY 1,250,000.00"."""
    return f"{currency} {format_amount(minor, currency, grouped=True)}"


def check_reason(text: str, field: str) -> str:
    """A reason a person gives (a dispute, a credit note, approving over the limit): said, and not an essay."""
    reason = text.strip()
    if not reason:
        raise ValidationFailed.one(field, "give the reason")
    if len(reason) > MAX_REASON_LENGTH:
        raise ValidationFailed.one(field, f"must be at most {MAX_REASON_LENGTH} characters")
    return reason


# --- Invoicing a car ---------------------------------------------------------------------


class LineKind(StrEnum):
    VEHICLE = "vehicle"
    OPTION = "option"
    DISCOUNT = "discount"
    REBATE = "rebate"


@dataclass(frozen=True)
class InvoiceLine:
    """One line of a car's invoice; discount and rebate lines are negative."""

    kind: LineKind
    description: str
    amount_minor: int


@dataclass(frozen=True)
class PricedOption:
    code: str
    name: str
    list_price_minor: int


@dataclass(frozen=True)
class Rebate:
    """An amount the maker takes off the price of each car, e.g. a campaign on a model."""

    code: str
    description: str
    amount_minor: int


def _percent(basis_points: int) -> str:
    return f"{basis_points // 100}.{basis_points % 100:02d}%"


def invoice_lines(
    vehicle_description: str,
    vehicle_price_minor: int,
    options: Sequence[PricedOption],
    dealer_discount_bp: int,
    rebates: Sequence[Rebate],
) -> list[InvoiceLine]:
    """The lines of one car's invoice to its dealer.

    The dealer's discount is taken off the list price of the car with its options, rounded
    half up to the minor unit. Rebates come off after it, in the order given; the maker does
    not pay a dealer to take a car, so a rebate larger than what is left of the price is cut
    to it (and its line says so) and the total is never below zero.
    """
    if not 0 <= dealer_discount_bp <= _BASIS_POINTS:
        raise ValueError(f"the dealer discount must be between 0 and {_BASIS_POINTS} basis points")
    if vehicle_price_minor < 0 or any(option.list_price_minor < 0 for option in options):
        raise ValueError("list prices cannot be negative")
    if any(rebate.amount_minor < 0 for rebate in rebates):
        raise ValueError("a rebate is an amount taken off; it cannot be negative")
    lines = [InvoiceLine(LineKind.VEHICLE, vehicle_description, vehicle_price_minor)]
    lines.extend(
        InvoiceLine(LineKind.OPTION, f"{option.name} ({option.code})", option.list_price_minor) for option in options
    )
    gross = vehicle_price_minor + sum(option.list_price_minor for option in options)
    remaining = gross
    if dealer_discount_bp > 0:
        discount = (gross * dealer_discount_bp + _BASIS_POINTS // 2) // _BASIS_POINTS
        lines.append(InvoiceLine(LineKind.DISCOUNT, f"Dealer discount {_percent(dealer_discount_bp)}", -discount))
        remaining -= discount
    for rebate in rebates:
        taken = min(rebate.amount_minor, remaining)
        description = f"{rebate.description} ({rebate.code})"
        if taken < rebate.amount_minor:
            description += ", capped at what is left of the price"
        lines.append(InvoiceLine(LineKind.REBATE, description, -taken))
        remaining -= taken
    return lines


def due_on(issued_on: dt.date, payment_terms_days: int) -> dt.date:
    if payment_terms_days < 0:
        raise ValueError("payment terms cannot be negative")
    return issued_on + dt.timedelta(days=payment_terms_days)


# --- Matching a payment to invoices ------------------------------------------------------


@dataclass(frozen=True)
class OpenInvoice:
    invoice_number: str
    issued_on: dt.date
    due_on: dt.date
    open_minor: int


@dataclass(frozen=True)
class Allocation:
    invoice_number: str
    amount_minor: int


@dataclass(frozen=True)
class Matching:
    allocations: tuple[Allocation, ...]
    # Money on account, in the dealer's favour.
    unapplied_minor: int


def _oldest_due_first(invoice: OpenInvoice) -> tuple[dt.date, dt.date, str]:
    return invoice.due_on, invoice.issued_on, invoice.invoice_number


def match(amount_minor: int, open_invoices: Sequence[OpenInvoice], preferred_invoice: str = "") -> Matching:
    """How a payment settles the dealer's open invoices.

    The invoice the dealer named on the payment is paid first, as far as the payment goes;
    the rest settles the others oldest due first, since those are the ones that draw
    reminders and hold orders. Part payment of an invoice is normal. What is left stays on
    the account in the dealer's favour.
    """
    if amount_minor <= 0:
        raise ValueError("a payment must be more than zero")
    open_ones = [invoice for invoice in open_invoices if invoice.open_minor > 0]
    ordered = sorted(open_ones, key=_oldest_due_first)
    if preferred_invoice:
        preferred = [invoice for invoice in ordered if invoice.invoice_number == preferred_invoice]
        if not preferred:
            raise Refused(f"{preferred_invoice} is not an open invoice of this account")
        ordered = preferred + [invoice for invoice in ordered if invoice.invoice_number != preferred_invoice]
    left = amount_minor
    allocations = []
    for invoice in ordered:
        if not left:
            break
        paid = min(left, invoice.open_minor)
        allocations.append(Allocation(invoice.invoice_number, paid))
        left -= paid
    return Matching(tuple(allocations), left)


# --- Ageing ------------------------------------------------------------------------------


class AgeingBucket(StrEnum):
    CURRENT = "current"
    DAYS_1_30 = "1-30"
    DAYS_31_60 = "31-60"
    DAYS_61_90 = "61-90"
    OVER_90 = "90+"


def days_overdue(due: dt.date, as_of: dt.date) -> int:
    """Whole days past the due date; an invoice paid on its due day is on time."""
    return max(0, (as_of - due).days)


# The days overdue each bucket holds, from its first day to its last (None: no last day),
# and the Ageing field it adds up in. The database's ageing reads the same table.
BUCKET_DAYS: dict[AgeingBucket, tuple[int, int | None]] = {
    AgeingBucket.CURRENT: (0, 0),
    AgeingBucket.DAYS_1_30: (1, 30),
    AgeingBucket.DAYS_31_60: (31, 60),
    AgeingBucket.DAYS_61_90: (61, 90),
    AgeingBucket.OVER_90: (91, None),
}
BUCKET_FIELDS: dict[AgeingBucket, str] = {
    AgeingBucket.CURRENT: "current",
    AgeingBucket.DAYS_1_30: "days_1_30",
    AgeingBucket.DAYS_31_60: "days_31_60",
    AgeingBucket.DAYS_61_90: "days_61_90",
    AgeingBucket.OVER_90: "over_90",
}


def bucket_of(days_overdue: int) -> AgeingBucket:
    if days_overdue < 0:
        raise ValueError("days overdue cannot be negative")
    return next(bucket for bucket, (_, last) in BUCKET_DAYS.items() if last is None or days_overdue <= last)


@dataclass(frozen=True)
class Ageing:
    """What a dealer owes, by how late it is."""

    current: int = 0
    days_1_30: int = 0
    days_31_60: int = 0
    days_61_90: int = 0
    over_90: int = 0

    @property
    def total(self) -> int:
        return self.current + self.days_1_30 + self.days_31_60 + self.days_61_90 + self.over_90

    def added(self, other: Ageing) -> Ageing:
        """Both together: dealers roll up to a region, regions to the channel."""
        return Ageing(
            current=self.current + other.current,
            days_1_30=self.days_1_30 + other.days_1_30,
            days_31_60=self.days_31_60 + other.days_31_60,
            days_61_90=self.days_61_90 + other.days_61_90,
            over_90=self.over_90 + other.over_90,
        )


def ageing(open_invoices: Iterable[OpenInvoice], as_of: dt.date) -> Ageing:
    sums: dict[AgeingBucket, int] = defaultdict(int)
    for invoice in open_invoices:
        sums[bucket_of(days_overdue(invoice.due_on, as_of))] += invoice.open_minor
    return Ageing(**{field: sums[bucket] for bucket, field in BUCKET_FIELDS.items()})


# --- Reminders ---------------------------------------------------------------------------


def _check_levels(levels: Sequence[int]) -> None:
    if not levels:
        raise ValueError("give at least one reminder level, e.g. 7,30,60")
    if levels[0] <= 0:
        raise ValueError(f"reminder levels are days overdue and must be more than zero, not {levels[0]}")
    for before, after in pairwise(levels):
        if after <= before:
            raise ValueError(f"reminder levels must be strictly increasing: {after} follows {before}")


def parse_reminder_days(text: str) -> tuple[int, ...]:
    """The days overdue at which each reminder level is reached, written "7,30,60"; empty for the default."""
    written = text.strip()
    if not written:
        return DEFAULT_REMINDER_DAYS
    levels = []
    for position, part in enumerate(written.split(","), start=1):
        value = part.strip()
        if not value.isascii() or not value.isdigit():
            raise ValueError(
                f"reminder days must be whole numbers of days separated by commas, e.g. 7,30,60; "
                f"value {position} is '{value}'"
            )
        levels.append(int(value))
    _check_levels(levels)
    return tuple(levels)


def reminder_level(days_overdue: int, levels: Sequence[int]) -> int:
    """The highest level whose days the invoice has reached; 0 before the first."""
    _check_levels(levels)
    return sum(1 for days in levels if days_overdue >= days)


@dataclass(frozen=True)
class Reminder:
    invoice_number: str
    level: int
    days_overdue: int
    open_minor: int


def reminders_due(
    open_invoices: Sequence[OpenInvoice], sent_levels: Mapping[str, int], as_of: dt.date, levels: Sequence[int]
) -> list[Reminder]:
    """The reminders to send today, oldest due first.

    One per invoice that reached a level above the highest already sent for it, at the level
    it is at today: a dealer whose invoice is first seen 65 days late gets the last reminder,
    not three letters at once, and a day without a new level sends nothing again.
    """
    _check_levels(levels)
    due = []
    for invoice in sorted(open_invoices, key=_oldest_due_first):
        if invoice.open_minor <= 0:
            continue
        late = days_overdue(invoice.due_on, as_of)
        level = reminder_level(late, levels)
        if level > sent_levels.get(invoice.invoice_number, 0):
            due.append(Reminder(invoice.invoice_number, level, late, invoice.open_minor))
    return due


# --- Credit ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CreditPosition:
    # None: no credit terms are set and the limit is not checked.
    credit_limit_minor: int | None
    # What the dealer owes now; negative when money is on account.
    balance_minor: int
    # Approved orders not yet invoiced.
    committed_minor: int
    # The highest reminder level among the dealer's open invoices.
    reminder_level: int


@dataclass(frozen=True)
class CreditDecision:
    held: bool
    reasons: tuple[str, ...]
    used_after_minor: int
    available_before_minor: int | None


def _capitalised(sentence: str) -> str:
    return sentence[:1].upper() + sentence[1:]


def credit_decision(
    position: CreditPosition,
    order_value_minor: int,
    currency: str,
    hold_level: int,
    *,
    dealer_code: str = "",
    levels: Sequence[int] = DEFAULT_REMINDER_DAYS,
) -> CreditDecision:
    """Whether HQ's review holds an order for the dealer's credit, and why, with the figures.

    An order is held when it would take the credit used (balance, approved orders not yet
    invoiced, and this order) above the limit, and when the dealer has invoices at or past
    `hold_level` of reminders; a hold level of 0 switches the second check off. Exactly at
    the limit is within it. `dealer_code` names the dealer in the reasons ("the dealer"
    without it); `levels` are the reminder days, to say how late the invoices are.
    """
    if order_value_minor < 0:
        raise ValueError("an order's value cannot be negative")
    who = dealer_code or "the dealer"
    limit = position.credit_limit_minor
    used_before = position.balance_minor + position.committed_minor
    used_after = used_before + order_value_minor
    available_before = None if limit is None else limit - used_before
    reasons = []
    if limit is not None and available_before is not None and used_after > limit:
        if available_before >= 0:
            before = f"{_money(available_before, currency)} available"
        else:
            before = f"already {_money(-available_before, currency)} over the limit"
        reasons.append(
            f"The order would take {who}'s credit used to {_money(used_after, currency)} against a limit of "
            f"{_money(limit, currency)} ({before} before this order of {_money(order_value_minor, currency)})"
        )
    if hold_level > 0 and position.reminder_level >= hold_level:
        level = position.reminder_level
        late = f" ({levels[level - 1]} days overdue or more)" if 0 < level <= len(levels) else ""
        reasons.append(
            _capitalised(f"{who} has invoices at reminder level {level}{late}; new orders are held until they are paid")
        )
    return CreditDecision(
        held=bool(reasons),
        reasons=tuple(reasons),
        used_after_minor=used_after,
        available_before_minor=available_before,
    )


# --- Statement ---------------------------------------------------------------------------


class EntryKind(StrEnum):
    INVOICE = "invoice"
    PAYMENT = "payment"
    CREDIT_NOTE = "credit_note"


@dataclass(frozen=True)
class Entry:
    """One movement on the account; the amount is positive and the kind says which side it is on."""

    kind: EntryKind
    reference: str
    on: dt.date
    description: str
    amount_minor: int


@dataclass(frozen=True)
class StatementLine:
    entry: Entry
    debit_minor: int
    credit_minor: int
    balance_minor: int


@dataclass(frozen=True)
class Statement:
    period_from: dt.date
    period_to: dt.date
    opening_balance_minor: int
    lines: tuple[StatementLine, ...]
    total_debit_minor: int
    total_credit_minor: int
    closing_balance_minor: int


# On one day, what is charged is shown before what settles it.
_SAME_DAY_ORDER = {EntryKind.INVOICE: 0, EntryKind.CREDIT_NOTE: 1, EntryKind.PAYMENT: 2}


def _signed(entry: Entry) -> int:
    if entry.amount_minor <= 0:
        raise ValueError(f"{entry.kind} {entry.reference} has the amount {entry.amount_minor}; amounts are positive")
    return entry.amount_minor if entry.kind is EntryKind.INVOICE else -entry.amount_minor


def build_statement(entries: Iterable[Entry], period_from: dt.date, period_to: dt.date) -> Statement:
    """The dealer's statement of account for a period, both ends included.

    What happened before the period is its opening balance; what happens after it is left
    out, so a statement printed again later reads the same.
    """
    if period_to < period_from:
        raise ValidationFailed.one("period_to", f"{period_to} is before the start of the period, {period_from}")
    days = (period_to - period_from).days + 1
    if days > _MAX_STATEMENT_DAYS:
        raise ValidationFailed.one(
            "period_from", f"the period has {days} days; a statement covers at most {_MAX_STATEMENT_DAYS}"
        )
    opening = 0
    within = []
    for entry in entries:
        signed = _signed(entry)
        if entry.on < period_from:
            opening += signed
        elif entry.on <= period_to:
            within.append(entry)
    within.sort(key=lambda entry: (entry.on, _SAME_DAY_ORDER[entry.kind], entry.reference))
    balance = opening
    lines = []
    for entry in within:
        debit = entry.amount_minor if entry.kind is EntryKind.INVOICE else 0
        credit = 0 if debit else entry.amount_minor
        balance += debit - credit
        lines.append(StatementLine(entry, debit, credit, balance))
    total_debit = sum(line.debit_minor for line in lines)
    total_credit = sum(line.credit_minor for line in lines)
    closing = opening + total_debit - total_credit
    assert closing == balance, "the running balance must end at the closing balance"
    return Statement(
        period_from=period_from,
        period_to=period_to,
        opening_balance_minor=opening,
        lines=tuple(lines),
        total_debit_minor=total_debit,
        total_credit_minor=total_credit,
        closing_balance_minor=closing,
    )


# --- Open items --------------------------------------------------------------------------


@dataclass(frozen=True)
class Applied:
    """Part of a payment or credit note applied to an invoice on a day."""

    invoice_number: str
    amount_minor: int
    on: dt.date


def open_items(
    invoices: Sequence[tuple[str, dt.date, dt.date, int]], applied: Iterable[Applied], as_of: dt.date
) -> list[OpenInvoice]:
    """The invoices open at the end of `as_of`, oldest due first, as they stood then.

    `invoices` are (number, issued_on, due_on, total). Applications to invoices not given
    are not counted: the caller may ask about some of an account's invoices only.
    """
    settled: dict[str, int] = defaultdict(int)
    for application in applied:
        if application.on <= as_of:
            settled[application.invoice_number] += application.amount_minor
    still_open = []
    for number, issued_on, due, total in invoices:
        if issued_on > as_of:
            continue
        left = total - settled[number]
        if left > 0:
            still_open.append(OpenInvoice(number, issued_on, due, left))
    return sorted(still_open, key=_oldest_due_first)


# --- Bank file ---------------------------------------------------------------------------


@dataclass(frozen=True)
class BankPayment:
    # The line of the file, as a spreadsheet numbers it (the header is line 1).
    line: int
    value_date: dt.date
    dealer_code: str
    amount_minor: int
    currency: str
    reference: str
    invoice_number: str


def _file_problem(message: str) -> ValidationFailed:
    return ValidationFailed.one("file", message)


def _header_problems(names: list[str]) -> list[FieldViolation]:
    columns = [name.strip() for name in names]
    problems = []
    unknown = [name for name in columns if name not in BANK_FILE_COLUMNS]
    if unknown:
        problems.append(f"unknown column {', '.join(repr(name) for name in unknown)}")
    missing = [name for name in BANK_FILE_COLUMNS if name not in columns]
    if missing:
        problems.append(f"missing column {', '.join(missing)}")
    repeated = sorted({name for name in columns if columns.count(name) > 1})
    if repeated:
        problems.append(f"column {', '.join(repeated)} appears more than once")
    return [
        FieldViolation("line 1: header", f"{problem}; the columns are {','.join(BANK_FILE_COLUMNS)}")
        for problem in problems
    ]


def _row_payment(
    line: int, cells: dict[str, str], today: dt.date, problems: list[FieldViolation]
) -> BankPayment | None:
    def problem(column: str, message: str) -> None:
        problems.append(FieldViolation(f"line {line}: {column}", message))

    found = len(problems)
    value_date: dt.date | None = None
    written_date = cells["value_date"].strip()
    if not _ISO_DATE.fullmatch(written_date):
        problem("value_date", f"'{written_date}' is not a date written year-month-day, e.g. 2027-03-31")
    else:
        try:
            value_date = dt.date.fromisoformat(written_date)
        except ValueError:
            problem("value_date", f"{written_date} is not a day of the calendar")
    if value_date is not None and value_date > today:
        problem("value_date", f"{value_date} is after today ({today}); the file lists payments received")
    dealer_code = cells["dealer_code"].strip()
    if not dealer_code:
        problem("dealer_code", "give the dealer's code")
    currency = cells["currency"].strip()
    amount = 0
    if currency not in CURRENCY_EXPONENTS:
        problem("currency", f"unknown currency '{currency}' (known: {', '.join(sorted(CURRENCY_EXPONENTS))})")
    else:
        try:
            amount = parse_amount(cells["amount"], currency, field=f"line {line}: amount")
        except ValidationFailed as exc:
            problems.extend(exc.violations)
    reference = cells["reference"].strip()
    if not reference:
        problem("reference", "give the bank's reference of the transfer")
    elif len(reference) > _MAX_REFERENCE_LENGTH:
        problem("reference", f"must be at most {_MAX_REFERENCE_LENGTH} characters")
    elif not reference.isprintable():
        problem("reference", "may hold only printable characters")
    if len(problems) > found or value_date is None:
        return None
    return BankPayment(line, value_date, dealer_code, amount, currency, reference, cells["invoice_number"].strip())


def parse_bank_file(data: bytes, today: dt.date) -> list[BankPayment]:
    """The payments of a bank's CSV file, or every problem of the file at once.

    The file is value_date,dealer_code,amount,currency,reference,invoice_number with that
    header, UTF-8 (a spreadsheet's byte order mark is fine). Each problem is named "line N:
    column" with lines as a spreadsheet numbers them, so the person who exported the file
    can find it. Nothing of a file with a problem is taken: a half-imported bank file is
    harder to put right than one imported again. Lines with no value at all are skipped.
    """
    try:
        found = read_csv_file(data, max_rows=MAX_BANK_FILE_ROWS, rows_are="payments")
    except CsvFileProblem as exc:
        raise _file_problem(str(exc)) from None
    header_problems = _header_problems(found.header)
    if header_problems:
        raise ValidationFailed(header_problems)
    columns = [name.strip() for name in found.header]
    rows = found.rows
    problems: list[FieldViolation] = []
    payments = []
    first_line_of: dict[str, int] = {}
    for line, values in rows:
        if len(values) != len(columns):
            problems.append(
                FieldViolation(f"line {line}", f"has {len(values)} values but the header names {len(columns)} columns")
            )
            continue
        cells = dict(zip(columns, values, strict=True))
        payment = _row_payment(line, cells, today, problems)
        if payment is not None:
            payments.append(payment)
        reference = cells["reference"].strip()
        if reference in first_line_of:
            problems.append(
                FieldViolation(f"line {line}: reference", f"{reference} is already on line {first_line_of[reference]}")
            )
        elif reference:
            first_line_of[reference] = line
    if problems:
        raise ValidationFailed(problems)
    return payments
