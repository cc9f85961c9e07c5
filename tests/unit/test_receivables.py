"""The dealer's account: amounts, invoice lines, matching, ageing, reminders, credit, statements, bank files."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from order_service import receivables as r
from order_service.receivables import (
    Ageing,
    AgeingBucket,
    Allocation,
    Applied,
    CreditPosition,
    Entry,
    EntryKind,
    InvoiceLine,
    LineKind,
    OpenInvoice,
    PricedOption,
    Rebate,
    Reminder,
)
from plumbing.errors import FieldViolation, Refused, ValidationFailed

TODAY = dt.date(2027, 4, 1)
D = dt.date


def _fields(exc: ValidationFailed) -> list[str]:
    return [violation.field for violation in exc.violations]


def _invoice(number: str, due: dt.date, open_minor: int, issued: dt.date | None = None) -> OpenInvoice:
    return OpenInvoice(number, issued or due - dt.timedelta(days=30), due, open_minor)


# --- Amounts -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("1234.5", "CNY", 123450),
        ("1234.50", "CNY", 123450),
        ("1234", "CNY", 123400),
        ("0.01", "EUR", 1),
        (" 125000.00 ", "USD", 12500000),
        ("500", "JPY", 500),
        ("007.10", "CNY", 710),
    ],
)
def test_parse_amount_reads_minor_units(text: str, currency: str, minor: int) -> None:
    assert r.parse_amount(text, currency) == minor


@pytest.mark.parametrize(
    ("text", "currency", "says"),
    [
        ("1,234.50", "CNY", "comma"),
        ("1234,5", "EUR", "comma"),
        ("-5.00", "CNY", "negative"),
        ("0", "CNY", "more than zero"),
        ("0.00", "CNY", "more than zero"),
        ("1.234", "CNY", "3 decimals"),
        ("500.5", "JPY", "no decimals"),
        ("NaN", "CNY", "not an amount"),
        ("inf", "CNY", "not an amount"),
        ("Infinity", "USD", "not an amount"),
        ("1e3", "CNY", "not an amount"),
        ("+5", "CNY", "not an amount"),
        (".5", "CNY", "not an amount"),
        ("5.", "CNY", "not an amount"),
        ("12 000", "CNY", "not an amount"),
        ("", "CNY", "give the amount"),
        ("١٢٣", "CNY", "not an amount"),
        ("9" * 16, "CNY", "too large"),
        ("10.00", "XAU", "unknown currency 'XAU'"),
    ],
)
def test_parse_amount_refuses_naming_the_field(text: str, currency: str, says: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        r.parse_amount(text, currency, field="payment.amount")
    assert _fields(caught.value) == ["payment.amount"]
    assert says in caught.value.violations[0].message


def test_parse_amount_names_amount_by_default() -> None:
    with pytest.raises(ValidationFailed) as caught:
        r.parse_amount("abc", "CNY")
    assert _fields(caught.value) == ["amount"]


@pytest.mark.parametrize(
    ("minor", "currency", "text"),
    [
        (123450, "CNY", "1234.50"),
        (-5, "CNY", "-0.05"),
        (5, "EUR", "0.05"),
        (0, "USD", "0.00"),
        (-123450, "CNY", "-1234.50"),
        (500, "JPY", "500"),
        (-500, "JPY", "-500"),
    ],
)
def test_format_amount(minor: int, currency: str, text: str) -> None:
    assert r.format_amount(minor, currency) == text


def test_format_amount_refuses_an_unknown_currency() -> None:
    with pytest.raises(ValueError, match="XAU"):
        r.format_amount(100, "XAU")


@given(minor=st.integers(min_value=1, max_value=10**15 - 1), currency=st.sampled_from(sorted(r.CURRENCY_EXPONENTS)))
def test_format_then_parse_gives_the_same_amount(minor: int, currency: str) -> None:
    assert r.parse_amount(r.format_amount(minor, currency), currency) == minor


def test_check_reason() -> None:
    assert r.check_reason("  wrong colour delivered \n", "reason") == "wrong colour delivered"
    assert r.check_reason("x" * r.MAX_REASON_LENGTH, "reason") == "x" * r.MAX_REASON_LENGTH
    for bad in ("", "   \n", "x" * (r.MAX_REASON_LENGTH + 1)):
        with pytest.raises(ValidationFailed) as caught:
            r.check_reason(bad, "dispute_reason")
        assert _fields(caught.value) == ["dispute_reason"]


# --- Invoice lines -------------------------------------------------------------------------

SUNROOF = PricedOption("SUN", "Panoramic sunroof", 800_000)
TOWBAR = PricedOption("TOW", "Tow bar", 200_000)


def _total(lines: list[InvoiceLine]) -> int:
    return sum(line.amount_minor for line in lines)


def test_invoice_lines_vehicle_options_discount_and_rebate() -> None:
    lines = r.invoice_lines(
        "Aurora SE, pearl white", 25_000_000, [SUNROOF, TOWBAR], 350, [Rebate("EV27", "EV spring", 1_000_000)]
    )
    assert [line.kind for line in lines] == [
        LineKind.VEHICLE,
        LineKind.OPTION,
        LineKind.OPTION,
        LineKind.DISCOUNT,
        LineKind.REBATE,
    ]
    assert [line.amount_minor for line in lines] == [25_000_000, 800_000, 200_000, -910_000, -1_000_000]
    assert lines[0].description == "Aurora SE, pearl white"
    assert lines[3].description == "Dealer discount 3.50%"
    assert "capped" not in lines[4].description
    assert _total(lines) == 26_000_000 - 910_000 - 1_000_000


@pytest.mark.parametrize(
    ("price", "bp", "discount"),
    [
        (150, 100, 2),  # 1.50 -> 2, half rounds up
        (149, 100, 1),  # 1.49 -> 1
        (151, 100, 2),  # 1.51 -> 2
        (250, 100, 3),  # 2.50 -> 3, not to even
        (10_001, 5000, 5001),  # 5000.5 -> 5001
        (999, 1, 0),  # 0.0999 -> 0
        (5000, 1, 1),  # 0.5 -> 1
        (123_456, 10_000, 123_456),
    ],
)
def test_discount_rounds_half_up_to_the_minor_unit(price: int, bp: int, discount: int) -> None:
    lines = r.invoice_lines("car", price, [], bp, [])
    [discount_line] = [line for line in lines if line.kind is LineKind.DISCOUNT]
    assert discount_line.amount_minor == -discount


def test_discount_is_on_the_car_with_its_options() -> None:
    lines = r.invoice_lines("car", 1_000_000, [SUNROOF], 1000, [])
    assert lines[-1].amount_minor == -180_000


def test_no_discount_line_without_a_discount() -> None:
    lines = r.invoice_lines("car", 1_000_000, [SUNROOF], 0, [])
    assert LineKind.DISCOUNT not in {line.kind for line in lines}
    assert _total(lines) == 1_800_000


@pytest.mark.parametrize("bp", [-1, 10_001])
def test_discount_outside_zero_to_a_hundred_percent_is_refused(bp: int) -> None:
    with pytest.raises(ValueError, match="basis points"):
        r.invoice_lines("car", 1_000_000, [], bp, [])


def test_rebates_beyond_the_price_are_capped_and_say_so() -> None:
    lines = r.invoice_lines(
        "car",
        1_000_000,
        [],
        5000,
        [Rebate("A", "Fleet", 300_000), Rebate("B", "Launch", 300_000), Rebate("C", "Extra", 5)],
    )
    rebates = [line for line in lines if line.kind is LineKind.REBATE]
    assert [line.amount_minor for line in rebates] == [-300_000, -200_000, 0]
    assert "capped" not in rebates[0].description
    assert "capped" in rebates[1].description
    assert "capped" in rebates[2].description
    assert "Launch" in rebates[1].description
    assert _total(lines) == 0


def test_rebate_exactly_the_price_left_is_not_capped() -> None:
    lines = r.invoice_lines("car", 1_000_000, [], 0, [Rebate("A", "All of it", 1_000_000)])
    assert lines[-1].amount_minor == -1_000_000
    assert "capped" not in lines[-1].description
    assert _total(lines) == 0


@given(
    price=st.integers(min_value=0, max_value=10**10),
    options=st.lists(st.integers(min_value=0, max_value=10**8), max_size=5),
    bp=st.integers(min_value=0, max_value=10_000),
    rebates=st.lists(st.integers(min_value=0, max_value=10**10), max_size=4),
)
def test_invoice_total_never_below_zero(price: int, options: list[int], bp: int, rebates: list[int]) -> None:
    lines = r.invoice_lines(
        "car",
        price,
        [PricedOption(f"O{i}", "option", amount) for i, amount in enumerate(options)],
        bp,
        [Rebate(f"R{i}", "rebate", amount) for i, amount in enumerate(rebates)],
    )
    assert _total(lines) >= 0
    assert all(line.amount_minor <= 0 for line in lines if line.kind in {LineKind.DISCOUNT, LineKind.REBATE})


def test_invoice_lines_refuse_negative_prices_and_rebates() -> None:
    with pytest.raises(ValueError):
        r.invoice_lines("car", -1, [], 0, [])
    with pytest.raises(ValueError):
        r.invoice_lines("car", 100, [PricedOption("X", "x", -1)], 0, [])
    with pytest.raises(ValueError):
        r.invoice_lines("car", 100, [], 0, [Rebate("X", "x", -1)])


def test_due_on() -> None:
    assert r.due_on(D(2027, 1, 31), 30) == D(2027, 3, 2)
    assert r.due_on(D(2028, 2, 1), 28) == D(2028, 2, 29)
    assert r.due_on(D(2027, 1, 31), 0) == D(2027, 1, 31)
    with pytest.raises(ValueError):
        r.due_on(D(2027, 1, 31), -1)


# --- Matching ------------------------------------------------------------------------------

OLD = _invoice("INV-1", D(2027, 1, 31), 100_000)
MIDDLE = _invoice("INV-2", D(2027, 2, 28), 200_000)
NEW = _invoice("INV-3", D(2027, 3, 31), 300_000)


def test_payment_settles_oldest_due_first() -> None:
    result = r.match(250_000, [NEW, OLD, MIDDLE])
    assert result.allocations == (Allocation("INV-1", 100_000), Allocation("INV-2", 150_000))
    assert result.unapplied_minor == 0


def test_named_invoice_is_paid_first() -> None:
    result = r.match(350_000, [OLD, MIDDLE, NEW], preferred_invoice="INV-3")
    assert result.allocations == (Allocation("INV-3", 300_000), Allocation("INV-1", 50_000))
    assert result.unapplied_minor == 0


def test_named_invoice_partly_paid_takes_the_whole_payment() -> None:
    result = r.match(120_000, [OLD, MIDDLE, NEW], preferred_invoice="INV-3")
    assert result.allocations == (Allocation("INV-3", 120_000),)
    assert result.unapplied_minor == 0


def test_partial_payment_of_one_invoice() -> None:
    result = r.match(40_000, [MIDDLE, OLD])
    assert result.allocations == (Allocation("INV-1", 40_000),)
    assert result.unapplied_minor == 0


def test_exact_payment_leaves_nothing() -> None:
    result = r.match(600_000, [OLD, MIDDLE, NEW])
    assert [a.amount_minor for a in result.allocations] == [100_000, 200_000, 300_000]
    assert result.unapplied_minor == 0


def test_overpayment_stays_on_account() -> None:
    result = r.match(650_000, [OLD, MIDDLE, NEW], preferred_invoice="INV-2")
    assert [a.invoice_number for a in result.allocations] == ["INV-2", "INV-1", "INV-3"]
    assert result.unapplied_minor == 50_000


def test_payment_without_open_invoices_is_all_on_account() -> None:
    assert r.match(1, []) == r.Matching((), 1)


def test_same_due_date_goes_by_issue_date_then_number() -> None:
    due = D(2027, 3, 31)
    late_issue = OpenInvoice("INV-A", D(2027, 3, 1), due, 10)
    early_issue_b = OpenInvoice("INV-B", D(2027, 2, 1), due, 10)
    early_issue_a = OpenInvoice("INV-0", D(2027, 2, 1), due, 10)
    result = r.match(30, [late_issue, early_issue_b, early_issue_a])
    assert [a.invoice_number for a in result.allocations] == ["INV-0", "INV-B", "INV-A"]


def test_settled_invoices_get_nothing() -> None:
    paid = _invoice("INV-0", D(2026, 12, 31), 0)
    result = r.match(10, [paid, OLD])
    assert result.allocations == (Allocation("INV-1", 10),)


@pytest.mark.parametrize("amount", [0, -1])
def test_payment_must_be_positive(amount: int) -> None:
    with pytest.raises(ValueError):
        r.match(amount, [OLD])


def test_named_invoice_not_open_is_refused_by_name() -> None:
    with pytest.raises(Refused, match="INV-9 is not an open invoice of this account"):
        r.match(10, [OLD], preferred_invoice="INV-9")
    with pytest.raises(Refused, match="INV-0 is not an open invoice"):
        r.match(10, [OLD, _invoice("INV-0", D(2026, 12, 31), 0)], preferred_invoice="INV-0")


@given(
    amount=st.integers(min_value=1, max_value=10**7),
    opens=st.lists(st.integers(min_value=0, max_value=10**6), max_size=6),
)
def test_matching_accounts_for_every_minor_unit(amount: int, opens: list[int]) -> None:
    invoices = [_invoice(f"INV-{i}", D(2027, 1, 1) + dt.timedelta(days=i), open_) for i, open_ in enumerate(opens)]
    result = r.match(amount, invoices)
    assert sum(a.amount_minor for a in result.allocations) + result.unapplied_minor == amount
    assert result.unapplied_minor == max(0, amount - sum(opens))
    by_number = {invoice.invoice_number: invoice.open_minor for invoice in invoices}
    assert all(0 < a.amount_minor <= by_number[a.invoice_number] for a in result.allocations)


# --- Ageing --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "bucket"),
    [
        (0, AgeingBucket.CURRENT),
        (1, AgeingBucket.DAYS_1_30),
        (30, AgeingBucket.DAYS_1_30),
        (31, AgeingBucket.DAYS_31_60),
        (60, AgeingBucket.DAYS_31_60),
        (61, AgeingBucket.DAYS_61_90),
        (90, AgeingBucket.DAYS_61_90),
        (91, AgeingBucket.OVER_90),
        (4000, AgeingBucket.OVER_90),
    ],
)
def test_bucket_boundaries(days: int, bucket: AgeingBucket) -> None:
    assert r.bucket_of(days) is bucket


def test_days_overdue() -> None:
    due = D(2027, 3, 31)
    assert r.days_overdue(due, D(2027, 3, 1)) == 0
    assert r.days_overdue(due, due) == 0
    assert r.days_overdue(due, D(2027, 4, 1)) == 1
    assert r.days_overdue(due, D(2027, 6, 30)) == 91


def test_ageing_puts_each_open_amount_in_its_bucket() -> None:
    as_of = TODAY
    invoices = [
        _invoice(str(days), as_of - dt.timedelta(days=days), 1 << index)
        for index, days in enumerate([-5, 0, 1, 30, 31, 60, 61, 90, 91])
    ]
    result = r.ageing(invoices, as_of)
    assert result == Ageing(current=1 + 2, days_1_30=4 + 8, days_31_60=16 + 32, days_61_90=64 + 128, over_90=256)
    assert result.total == 511


def test_ageing_rolls_up() -> None:
    one = Ageing(current=1, days_1_30=2, days_31_60=3, days_61_90=4, over_90=5)
    two = Ageing(current=10, over_90=50)
    both = one.added(two)
    assert both == Ageing(current=11, days_1_30=2, days_31_60=3, days_61_90=4, over_90=55)
    assert both.total == one.total + two.total
    assert Ageing().total == 0
    assert r.ageing([], TODAY) == Ageing()


# --- Reminders -----------------------------------------------------------------------------


def test_parse_reminder_days() -> None:
    assert r.parse_reminder_days("7,30,60") == (7, 30, 60)
    assert r.parse_reminder_days(" 5 , 10 ") == (5, 10)
    assert r.parse_reminder_days("14") == (14,)
    assert r.parse_reminder_days("") == r.DEFAULT_REMINDER_DAYS
    assert r.parse_reminder_days("  ") == (7, 30, 60)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("7,30,30", "strictly increasing: 30 follows 30"),
        ("30,7", "strictly increasing: 7 follows 30"),
        ("0,30", "more than zero"),
        ("-7,30", "whole numbers"),
        ("7,,30", "value 2 is ''"),
        ("7;30", "value 1 is '7;30'"),
        ("7.5", "whole numbers"),
        ("seven", "whole numbers"),
    ],
)
def test_bad_reminder_days_are_explained(text: str, says: str) -> None:
    with pytest.raises(ValueError) as caught:
        r.parse_reminder_days(text)
    assert says in str(caught.value)


@pytest.mark.parametrize(
    ("days", "level"), [(0, 0), (6, 0), (7, 1), (29, 1), (30, 2), (59, 2), (60, 3), (65, 3), (400, 3)]
)
def test_reminder_level(days: int, level: int) -> None:
    assert r.reminder_level(days, (7, 30, 60)) == level


def test_reminder_level_refuses_bad_levels() -> None:
    with pytest.raises(ValueError):
        r.reminder_level(10, (30, 7))
    with pytest.raises(ValueError):
        r.reminder_level(10, ())


LEVELS = (7, 30, 60)


def test_first_seen_65_days_late_gets_one_level_3_reminder() -> None:
    invoice = _invoice("INV-1", TODAY - dt.timedelta(days=65), 100_000)
    assert r.reminders_due([invoice], {}, TODAY, LEVELS) == [Reminder("INV-1", 3, 65, 100_000)]


def test_level_2_at_30_days_after_level_1_was_sent() -> None:
    invoice = _invoice("INV-1", TODAY - dt.timedelta(days=30), 100_000)
    assert r.reminders_due([invoice], {"INV-1": 1}, TODAY, LEVELS) == [Reminder("INV-1", 2, 30, 100_000)]
    earlier = TODAY - dt.timedelta(days=1)
    assert r.reminders_due([invoice], {"INV-1": 1}, earlier, LEVELS) == []


def test_nothing_new_the_next_day() -> None:
    invoice = _invoice("INV-1", TODAY - dt.timedelta(days=30), 100_000)
    [sent] = r.reminders_due([invoice], {}, TODAY, LEVELS)
    next_day = TODAY + dt.timedelta(days=1)
    assert r.reminders_due([invoice], {"INV-1": sent.level}, next_day, LEVELS) == []


def test_paid_and_not_yet_late_invoices_get_none() -> None:
    paid = _invoice("INV-1", TODAY - dt.timedelta(days=65), 0)
    early = _invoice("INV-2", TODAY - dt.timedelta(days=6), 100)
    assert r.reminders_due([paid, early], {}, TODAY, LEVELS) == []


def test_reminders_for_several_invoices_oldest_due_first() -> None:
    a = _invoice("INV-A", TODAY - dt.timedelta(days=8), 1)
    b = _invoice("INV-B", TODAY - dt.timedelta(days=61), 2)
    c = _invoice("INV-C", TODAY - dt.timedelta(days=40), 3)
    due = r.reminders_due([a, b, c], {"INV-C": 2}, TODAY, LEVELS)
    assert due == [Reminder("INV-B", 3, 61, 2), Reminder("INV-A", 1, 8, 1)]


# --- Credit --------------------------------------------------------------------------------


def _position(limit: int | None, balance: int = 0, committed: int = 0, level: int = 0) -> CreditPosition:
    return CreditPosition(limit, balance, committed, level)


def test_no_limit_is_never_held_for_the_limit() -> None:
    decision = r.credit_decision(_position(None, 10**12, 10**12), 10**12, "CNY", hold_level=2)
    assert not decision.held
    assert decision.reasons == ()
    assert decision.used_after_minor == 3 * 10**12
    assert decision.available_before_minor is None


def test_exactly_at_the_limit_is_not_held() -> None:
    decision = r.credit_decision(_position(1_000_000, 600_000, 100_000), 300_000, "CNY", hold_level=2)
    assert not decision.held
    assert decision.used_after_minor == 1_000_000
    assert decision.available_before_minor == 300_000


def test_one_minor_unit_over_the_limit_is_held_with_the_figures() -> None:
    decision = r.credit_decision(_position(100_000_000, 90_000_000, 5_000_000), 5_000_001, "CNY", hold_level=0)
    assert decision.held
    assert decision.used_after_minor == 100_000_001
    assert decision.available_before_minor == 5_000_000
    [reason] = decision.reasons
    assert "CNY 1,000,000.01" in reason
    assert "limit of CNY 1,000,000.00" in reason
    assert "CNY 50,000.00 available" in reason
    assert "this order of CNY 50,000.01" in reason
    assert "the dealer's credit" in reason


def test_over_limit_reason_names_the_dealer() -> None:
    decision = r.credit_decision(
        _position(100_000_000, 80_000_000, 15_000_000), 30_000_000, "CNY", hold_level=2, dealer_code="D001"
    )
    assert decision.reasons == (
        "The order would take D001's credit used to CNY 1,250,000.00 against a limit of CNY 1,000,000.00 "
        "(CNY 50,000.00 available before this order of CNY 300,000.00)",
    )


def test_already_over_the_limit_says_by_how_much() -> None:
    decision = r.credit_decision(_position(100_000, 120_000), 1, "EUR", hold_level=0)
    assert decision.held
    assert decision.available_before_minor == -20_000
    assert "already EUR 200.00 over the limit" in decision.reasons[0]


def test_money_on_account_raises_what_is_available() -> None:
    decision = r.credit_decision(_position(100_000, -50_000), 150_000, "USD", hold_level=0)
    assert not decision.held
    assert decision.available_before_minor == 150_000


def test_overdue_invoices_hold_at_the_hold_level() -> None:
    below = r.credit_decision(_position(None, level=1), 1, "CNY", hold_level=2)
    assert not below.held
    at = r.credit_decision(_position(None, level=2), 1, "CNY", hold_level=2, dealer_code="D001")
    assert at.held
    assert at.reasons == (
        "D001 has invoices at reminder level 2 (30 days overdue or more); new orders are held until they are paid",
    )
    above = r.credit_decision(_position(None, level=3), 1, "CNY", hold_level=2)
    assert above.held
    assert above.reasons[0].startswith("The dealer has invoices at reminder level 3 (60 days overdue or more)")


def test_hold_level_zero_never_holds_for_reminders() -> None:
    assert not r.credit_decision(_position(None, level=3), 1, "CNY", hold_level=0).held


def test_both_reasons() -> None:
    decision = r.credit_decision(_position(1000, 1000, 0, level=3), 100, "JPY", hold_level=1, dealer_code="D007")
    assert decision.held
    assert len(decision.reasons) == 2
    assert "JPY 1,100 against a limit of JPY 1,000" in decision.reasons[0]
    assert decision.reasons[1].startswith("D007 has invoices at reminder level 3")


def test_credit_decision_refuses_a_negative_order() -> None:
    with pytest.raises(ValueError):
        r.credit_decision(_position(None), -1, "CNY", hold_level=0)


# --- Statement -----------------------------------------------------------------------------


def _entry(kind: EntryKind, reference: str, on: dt.date, amount: int) -> Entry:
    return Entry(kind, reference, on, f"{kind} {reference}", amount)


MARCH_1, MARCH_31 = D(2027, 3, 1), D(2027, 3, 31)


def test_statement_opening_lines_running_balance_and_closing() -> None:
    entries = [
        _entry(EntryKind.PAYMENT, "PAY-2", D(2027, 3, 10), 40_000),
        _entry(EntryKind.INVOICE, "INV-1", D(2027, 1, 15), 100_000),
        _entry(EntryKind.PAYMENT, "PAY-1", D(2027, 2, 28), 30_000),
        _entry(EntryKind.INVOICE, "INV-2", D(2027, 3, 1), 50_000),
        _entry(EntryKind.CREDIT_NOTE, "CN-1", D(2027, 3, 31), 5_000),
        _entry(EntryKind.INVOICE, "INV-3", D(2027, 4, 1), 999_999),
    ]
    statement = r.build_statement(entries, MARCH_1, MARCH_31)
    assert statement.opening_balance_minor == 70_000
    assert [line.entry.reference for line in statement.lines] == ["INV-2", "PAY-2", "CN-1"]
    assert [(line.debit_minor, line.credit_minor) for line in statement.lines] == [(50_000, 0), (0, 40_000), (0, 5_000)]
    assert [line.balance_minor for line in statement.lines] == [120_000, 80_000, 75_000]
    assert statement.total_debit_minor == 50_000
    assert statement.total_credit_minor == 45_000
    assert statement.closing_balance_minor == 75_000
    assert (statement.period_from, statement.period_to) == (MARCH_1, MARCH_31)


def test_same_day_invoices_then_credit_notes_then_payments_then_reference() -> None:
    day = D(2027, 3, 15)
    entries = [
        _entry(EntryKind.PAYMENT, "PAY-B", day, 1),
        _entry(EntryKind.PAYMENT, "PAY-A", day, 1),
        _entry(EntryKind.CREDIT_NOTE, "CN-1", day, 1),
        _entry(EntryKind.INVOICE, "INV-9", day, 10),
        _entry(EntryKind.INVOICE, "INV-1", day, 10),
        _entry(EntryKind.INVOICE, "INV-0", D(2027, 3, 14), 10),
    ]
    statement = r.build_statement(entries, MARCH_1, MARCH_31)
    assert [line.entry.reference for line in statement.lines] == ["INV-0", "INV-1", "INV-9", "CN-1", "PAY-A", "PAY-B"]


def test_empty_period_carries_the_balance() -> None:
    entries = [_entry(EntryKind.PAYMENT, "PAY-1", D(2027, 1, 1), 500)]
    statement = r.build_statement(entries, MARCH_1, MARCH_31)
    assert statement.lines == ()
    assert statement.opening_balance_minor == statement.closing_balance_minor == -500


def test_statement_period_checks() -> None:
    with pytest.raises(ValidationFailed) as caught:
        r.build_statement([], MARCH_31, MARCH_1)
    assert _fields(caught.value) == ["period_to"]
    assert r.build_statement([], D(2028, 1, 1), D(2028, 12, 31)).lines == ()
    assert r.build_statement([], MARCH_1, MARCH_1).lines == ()
    assert r.build_statement([], D(2027, 1, 1), D(2028, 1, 1)).lines == ()
    with pytest.raises(ValidationFailed) as caught:
        r.build_statement([], D(2027, 1, 1), D(2028, 1, 2))
    assert _fields(caught.value) == ["period_from"]


def test_statement_refuses_entries_that_are_not_positive() -> None:
    with pytest.raises(ValueError, match="PAY-1"):
        r.build_statement([_entry(EntryKind.PAYMENT, "PAY-1", MARCH_1, -5)], MARCH_1, MARCH_31)


def _random_entries(rng: random.Random, count: int) -> list[Entry]:
    start = D(2026, 1, 1)
    return [
        _entry(
            rng.choice(list(EntryKind)),
            f"REF-{index:04d}",
            start + dt.timedelta(days=rng.randrange(730)),
            rng.randrange(1, 10_000_000),
        )
        for index in range(count)
    ]


@pytest.mark.parametrize("seed", range(25))
def test_one_periods_closing_is_the_next_periods_opening(seed: int) -> None:
    rng = random.Random(seed)
    entries = _random_entries(rng, rng.randrange(0, 120))
    rng.shuffle(entries)
    first_from = D(2026, 1, 1) + dt.timedelta(days=rng.randrange(400))
    first_to = first_from + dt.timedelta(days=rng.randrange(366))
    second_to = first_to + dt.timedelta(days=1 + rng.randrange(366))
    first = r.build_statement(entries, first_from, first_to)
    second = r.build_statement(entries, first_to + dt.timedelta(days=1), second_to)
    assert first.closing_balance_minor == second.opening_balance_minor
    for statement in (first, second):
        assert (
            statement.closing_balance_minor
            == statement.opening_balance_minor + statement.total_debit_minor - statement.total_credit_minor
        )
        balance = statement.opening_balance_minor
        for line in statement.lines:
            balance += line.debit_minor - line.credit_minor
            assert line.balance_minor == balance
            assert (line.debit_minor == 0) != (line.credit_minor == 0)
    everything_to = sum(
        entry.amount_minor if entry.kind is EntryKind.INVOICE else -entry.amount_minor
        for entry in entries
        if entry.on <= second_to
    )
    assert second.closing_balance_minor == everything_to


# --- Open items ----------------------------------------------------------------------------

INVOICES = [
    ("INV-1", D(2027, 1, 1), D(2027, 1, 31), 100_000),
    ("INV-2", D(2027, 2, 1), D(2027, 3, 3), 200_000),
    ("INV-3", D(2027, 3, 1), D(2027, 3, 31), 300_000),
    ("INV-4", D(2026, 12, 20), D(2027, 3, 31), 50_000),
]
APPLIED = [
    Applied("INV-1", 60_000, D(2027, 2, 10)),
    Applied("INV-1", 40_000, D(2027, 3, 10)),
    Applied("INV-2", 50_000, D(2027, 3, 31)),
    Applied("INV-2", 150_000, D(2027, 4, 1)),
    Applied("INV-OTHER", 1, D(2027, 1, 1)),
]


def test_open_items_as_at_a_date() -> None:
    assert r.open_items(INVOICES, APPLIED, D(2027, 3, 31)) == [
        OpenInvoice("INV-2", D(2027, 2, 1), D(2027, 3, 3), 150_000),
        OpenInvoice("INV-4", D(2026, 12, 20), D(2027, 3, 31), 50_000),
        OpenInvoice("INV-3", D(2027, 3, 1), D(2027, 3, 31), 300_000),
    ]


def test_open_items_earlier_and_later() -> None:
    assert r.open_items(INVOICES, APPLIED, D(2027, 2, 15)) == [
        OpenInvoice("INV-1", D(2027, 1, 1), D(2027, 1, 31), 40_000),
        OpenInvoice("INV-2", D(2027, 2, 1), D(2027, 3, 3), 200_000),
        OpenInvoice("INV-4", D(2026, 12, 20), D(2027, 3, 31), 50_000),
    ]
    assert [item.invoice_number for item in r.open_items(INVOICES, APPLIED, D(2027, 4, 1))] == ["INV-4", "INV-3"]
    assert r.open_items(INVOICES, APPLIED, D(2026, 12, 19)) == []


def test_open_items_feed_the_ageing_at_period_end() -> None:
    as_of = D(2027, 3, 31)
    result = r.ageing(r.open_items(INVOICES, APPLIED, as_of), as_of)
    assert result == Ageing(current=350_000, days_1_30=150_000)


# --- Bank file -----------------------------------------------------------------------------

HEADER = "value_date,dealer_code,amount,currency,reference,invoice_number"


def _file(*rows: str, header: str = HEADER, newline: str = "\r\n") -> bytes:
    return newline.join([header, *rows, ""]).encode()


def _problems(data: bytes) -> list[FieldViolation]:
    with pytest.raises(ValidationFailed) as caught:
        r.parse_bank_file(data, TODAY)
    return caught.value.violations


def test_good_bank_file() -> None:
    data = _file(
        "2027-03-31,D001,125000.00,CNY,BOC20270331-0001,INV-2027-0001",
        "2027-04-01,D002,99.5,EUR,HSBC 555 123,",
        "",
        "2027-01-02, D003 ,500,JPY,MIZ-1,",
    )
    assert r.parse_bank_file(data, TODAY) == [
        r.BankPayment(2, D(2027, 3, 31), "D001", 12_500_000, "CNY", "BOC20270331-0001", "INV-2027-0001"),
        r.BankPayment(3, D(2027, 4, 1), "D002", 9_950, "EUR", "HSBC 555 123", ""),
        r.BankPayment(5, D(2027, 1, 2), "D003", 500, "JPY", "MIZ-1", ""),
    ]


def test_bank_file_with_a_byte_order_mark_and_columns_in_another_order() -> None:
    data = b"\xef\xbb\xbf" + _file(
        '"EUR-1",2027-03-01,D001,"1000.00",EUR,',
        header="reference,value_date,dealer_code,amount,currency,invoice_number",
    )
    [payment] = r.parse_bank_file(data, TODAY)
    assert (payment.reference, payment.amount_minor, payment.line) == ("EUR-1", 100_000, 2)


def test_bank_file_reports_every_problem_with_its_line_and_field() -> None:
    data = _file(
        "2027-03-31,D001,125000.00,CNY,REF-1,",
        "31.03.2027,D001,1.00,CNY,REF-2,",
        "2027-02-30,D001,1.00,CNY,REF-3,",
        "2027-04-02,D001,1.00,CNY,REF-4,",
        "2027-03-31,D001,1,000.00,CNY,REF-5,",
        '2027-03-31,D001,"1,000.00",CNY,REF-6,',
        "2027-03-31,D001,-1.00,CNY,REF-7,",
        "2027-03-31,D001,1.001,CNY,REF-8,",
        "2027-03-31,D001,1.00,XAU,REF-9,",
        "2027-03-31,D001,1.00,CNY,,",
        "2027-03-31,D001,1.00,CNY," + "R" * 65 + ",",
        "2027-03-31,D001,1.00,CNY,REF-1,",
        "2027-03-31,,1.00,CNY,REF-13,",
        "2027-03-31,D001,0,CNY,REF\t14,",
    )
    problems = _problems(data)
    assert [p.field for p in problems] == [
        "line 3: value_date",
        "line 4: value_date",
        "line 5: value_date",
        "line 6",
        "line 7: amount",
        "line 8: amount",
        "line 9: amount",
        "line 10: currency",
        "line 11: reference",
        "line 12: reference",
        "line 13: reference",
        "line 14: dealer_code",
        "line 15: amount",
        "line 15: reference",
    ]
    messages = {p.field: p.message for p in problems}
    assert "2027-03-31" in messages["line 3: value_date"]
    assert "not a day of the calendar" in messages["line 4: value_date"]
    assert "after today (2027-04-01)" in messages["line 5: value_date"]
    assert "7 values" in messages["line 6"]
    assert "comma" in messages["line 7: amount"]
    assert "negative" in messages["line 8: amount"]
    assert "XAU" in messages["line 10: currency"]
    assert "at most 64" in messages["line 12: reference"]
    assert messages["line 13: reference"] == "REF-1 is already on line 2"


def test_bank_file_whole_reference_of_64_characters_is_fine() -> None:
    [payment] = r.parse_bank_file(_file("2027-03-31,D001,1.00,CNY," + "R" * 64 + ","), TODAY)
    assert payment.reference == "R" * 64


def test_duplicate_reference_names_the_first_line_each_time() -> None:
    data = _file(
        "2027-03-31,D001,1.00,CNY,SAME,",
        "2027-03-31,D002,2.00,CNY,OTHER,",
        "2027-03-31,D003,3.00,CNY,SAME,",
        "2027-03-31,D004,4.00,CNY,SAME,",
    )
    assert _problems(data) == [
        FieldViolation("line 4: reference", "SAME is already on line 2"),
        FieldViolation("line 5: reference", "SAME is already on line 2"),
    ]


@pytest.mark.parametrize(
    ("header", "says"),
    [
        ("value_date,dealer_code,amount,currency,reference", "missing column invoice_number"),
        (HEADER + ",note", "unknown column 'note'"),
        ("value_date;dealer_code;amount;currency;reference;invoice_number", "unknown column"),
        (HEADER + ",amount", "column amount appears more than once"),
    ],
)
def test_bank_file_header_must_be_the_documented_columns(header: str, says: str) -> None:
    problems = _problems(_file("2027-03-31,D001,1.00,CNY,REF-1,", header=header))
    assert {p.field for p in problems} == {"line 1: header"}
    assert any(says in p.message for p in problems)


def test_bank_file_header_names_both_unknown_and_missing() -> None:
    header = HEADER.replace("reference", "bank_ref")
    problems = _problems(_file("2027-03-31,D001,1.00,CNY,REF-1,", header=header))
    messages = " ".join(p.message for p in problems)
    assert "unknown column 'bank_ref'" in messages
    assert "missing column reference" in messages


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"", "empty"),
        (b"  \r\n\r\n", "empty"),
        (b"\xef\xbb\xbf", "empty"),
        (_file(), "no payments"),
    ],
)
def test_bank_file_as_a_whole(data: bytes, says: str) -> None:
    problems = _problems(data)
    assert [p.field for p in problems] == ["file"]
    assert says in problems[0].message


def test_bank_file_not_utf8_names_its_line() -> None:
    data = _file("2027-03-31,D001,1.00,CNY,REF-1,", "2027-03-31,D001,1.00,CNY,REF-2,") + "é".encode("latin-1")
    [problem] = _problems(data)
    assert problem == FieldViolation("file", "line 4: not UTF-8 text; save the file as CSV UTF-8")


def test_bank_file_broken_quoting() -> None:
    data = _file('2027-03-31,D001,"1.00"x,CNY,REF-1,')
    [problem] = _problems(data)
    assert problem.field == "file"
    assert problem.message.startswith("line 2: not valid CSV")


def test_bank_file_row_limit() -> None:
    rows = [f"2027-03-31,D001,1.00,CNY,REF-{i},".encode() for i in range(r.MAX_BANK_FILE_ROWS)]
    data = HEADER.encode() + b"\n" + b"\n".join(rows) + b"\n"
    assert len(r.parse_bank_file(data, TODAY)) == r.MAX_BANK_FILE_ROWS
    [problem] = _problems(data + b"2027-03-31,D001,1.00,CNY,REF-X,\n")
    assert problem.field == "file"
    assert "more than 10,000" in problem.message
