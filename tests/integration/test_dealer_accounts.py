"""Dealer accounts against the real order database: invoices from shipped cars, payments and
credit notes matched to them, reminders and the order hold, credit in order review,
statements, disputes and confirmations, and who may see what. The clock is passed in."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import sys
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pika
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from order_service import dealer_accounts, orders, receivables
from order_service.dealer_accounts import OverduePolicy
from order_service.grpc_api import register_servicers
from order_service.models import (
    CatalogueColourRow,
    CatalogueModelRow,
    CatalogueOptionRow,
    CatalogueOptionTrimRow,
    CatalogueTrimRow,
    CreditOverrideRow,
    DealerQuotaRow,
    InvoiceRow,
    RebateRow,
    VehicleOrderRow,
    tables,
)
from plumbing.db import Database
from plumbing.errors import NotFound, Refused, ValidationFailed
from plumbing.principal import AccountRole, Principal
from plumbing.vin import vin_check_digit
from tests import processes
from tests.gateway_client import bearer, gateway_calling
from tests.processes import nameko_service, queue_consumed, running, wait_for

pytestmark = pytest.mark.integration

DEALER = Principal.for_account("d001.sales", AccountRole.DEALER_USER, "D001", "EAST")
OTHER_DEALER = Principal.for_account("d002.sales", AccountRole.DEALER_USER, "D002", "WEST")
STATION = Principal.for_account("s001.tech", AccountRole.STATION_USER, "S001", "EAST")
FINANCE = Principal.for_account("hq.finance", AccountRole.HQ_FINANCE, None, None)
ADMIN = Principal.for_account("hq.admin", AccountRole.HQ_ADMIN, None, None)
ANALYST = Principal.for_account("hq.analyst", AccountRole.HQ_ANALYST, None, None)

POLICY = OverduePolicy(reminder_days=(7, 30, 60), hold_level=2)
SHIPPED_ON = dt.date(2027, 3, 1)
# 30 days' terms: due on the 31st of March.
DUE_ON = dt.date(2027, 3, 31)
LX, SUNROOF = 1_890_000, 120_000

_numbers = itertools.count(1)


@pytest.fixture(scope="module")
def database(fresh_database: Callable[[str], str]) -> Iterator[Database]:
    db = Database("order", fresh_database("order"), tables, pool_size=4)
    with db.unit_of_work() as uow:
        session = uow.session
        session.add(CatalogueModelRow(code="AUR", name="Aurora sedan"))
        session.flush()
        session.add(CatalogueTrimRow(model_code="AUR", code="LX", name="LX", list_price_minor=LX, currency="CNY"))
        session.add(CatalogueColourRow(model_code="AUR", code="WHT", name="Pearl White"))
        session.add(CatalogueOptionRow(model_code="AUR", code="SUNROOF", name="Sunroof", list_price_minor=SUNROOF))
        session.flush()
        session.add(CatalogueOptionTrimRow(model_code="AUR", option_code="SUNROOF", trim_code="LX"))
        uow.commit()
    yield db
    db.engine.dispose()


@pytest.fixture
def db(database: Database) -> Database:
    with database.engine.begin() as conn:
        conn.execute(
            text(
                "TRUNCATE account_allocations, payment_reminders, statement_disputes, statement_confirmations, "
                "credit_overrides, invoices, payments, credit_notes, dealer_accounts, rebates, vehicle_orders, "
                "dealer_quotas, outbox CASCADE"
            )
        )
    return database


def open_account(db: Database, dealer: str = "D001", *, limit: int | None = 10_000_000, region: str = "EAST") -> None:
    with db.unit_of_work() as uow:
        dealer_accounts.set_credit_terms(
            uow,
            FINANCE,
            dealer,
            currency="CNY",
            credit_limit_minor=limit or 0,
            payment_terms_days=30,
            discount_bp=0,
            region=region,
            today=SHIPPED_ON,
            policy=POLICY,
        )
        if limit is None:
            uow.session.execute(
                text("UPDATE dealer_accounts SET credit_limit_minor = NULL WHERE dealer_code = :d"), {"d": dealer}
            )
        uow.commit()


def add_order(
    db: Database, dealer: str = "D001", *, status: str = "shipped", options: tuple[str, ...] = ("SUNROOF",)
) -> str:
    number = f"ORD-2027-{next(_numbers):07d}"
    price = LX + (SUNROOF if "SUNROOF" in options else 0)
    with db.unit_of_work() as uow:
        uow.session.add(
            VehicleOrderRow(
                order_number=number,
                dealer_code=dealer,
                region="EAST",
                model_code="AUR",
                trim_code="LX",
                colour_code="WHT",
                wanted_week="2027-W05",
                status=status,
                supply="to_be_built",
                vin=None,
                list_price_minor=price,
                currency="CNY",
                placed_by=f"{dealer.lower()}.sales",
                option_codes=list(options),
            )
        )
        uow.commit()
    return number


def invoice(db: Database, dealer: str = "D001", on: dt.date = SHIPPED_ON, **order: Any) -> InvoiceRow:
    number = add_order(db, dealer, **order)
    with db.unit_of_work() as uow:
        row = dealer_accounts.invoice_shipped_vehicle(uow, number, on)
        uow.commit()
        return row


def pay(
    db: Database, amount: int, reference: str, on: dt.date, *, invoice_number: str = "", dealer: str = "D001"
) -> Any:
    with db.unit_of_work() as uow:
        view = dealer_accounts.record_payment(
            uow,
            FINANCE,
            dealer_code=dealer,
            amount_minor=amount,
            currency="CNY",
            received_on=on.isoformat(),
            reference=reference,
            invoice_number=invoice_number,
            today=on,
        )
        uow.commit()
        return view


def account(
    db: Database, today: dt.date, who: Principal = FINANCE, dealer: str = "D001"
) -> dealer_accounts.AccountView:
    with db.unit_of_work() as uow:
        return dealer_accounts.get_account(uow, who, dealer, today, POLICY)


def events(db: Database, event_type: str) -> list[dict[str, Any]]:
    outbox = tables.outbox
    with db.engine.connect() as conn:
        rows = conn.execute(select(outbox.c.payload).where(outbox.c.event_type == event_type).order_by(outbox.c.seq))
        return [row.payload["data"] for row in rows]


def test_a_shipped_car_is_invoiced_once_at_its_order_price_with_discount_and_rebate(db: Database) -> None:
    open_account(db)
    with db.unit_of_work() as uow:
        uow.session.execute(text("UPDATE dealer_accounts SET discount_bp = 200"))
        uow.session.add(
            RebateRow(
                code="SPRING27",
                model_code="AUR",
                description="Spring campaign",
                amount_minor=50_000,
                currency="CNY",
                valid_from=dt.date(2027, 3, 1),
                valid_to=dt.date(2027, 3, 31),
            )
        )
        uow.commit()
    number = add_order(db)
    with db.unit_of_work() as uow:
        first = dealer_accounts.invoice_shipped_vehicle(uow, number, SHIPPED_ON)
        again = dealer_accounts.invoice_shipped_vehicle(uow, number, SHIPPED_ON)
        uow.commit()

    assert again.invoice_number == first.invoice_number
    kinds = [(line["kind"], line["amount_minor"]) for line in first.lines]
    discount = -((LX + SUNROOF) * 200 // 10_000)
    assert kinds == [("vehicle", LX), ("option", SUNROOF), ("discount", discount), ("rebate", -50_000)]
    assert first.total_minor == LX + SUNROOF + discount - 50_000 == first.open_minor
    assert (first.issued_on, first.due_on) == (SHIPPED_ON, DUE_ON)
    [issued] = events(db, dealer_accounts.INVOICE_ISSUED)
    assert issued["invoice_number"] == first.invoice_number and issued["total_minor"] == first.total_minor


def test_the_first_car_invoiced_to_a_dealer_opens_its_account_without_a_limit(db: Database) -> None:
    row = invoice(db, "D009")
    view = account(db, SHIPPED_ON, dealer="D009")
    assert view.account.currency == "CNY" and view.account.credit_limit_minor is None
    assert view.balance_minor == row.total_minor


def test_payments_are_matched_named_invoice_first_then_oldest_due_and_the_rest_kept_on_account(db: Database) -> None:
    open_account(db)
    older = invoice(db, on=dt.date(2027, 2, 1))
    newer = invoice(db, on=dt.date(2027, 3, 1))
    total = older.total_minor + newer.total_minor

    partial = pay(db, 1_000_000, "BANK-1", dt.date(2027, 3, 5))
    assert [(a.invoice_number, a.amount_minor) for a in partial.allocations] == [(older.invoice_number, 1_000_000)]

    named = pay(db, 500_000, "BANK-2", dt.date(2027, 3, 6), invoice_number=newer.invoice_number)
    assert [(a.invoice_number, a.amount_minor) for a in named.allocations] == [(newer.invoice_number, 500_000)]

    rest = total - 1_500_000
    last = pay(db, rest + 7_00, "BANK-3", dt.date(2027, 3, 7))
    assert sum(a.amount_minor for a in last.allocations) == rest
    assert last.payment.unapplied_minor == 7_00
    view = account(db, dt.date(2027, 3, 7))
    assert view.balance_minor == -7_00 and view.unapplied_minor == 7_00
    assert {row["invoice_number"] for row in events(db, dealer_accounts.INVOICE_SETTLED)} == {
        older.invoice_number,
        newer.invoice_number,
    }

    # Money on account pays the next car's invoice as soon as it is raised.
    following = invoice(db, on=dt.date(2027, 3, 8))
    assert following.open_minor == following.total_minor - 7_00
    assert account(db, dt.date(2027, 3, 8)).unapplied_minor == 0


def test_the_same_bank_reference_is_recorded_once_and_a_different_amount_under_it_is_refused(db: Database) -> None:
    open_account(db)
    invoice(db)
    first = pay(db, 100_000, "BANK-9", dt.date(2027, 3, 2))
    again = pay(db, 100_000, "BANK-9", dt.date(2027, 3, 2))
    assert again.replayed and again.payment.id == first.payment.id
    with pytest.raises(Refused, match="BANK-9 is already recorded"):
        pay(db, 100_001, "BANK-9", dt.date(2027, 3, 2))
    assert len(events(db, dealer_accounts.PAYMENT_RECORDED)) == 1


def test_payment_input_is_refused_naming_the_field(db: Database) -> None:
    open_account(db)
    inv = invoice(db)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"amount_minor": 0}, "amount_minor"),
        ({"currency": "EUR"}, "currency"),
        ({"received_on": "2027-02-30"}, "received_on"),
        ({"received_on": "2027-03-09"}, "received_on"),
        ({"reference": ""}, "reference"),
        ({"invoice_number": "INV-2027-9999999"}, "invoice_number"),
    ]
    for change, field in cases:
        arguments = {
            "dealer_code": "D001",
            "amount_minor": 100,
            "currency": "CNY",
            "received_on": "2027-03-02",
            "reference": "BANK-X",
            "invoice_number": inv.invoice_number,
            **change,
        }
        with db.unit_of_work() as uow, pytest.raises(ValidationFailed) as refused:
            dealer_accounts.record_payment(uow, FINANCE, today=dt.date(2027, 3, 8), **arguments)
        assert [v.field for v in refused.value.violations] == [field], change


def credit(db: Database, amount: int, reference: str, invoice_number: str = "", kind: str = "warranty") -> Any:
    with db.unit_of_work() as uow:
        note = dealer_accounts.issue_credit_note(
            uow,
            FINANCE,
            dealer_code="D001",
            amount_minor=amount,
            currency="CNY",
            kind=kind,
            reason="Warranty reimbursement",
            invoice_number=invoice_number,
            reference=reference,
            today=dt.date(2027, 3, 3),
        )
        uow.commit()
        return note


def test_a_credit_note_credits_its_invoice_once_per_claim(db: Database) -> None:
    open_account(db)
    inv = invoice(db)
    note = credit(db, 80_000, "W-17", inv.invoice_number)
    assert note.credit_note.credit_note_number.startswith("CN-2027-") and not note.replayed
    assert [(a.invoice_number, a.amount_minor) for a in note.allocations] == [(inv.invoice_number, 80_000)]

    again = credit(db, 80_000, "W-17", inv.invoice_number)
    assert again.replayed and again.credit_note.credit_note_number == note.credit_note.credit_note_number
    with pytest.raises(Refused, match="W-17 was already credited"):
        credit(db, 90_000, "W-17")
    assert account(db, dt.date(2027, 3, 3)).balance_minor == inv.total_minor - 80_000
    assert len(events(db, dealer_accounts.CREDIT_NOTE_ISSUED)) == 1


def test_only_hq_finance_and_admins_move_money(db: Database) -> None:
    open_account(db)
    for who in (ANALYST, DEALER):
        with db.unit_of_work() as uow, pytest.raises(Refused, match="only HQ finance"):
            dealer_accounts.record_payment(
                uow,
                who,
                dealer_code="D001",
                amount_minor=1,
                currency="CNY",
                received_on="2027-03-01",
                reference="R",
                invoice_number="",
                today=SHIPPED_ON,
            )
    with db.unit_of_work() as uow:
        dealer_accounts.record_payment(
            uow,
            ADMIN,
            dealer_code="D001",
            amount_minor=1,
            currency="CNY",
            received_on="2027-03-01",
            reference="R",
            invoice_number="",
            today=SHIPPED_ON,
        )


def test_a_dealer_sees_only_its_own_account_and_a_station_none(db: Database) -> None:
    open_account(db)
    open_account(db, "D002", region="WEST")
    inv = invoice(db)
    with db.unit_of_work() as uow:
        assert dealer_accounts.get_account(uow, DEALER, "", SHIPPED_ON, POLICY).account.dealer_code == "D001"
        with pytest.raises(NotFound):
            dealer_accounts.get_account(uow, OTHER_DEALER, "D001", SHIPPED_ON, POLICY)
        with pytest.raises(NotFound):
            dealer_accounts.get_invoice(uow, OTHER_DEALER, inv.invoice_number, SHIPPED_ON)
        with pytest.raises(NotFound):
            dealer_accounts.get_statement(uow, OTHER_DEALER, "D001", "2027-03-01", "2027-03-31")
        assert dealer_accounts.list_invoices(uow, OTHER_DEALER, SHIPPED_ON, offset=0, limit=10) == []
        with pytest.raises(NotFound):
            dealer_accounts.list_invoices(uow, OTHER_DEALER, SHIPPED_ON, dealer_code="D001", offset=0, limit=10)
        with pytest.raises(Refused):
            dealer_accounts.get_account(uow, STATION, "D001", SHIPPED_ON, POLICY)
        with pytest.raises(Refused):
            dealer_accounts.get_receivables(uow, DEALER, SHIPPED_ON, POLICY)
        assert len(dealer_accounts.list_invoices(uow, ANALYST, SHIPPED_ON, offset=0, limit=10)) == 1


def test_reminders_go_out_once_per_level_and_past_the_hold_level_new_orders_are_held(db: Database) -> None:
    open_account(db)
    inv = invoice(db)

    def remind(today: dt.date) -> list[tuple[str, int]]:
        with db.unit_of_work() as uow:
            sent = dealer_accounts.send_reminders(uow, today, POLICY)
            uow.commit()
            return [(row.invoice_number, row.level) for row in sent]

    assert remind(DUE_ON + dt.timedelta(days=6)) == []
    assert remind(DUE_ON + dt.timedelta(days=7)) == [(inv.invoice_number, 1)]
    assert remind(DUE_ON + dt.timedelta(days=8)) == []
    day_30 = DUE_ON + dt.timedelta(days=30)
    assert account(db, day_30 - dt.timedelta(days=1)).orders_held is False
    assert remind(day_30) == [(inv.invoice_number, 2)]
    held = account(db, day_30)
    assert held.orders_held and held.reminder_level == 2 and "30 days overdue" in held.hold_reason
    [first, second] = events(db, dealer_accounts.PAYMENT_REMINDER_SENT)
    assert (first["level"], first["orders_held"], second["level"], second["orders_held"]) == (1, False, 2, True)

    with db.unit_of_work() as uow:
        reminders = dealer_accounts.list_reminders(uow, DEALER, offset=0, limit=10)
        assert [row.level for row in reminders] == [2, 1]
        assert dealer_accounts.list_reminders(uow, OTHER_DEALER, offset=0, limit=10) == []

    # Paid: nothing more is sent and the hold lifts.
    pay(db, inv.total_minor, "BANK-PAID", day_30)
    assert remind(DUE_ON + dt.timedelta(days=61)) == []
    assert account(db, DUE_ON + dt.timedelta(days=61)).orders_held is False


def approve(db: Database, number: str, today: dt.date, reason: str = "") -> VehicleOrderRow:
    now = dt.datetime.combine(today, dt.time(10), dt.UTC)
    with db.unit_of_work() as uow:
        uow.session.merge(DealerQuotaRow(dealer_code="D001", month=today.strftime("%Y-%m"), vehicles=100))
        row = orders.approve_order(uow, ADMIN, number, now, credit_override_reason=reason, policy=POLICY)
        uow.commit()
        return row


def test_an_order_over_the_credit_limit_is_held_with_the_figures_until_hq_gives_a_reason(db: Database) -> None:
    price = LX + SUNROOF
    open_account(db, limit=2 * price + price // 2)
    invoice(db)
    add_order(db, status="approved")
    number = add_order(db, status="submitted")
    today = SHIPPED_ON + dt.timedelta(days=1)

    with db.unit_of_work() as uow:
        check = dealer_accounts.check_credit(uow, ANALYST, number, today, POLICY)
    assert check.decision is not None and check.decision.held
    assert check.account is not None and check.account.balance_minor == price
    assert check.committed_others_minor == price
    assert check.decision.used_after_minor == 3 * price

    with pytest.raises(Refused) as refused:
        approve(db, number, today)
    assert "limit of CNY 50,250.00" in str(refused.value) and "credit override reason" in str(refused.value)

    row = approve(db, number, today, reason="Fleet deal signed; payment guaranteed by the bank")
    assert row.status == "approved"
    with db.unit_of_work() as uow:
        override = uow.session.get(CreditOverrideRow, number)
        assert override is not None and override.approved_by == "hq.admin"
        assert override.held_for == list(check.decision.reasons)
        again = dealer_accounts.check_credit(uow, ANALYST, number, today, POLICY)
    assert again.override is not None and again.override.reason.startswith("Fleet deal")
    [approved] = [event for event in events(db, orders.ORDER_APPROVED) if event["order_number"] == number]
    assert approved["credit_override"]["reason"].startswith("Fleet deal")


def test_an_order_within_the_limit_or_without_credit_terms_is_approved_as_before(db: Database) -> None:
    open_account(db, limit=10 * (LX + SUNROOF))
    number = add_order(db, status="submitted")
    assert approve(db, number, SHIPPED_ON).status == "approved"
    other = add_order(db, "D007", status="submitted")
    with db.unit_of_work() as uow:
        uow.session.merge(DealerQuotaRow(dealer_code="D007", month="2027-03", vehicles=5))
        uow.commit()
        check = dealer_accounts.check_credit(uow, ANALYST, other, SHIPPED_ON, POLICY)
    assert check.account is None and check.decision is None


def test_overdue_past_the_hold_level_holds_new_orders(db: Database) -> None:
    open_account(db, limit=None)
    invoice(db)
    number = add_order(db, status="submitted")
    with pytest.raises(Refused, match="reminder level 2"):
        approve(db, number, DUE_ON + dt.timedelta(days=30))
    assert approve(db, number, DUE_ON + dt.timedelta(days=29)).status == "approved"


def statement(db: Database, who: Principal, start: str, end: str, dealer: str = "D001") -> Any:
    with db.unit_of_work() as uow:
        return dealer_accounts.get_statement(uow, who, dealer, start, end)


def test_a_statement_balances_to_the_minor_unit_and_shows_open_items_at_its_end(db: Database) -> None:
    open_account(db)
    before = invoice(db, on=dt.date(2027, 2, 10))
    march = invoice(db, on=dt.date(2027, 3, 5))
    pay(db, 333_333, "BANK-A", dt.date(2027, 2, 20))
    pay(db, 1_111_111, "BANK-B", dt.date(2027, 3, 10))
    with db.unit_of_work() as uow:
        dealer_accounts.issue_credit_note(
            uow,
            FINANCE,
            dealer_code="D001",
            amount_minor=12_345,
            currency="CNY",
            kind="return",
            reason="Floor mats returned",
            invoice_number=march.invoice_number,
            reference="RMA-88",
            today=dt.date(2027, 3, 12),
        )
        uow.commit()
    pay(db, 99, "BANK-C", dt.date(2027, 4, 2))

    view = statement(db, DEALER, "2027-03-01", "2027-03-31")
    s = view.statement
    assert s.opening_balance_minor == before.total_minor - 333_333
    assert [(line.entry.kind.value, line.entry.reference) for line in s.lines] == [
        ("invoice", march.invoice_number),
        ("payment", "BANK-B"),
        ("credit_note", view.statement.lines[2].entry.reference),
    ]
    assert s.closing_balance_minor == before.total_minor + march.total_minor - 333_333 - 1_111_111 - 12_345
    assert s.lines[-1].balance_minor == s.closing_balance_minor
    assert sum(open_minor.open_minor for open_minor, _ in view.open_items) == s.closing_balance_minor
    # The next period opens where this one closed.
    april = statement(db, DEALER, "2027-04-01", "2027-04-30").statement
    assert april.opening_balance_minor == s.closing_balance_minor
    assert april.closing_balance_minor == s.closing_balance_minor - 99


def test_a_dealer_disputes_a_line_and_hq_finance_resolves_it(db: Database) -> None:
    open_account(db)
    inv = invoice(db)
    with db.unit_of_work() as uow:
        dispute = dealer_accounts.dispute_line(
            uow,
            DEALER,
            dealer_code="D001",
            line_kind="invoice",
            line_reference=inv.invoice_number,
            reason="Rebate SPRING27 missing",
        )
        uow.commit()
    with db.unit_of_work() as uow, pytest.raises(Refused, match="already disputed"):
        dealer_accounts.dispute_line(
            uow, DEALER, dealer_code="D001", line_kind="invoice", line_reference=inv.invoice_number, reason="again"
        )
    with db.unit_of_work() as uow, pytest.raises(ValidationFailed) as unknown:
        dealer_accounts.dispute_line(
            uow, DEALER, dealer_code="D001", line_kind="payment", line_reference="NOPE", reason="what is this"
        )
    assert unknown.value.violations[0].field == "line_reference"
    with db.unit_of_work() as uow, pytest.raises(NotFound):
        dealer_accounts.dispute_line(
            uow, OTHER_DEALER, dealer_code="D001", line_kind="invoice", line_reference=inv.invoice_number, reason="x"
        )

    view = statement(db, FINANCE, "2027-03-01", "2027-03-31")
    assert view.statement.lines[0].entry.reference == inv.invoice_number
    assert view.disputes[("invoice", inv.invoice_number)] == dispute.id
    assert account(db, SHIPPED_ON).open_disputes == 1

    now = dt.datetime(2027, 3, 5, tzinfo=dt.UTC)
    with db.unit_of_work() as uow, pytest.raises(Refused, match="only HQ finance"):
        dealer_accounts.resolve_dispute(uow, ANALYST, dispute.id, "no", now)
    with db.unit_of_work() as uow, pytest.raises(NotFound):
        dealer_accounts.resolve_dispute(uow, OTHER_DEALER, dispute.id, "no", now)
    with db.unit_of_work() as uow:
        done = dealer_accounts.resolve_dispute(uow, FINANCE, dispute.id, "Rebate credited by CN", now)
        uow.commit()
    assert (done.status, done.resolved_by) == ("resolved", "hq.finance")
    with db.unit_of_work() as uow:
        assert [
            row.id for row in dealer_accounts.list_disputes(uow, FINANCE, status="resolved", offset=0, limit=5)
        ] == [dispute.id]


def test_a_dealer_confirms_the_statement_it_saw_and_not_one_that_changed(db: Database) -> None:
    open_account(db)
    invoice(db)
    seen = statement(db, DEALER, "2027-03-01", "2027-03-31").statement.closing_balance_minor
    today = dt.date(2027, 4, 2)
    now = dt.datetime(2027, 4, 2, 9, tzinfo=dt.UTC)

    def confirm(balance: int, end: str = "2027-03-31", who: Principal = DEALER) -> Any:
        with db.unit_of_work() as uow:
            row = dealer_accounts.confirm_statement(
                uow,
                who,
                dealer_code="D001",
                period_from="2027-03-01",
                period_to=end,
                closing_balance_minor=balance,
                today=today,
                now=now,
            )
            uow.commit()
            return row

    with pytest.raises(Refused, match="changed since it was read"):
        confirm(seen + 1)
    with pytest.raises(ValidationFailed):
        confirm(seen, end="2027-04-02")
    with pytest.raises(Refused, match="only the dealer"):
        confirm(seen, who=FINANCE)
    row = confirm(seen)
    assert (row.closing_balance_minor, row.confirmed_by) == (seen, "d001.sales")
    assert statement(db, FINANCE, "2027-03-01", "2027-03-31").confirmation is not None
    with db.unit_of_work() as uow:
        assert len(dealer_accounts.list_confirmations(uow, FINANCE, offset=0, limit=5)) == 1
        assert dealer_accounts.list_confirmations(uow, OTHER_DEALER, offset=0, limit=5) == []


def test_a_bank_file_is_recorded_whole_or_not_at_all_and_twice_records_nothing_more(db: Database) -> None:
    open_account(db)
    open_account(db, "D002", region="WEST")
    inv = invoice(db)
    good = (
        "value_date,dealer_code,amount,currency,reference,invoice_number\n"
        f"2027-03-04,D001,1000.00,CNY,TRX-1,{inv.invoice_number}\n"
        "2027-03-04,D002,25.50,CNY,TRX-2,\n"
    ).encode()
    bad = good + b"2027-03-04,D404,1.00,CNY,TRX-3,\n2027-03-04,D001,1.00,EUR,TRX-4,\n"
    today = dt.date(2027, 3, 5)
    with db.unit_of_work() as uow, pytest.raises(ValidationFailed) as refused:
        dealer_accounts.import_payments(uow, FINANCE, bad, today)
    assert [v.field for v in refused.value.violations] == ["line 4: dealer_code", "line 5: currency"]
    with db.unit_of_work() as uow:
        first = dealer_accounts.import_payments(uow, FINANCE, good, today)
        uow.commit()
    with db.unit_of_work() as uow:
        second = dealer_accounts.import_payments(uow, FINANCE, good, today)
        uow.commit()
    assert [(view.payment.reference, view.replayed) for view in first] == [("TRX-1", False), ("TRX-2", False)]
    assert all(view.replayed for view in second)
    assert first[0].allocations[0].invoice_number == inv.invoice_number
    assert account(db, today, dealer="D002").balance_minor == -25_50


def test_receivables_by_region_age_as_each_invoice_does(db: Database) -> None:
    open_account(db)
    open_account(db, "D002", region="WEST")
    today = dt.date(2027, 8, 1)
    ages = [0, 1, 30, 31, 60, 61, 90, 91, -5]
    issued = []
    for days in ages:
        row = invoice(db, "D001" if days % 2 else "D002", on=today - dt.timedelta(days=30 + days))
        issued.append(row)
    pay(db, 1_00, "PART", today)
    with db.unit_of_work() as uow:
        regions, totals = dealer_accounts.get_receivables(uow, ANALYST, today, POLICY)
        views = dealer_accounts.list_invoices(uow, ANALYST, today, status="open", offset=0, limit=50)
        listed = dealer_accounts.list_accounts(uow, ANALYST, today, POLICY, offset=0, limit=10)
        by_bucket = {
            bucket: dealer_accounts.list_invoices(uow, ANALYST, today, ageing_bucket=bucket.value, offset=0, limit=50)
            for bucket in receivables.AgeingBucket
        }
    expected = receivables.ageing(
        [
            receivables.OpenInvoice(
                v.invoice.invoice_number, v.invoice.issued_on, v.invoice.due_on, v.invoice.open_minor
            )
            for v in views
        ],
        today,
    )
    [total] = totals
    assert total.ageing == expected
    assert {row.region for row in regions} == {"EAST", "WEST"}
    assert total.balance_minor == sum(row.total_minor for row in issued) - 1_00
    summed = receivables.Ageing()
    for view in listed:
        summed = summed.added(view.ageing)
    assert summed == expected
    for bucket, listed_views in by_bucket.items():
        assert {v.bucket for v in listed_views} <= {bucket}
        assert sum(v.invoice.open_minor for v in listed_views) == getattr(
            expected,
            {"current": "current", "1-30": "days_1_30", "31-60": "days_31_60", "61-90": "days_61_90", "90+": "over_90"}[
                bucket.value
            ],
        )
    # Held dealers: D001 has invoices 61 and 91 days overdue (hold from 30).
    assert total.dealers_held == 2


# --- From a shipped car to a balanced statement, through the real broker and gateway -------------

SHIPPED_QUEUE = "evt-order-order.vehicle_shipped--order.on_vehicle_shipped"


@pytest.fixture(scope="module")
def order_network(database: Database, amqp_uri: str) -> Iterator[Database]:
    """The order service's plant feed, outbox relay and Nameko worker, as real processes."""
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    connection.channel().queue_delete(SHIPPED_QUEUE)
    connection.close()
    with (
        running([sys.executable, "-m", "order_service.plant_feed"], log_name="accounts-plant-feed"),
        running([sys.executable, "-m", "plumbing.relay", "order"], log_name="accounts-order-relay"),
        running(nameko_service("order_service.service"), log_name="accounts-order-events"),
    ):
        wait_for("order worker consuming shipped cars", lambda: queue_consumed(amqp_uri, SHIPPED_QUEUE), timeout=60)
        yield database


@pytest.fixture(scope="module")
def gateway(database: Database, amqp_uri: str) -> Iterator[TestClient]:
    server, port = processes.serve_in_process(lambda _, grpc_server: register_servicers(database, grpc_server), None)
    try:
        with gateway_calling({"order": port}) as client:
            yield client
    finally:
        server.stop(grace=None)


def test_a_shipped_car_raises_an_invoice_that_is_paid_and_the_statement_balances(
    db: Database, order_network: Database, gateway: TestClient, amqp_uri: str
) -> None:
    finance, dealer = bearer(gateway, FINANCE), bearer(gateway, DEALER)
    terms = {"currency": "CNY", "credit_limit_minor": 50_000_000, "payment_terms_days": 45, "discount_bp": 150}
    assert gateway.put("/dealer-accounts/D001/credit-terms", json=terms, headers=finance).status_code == 200
    vin = "LDNAURLX0RS000777"
    vin = vin[:8] + vin_check_digit(vin) + vin[9:]
    number = add_order(db, status="scheduled")
    with db.unit_of_work() as uow:
        uow.session.execute(
            text("UPDATE vehicle_orders SET vin = :vin WHERE order_number = :n"), {"vin": vin, "n": number}
        )
        uow.commit()
    shipped_at = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(minutes=5)

    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    channel = connection.channel()
    channel.confirm_delivery()
    body = {
        "schema": 1,
        "event_id": str(uuid.uuid4()),
        "vin": vin,
        "plant": "SH1",
        "line": "L1",
        "station": "SHIP-010",
        "stage": "SHIP",
        "occurred_at": shipped_at.isoformat(),
    }
    channel.basic_publish("plant.events", "SH1.SHIP", json.dumps(body).encode(), pika.BasicProperties(delivery_mode=2))
    connection.close()

    def the_invoice() -> dict[str, Any] | None:
        answer = gateway.get("/invoices", params={"dealer_code": "D001"}, headers=dealer).json()
        return answer["invoices"][0] if answer["invoices"] else None

    invoice = wait_for("the shipped car's invoice", the_invoice, timeout=30)
    price = LX + SUNROOF
    discount = (price * 150 + 5_000) // 10_000
    assert (invoice["order_number"], invoice["vin"], invoice["issued_on"]) == (
        number,
        vin,
        shipped_at.date().isoformat(),
    )
    assert int(invoice["total_minor"]) == price - discount
    assert invoice["due_on"] == (shipped_at.date() + dt.timedelta(days=45)).isoformat()
    total = int(invoice["total_minor"])

    first = total // 3
    payments = [
        {
            "dealer_code": "D001",
            "amount_minor": first,
            "currency": "CNY",
            "received_on": shipped_at.date().isoformat(),
            "reference": "BANK-FLOW-1",
            "invoice_number": invoice["invoice_number"],
        },
        {
            "dealer_code": "D001",
            "amount_minor": total - first,
            "currency": "CNY",
            "received_on": shipped_at.date().isoformat(),
            "reference": "BANK-FLOW-2",
        },
    ]
    for payment in payments:
        answer = gateway.post("/payments", json=payment, headers=finance)
        assert answer.status_code == 201, answer.text
    paid = gateway.get(f"/invoices/{invoice['invoice_number']}", headers=dealer).json()
    assert (paid["status"], int(paid["open_minor"])) == ("paid", 0)
    listed = gateway.get("/payments", params={"dealer_code": "D001"}, headers=dealer).json()["payments"]
    assert {
        (payment["reference"], allocation["invoice_number"], int(allocation["amount_minor"]))
        for payment in listed
        for allocation in payment["allocations"]
    } == {("BANK-FLOW-1", invoice["invoice_number"], first), ("BANK-FLOW-2", invoice["invoice_number"], total - first)}

    period = {
        "period_from": (shipped_at.date() - dt.timedelta(days=3)).isoformat(),
        "period_to": shipped_at.date().isoformat(),
    }
    statement = gateway.get("/dealer-accounts/D001/statement", params=period, headers=dealer).json()
    assert int(statement["opening_balance_minor"]) == 0
    assert [line["reference"] for line in statement["lines"]] == [
        invoice["invoice_number"],
        "BANK-FLOW-1",
        "BANK-FLOW-2",
    ]
    assert int(statement["closing_balance_minor"]) == 0 == int(statement["lines"][-1]["balance_minor"])
    assert int(statement["total_debit_minor"]) == total == int(statement["total_credit_minor"])

    exported = gateway.get("/dealer-accounts/D001/statement", params={**period, "format": "csv"}, headers=dealer)
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    assert invoice["invoice_number"] in exported.text and "BANK-FLOW-2" in exported.text
    pdf = gateway.get("/dealer-accounts/D001/statement", params={**period, "format": "pdf"}, headers=dealer)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

    other = bearer(gateway, OTHER_DEALER)
    assert gateway.get("/dealer-accounts/D001/statement", params=period, headers=other).status_code == 404
    assert gateway.get(f"/invoices/{invoice['invoice_number']}", headers=other).status_code == 404


def test_a_bank_file_through_the_gateway(db: Database, gateway: TestClient) -> None:
    open_account(db)
    finance = bearer(gateway, FINANCE)
    yesterday = (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)).isoformat()
    csv_file = f"value_date,dealer_code,amount,currency,reference,invoice_number\n{yesterday},D001,10.00,CNY,TRX-G1,\n"
    csv_file_bytes = csv_file.encode()
    path = "/payments/imports?filename=bank.csv"

    text_csv = {**finance, "Content-Type": "text/csv"}
    wrong_type = gateway.post(path, content=csv_file_bytes, headers={**finance, "Content-Type": "application/json"})
    empty = gateway.post(path, content=b"", headers=text_csv)
    first = gateway.post(path, content=csv_file_bytes, headers=text_csv)
    again = gateway.post(path, content=csv_file_bytes, headers={**finance, "Content-Type": "text/csv; charset=utf-8"})
    dealer_csv = {**bearer(gateway, DEALER), "Content-Type": "text/csv"}
    by_dealer = gateway.post(path, content=csv_file_bytes, headers=dealer_csv)

    assert wrong_type.status_code == 415
    assert empty.status_code == 422 and empty.json()["errors"] == [{"field": "body", "message": "the file is empty"}]
    assert first.status_code == 201, first.text
    assert (first.json()["recorded"], again.status_code, again.json()["already_recorded"]) == (1, 200, 1)
    assert by_dealer.status_code == 403
