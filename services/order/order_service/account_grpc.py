"""The gRPC shell of dealer accounts (dealer_account.proto), served beside the orders."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import grpc

from dealernet.v1 import dealer_account_pb2 as pb
from dealernet.v1 import dealer_account_pb2_grpc
from order_service import dealer_accounts, receivables
from order_service.models import (
    AllocationRow,
    PaymentReminderRow,
    StatementConfirmationRow,
    StatementDisputeRow,
)
from plumbing.db import Database
from plumbing.grpc_support import Page, UnitOfWorkServicer


def _day(value: dt.date | None) -> str:
    return value.isoformat() if value is not None else ""


def _time(value: dt.datetime | None) -> str:
    return value.isoformat() if value is not None else ""


def ageing_message(ageing: receivables.Ageing) -> pb.Ageing:
    return pb.Ageing(
        current_minor=ageing.current,
        days_1_30_minor=ageing.days_1_30,
        days_31_60_minor=ageing.days_31_60,
        days_61_90_minor=ageing.days_61_90,
        over_90_minor=ageing.over_90,
        total_minor=ageing.total,
    )


def account_message(view: dealer_accounts.AccountView) -> pb.DealerAccount:
    account = view.account
    return pb.DealerAccount(
        dealer_code=account.dealer_code,
        region=account.region or "",
        currency=account.currency,
        credit_terms_set=account.credit_limit_minor is not None,
        credit_limit_minor=account.credit_limit_minor or 0,
        payment_terms_days=account.payment_terms_days,
        discount_bp=account.discount_bp,
        balance_minor=view.balance_minor,
        committed_minor=view.committed_minor,
        credit_used_minor=view.credit_used_minor,
        credit_available_minor=view.credit_available_minor,
        unapplied_minor=view.unapplied_minor,
        ageing=ageing_message(view.ageing),
        reminder_level=view.reminder_level,
        orders_held=view.orders_held,
        hold_reason=view.hold_reason,
        open_disputes=view.open_disputes,
        as_of=_day(view.as_of),
    )


def allocation_message(row: AllocationRow) -> pb.Allocation:
    return pb.Allocation(
        invoice_number=row.invoice_number,
        source_kind=row.source_kind,
        source_reference=row.source_reference,
        amount_minor=row.amount_minor,
        applied_on=_day(row.applied_on),
    )


def invoice_message(view: dealer_accounts.InvoiceView) -> pb.Invoice:
    row = view.invoice
    return pb.Invoice(
        invoice_number=row.invoice_number,
        dealer_code=row.dealer_code,
        region=row.region or "",
        order_number=row.order_number,
        vin=row.vin or "",
        issued_on=_day(row.issued_on),
        due_on=_day(row.due_on),
        currency=row.currency,
        total_minor=row.total_minor,
        open_minor=row.open_minor,
        status="open" if row.open_minor else "paid",
        days_overdue=view.days_overdue,
        ageing_bucket=view.bucket.value if row.open_minor else "",
        reminder_level=row.reminder_level,
        lines=[
            pb.InvoiceLine(
                kind=str(line["kind"]),
                description=str(line["description"]),
                amount_minor=int(str(line["amount_minor"])),
            )
            for line in row.lines
        ],
        allocations=[allocation_message(item) for item in view.allocations],
    )


def payment_message(view: dealer_accounts.PaymentView) -> pb.Payment:
    row = view.payment
    return pb.Payment(
        dealer_code=row.dealer_code,
        reference=row.reference,
        amount_minor=row.amount_minor,
        currency=row.currency,
        received_on=_day(row.received_on),
        recorded_by=row.recorded_by,
        allocations=[allocation_message(item) for item in view.allocations],
        unapplied_minor=row.unapplied_minor,
        replayed=view.replayed,
    )


def credit_note_message(view: dealer_accounts.CreditNoteView) -> pb.CreditNote:
    row = view.credit_note
    return pb.CreditNote(
        credit_note_number=row.credit_note_number,
        dealer_code=row.dealer_code,
        kind=row.kind,
        reason=row.reason,
        amount_minor=row.amount_minor,
        currency=row.currency,
        issued_on=_day(row.issued_on),
        issued_by=row.issued_by,
        allocations=[allocation_message(item) for item in view.allocations],
        unapplied_minor=row.unapplied_minor,
        reference=row.reference,
        replayed=view.replayed,
    )


def confirmation_message(row: StatementConfirmationRow) -> pb.StatementConfirmation:
    return pb.StatementConfirmation(
        dealer_code=row.dealer_code,
        period_from=_day(row.period_from),
        period_to=_day(row.period_to),
        closing_balance_minor=row.closing_balance_minor,
        confirmed_by=row.confirmed_by,
        confirmed_at=_time(row.confirmed_at),
        region=row.region or "",
    )


def statement_message(view: dealer_accounts.StatementView) -> pb.Statement:
    statement = view.statement
    period_to = statement.period_to
    return pb.Statement(
        dealer_code=view.account.dealer_code,
        region=view.account.region or "",
        currency=view.account.currency,
        period_from=_day(statement.period_from),
        period_to=_day(period_to),
        opening_balance_minor=statement.opening_balance_minor,
        lines=[
            pb.StatementLine(
                on=_day(line.entry.on),
                kind=line.entry.kind.value,
                reference=line.entry.reference,
                description=line.entry.description,
                debit_minor=line.debit_minor,
                credit_minor=line.credit_minor,
                balance_minor=line.balance_minor,
                dispute_id=view.disputes.get((line.entry.kind.value, line.entry.reference), 0),
            )
            for line in statement.lines
        ],
        total_debit_minor=statement.total_debit_minor,
        total_credit_minor=statement.total_credit_minor,
        closing_balance_minor=statement.closing_balance_minor,
        open_items=[
            pb.OpenItem(
                invoice_number=item.invoice_number,
                issued_on=_day(item.issued_on),
                due_on=_day(item.due_on),
                total_minor=total,
                open_minor=item.open_minor,
                days_overdue=receivables.days_overdue(item.due_on, period_to),
            )
            for item, total in view.open_items
        ],
        ageing=ageing_message(view.ageing),
        confirmation=confirmation_message(view.confirmation) if view.confirmation else None,
    )


def dispute_message(row: StatementDisputeRow) -> pb.Dispute:
    return pb.Dispute(
        id=row.id,
        dealer_code=row.dealer_code,
        region=row.region or "",
        line_kind=row.line_kind,
        line_reference=row.line_reference,
        amount_minor=row.amount_minor,
        reason=row.reason,
        status=row.status,
        raised_by=row.raised_by,
        raised_at=_time(row.raised_at),
        resolution=row.resolution or "",
        resolved_by=row.resolved_by or "",
        resolved_at=_time(row.resolved_at),
    )


def reminder_message(row: PaymentReminderRow) -> pb.Reminder:
    return pb.Reminder(
        invoice_number=row.invoice_number,
        dealer_code=row.dealer_code,
        level=row.level,
        days_overdue=row.days_overdue,
        open_minor=row.open_minor,
        currency=row.currency,
        due_on=_day(row.due_on),
        sent_at=_time(row.sent_at),
        orders_held=row.orders_held,
    )


def receivables_row_message(row: dealer_accounts.ReceivablesRow) -> pb.ReceivablesRow:
    return pb.ReceivablesRow(
        region=row.region or "",
        currency=row.currency,
        dealers=row.dealers,
        balance_minor=row.balance_minor,
        ageing=ageing_message(row.ageing),
        credit_limit_minor=row.credit_limit_minor,
        credit_used_minor=row.credit_used_minor,
        open_disputes=row.open_disputes,
        dealers_held=row.dealers_held,
    )


def credit_check_message(view: dealer_accounts.CreditCheckView) -> pb.CreditCheck:
    order, account, decision, override = view.order, view.account, view.decision, view.override
    message = pb.CreditCheck(
        order_number=order.order_number,
        dealer_code=order.dealer_code,
        currency=account.account.currency if account else order.currency,
        order_value_minor=order.list_price_minor,
        override_reason=override.reason if override else "",
        override_by=override.approved_by if override else "",
        override_at=_time(override.approved_at) if override else "",
    )
    if account is not None and decision is not None:
        message.credit_terms_set = account.account.credit_limit_minor is not None
        message.credit_limit_minor = account.account.credit_limit_minor or 0
        message.balance_minor = account.balance_minor
        message.committed_minor = view.committed_others_minor
        message.used_after_minor = decision.used_after_minor
        message.available_before_minor = decision.available_before_minor or 0
        message.reminder_level = account.reminder_level
        message.held = decision.held
        message.reasons.extend(decision.reasons)
    return message


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


class DealerAccountServicer(UnitOfWorkServicer, dealer_account_pb2_grpc.DealerAccountServiceServicer):
    def __init__(self, database: Database, policy: dealer_accounts.OverduePolicy | None = None) -> None:
        super().__init__(database)
        self.policy = policy or dealer_accounts.overdue_policy()

    @staticmethod
    def _paged(page: Page, rows: Sequence[Any]) -> tuple[Sequence[Any], str]:
        return page.shown(rows), page.next_token(rows)

    def GetAccount(self, request: Any, context: grpc.ServicerContext) -> pb.DealerAccount:  # noqa: N802
        return self._read(
            context,
            lambda uow, who: account_message(
                dealer_accounts.get_account(uow, who, request.dealer_code, _today(), self.policy)
            ),
        )

    def ListAccounts(self, request: Any, context: grpc.ServicerContext) -> pb.ListAccountsResponse:  # noqa: N802
        page = Page.of(request)
        rows = self._read(
            context,
            lambda uow, who: dealer_accounts.list_accounts(
                uow,
                who,
                _today(),
                self.policy,
                region=request.region,
                overdue_only=request.overdue_only,
                offset=page.offset,
                limit=page.fetch,
            ),
        )
        shown, token = self._paged(page, rows)
        return pb.ListAccountsResponse(accounts=[account_message(view) for view in shown], next_page_token=token)

    def SetCreditTerms(self, request: Any, context: grpc.ServicerContext) -> pb.DealerAccount:  # noqa: N802
        return self._write(
            context,
            lambda uow, who: account_message(
                dealer_accounts.set_credit_terms(
                    uow,
                    who,
                    request.dealer_code,
                    currency=request.currency,
                    credit_limit_minor=request.credit_limit_minor,
                    payment_terms_days=request.payment_terms_days,
                    discount_bp=request.discount_bp,
                    region=request.region,
                    today=_today(),
                    policy=self.policy,
                )
            ),
        )

    def ListInvoices(self, request: Any, context: grpc.ServicerContext) -> pb.ListInvoicesResponse:  # noqa: N802
        page = Page.of(request)
        rows = self._read(
            context,
            lambda uow, who: dealer_accounts.list_invoices(
                uow,
                who,
                _today(),
                dealer_code=request.dealer_code,
                status=request.status,
                region=request.region,
                ageing_bucket=request.ageing_bucket,
                offset=page.offset,
                limit=page.fetch,
            ),
        )
        shown, token = self._paged(page, rows)
        return pb.ListInvoicesResponse(invoices=[invoice_message(view) for view in shown], next_page_token=token)

    def GetInvoice(self, request: Any, context: grpc.ServicerContext) -> pb.Invoice:  # noqa: N802
        return self._read(
            context,
            lambda uow, who: invoice_message(dealer_accounts.get_invoice(uow, who, request.invoice_number, _today())),
        )

    def RecordPayment(self, request: Any, context: grpc.ServicerContext) -> pb.Payment:  # noqa: N802
        return self._write(
            context,
            lambda uow, who: payment_message(
                dealer_accounts.record_payment(
                    uow,
                    who,
                    dealer_code=request.dealer_code,
                    amount_minor=request.amount_minor,
                    currency=request.currency,
                    received_on=request.received_on,
                    reference=request.reference,
                    invoice_number=request.invoice_number,
                    today=_today(),
                )
            ),
        )

    def ImportPayments(self, request: Any, context: grpc.ServicerContext) -> pb.ImportPaymentsResponse:  # noqa: N802
        views = self._write(context, lambda uow, who: dealer_accounts.import_payments(uow, who, request.csv, _today()))
        replayed = sum(1 for view in views if view.replayed)
        return pb.ImportPaymentsResponse(
            payments=[payment_message(view) for view in views],
            recorded=len(views) - replayed,
            already_recorded=replayed,
        )

    def ListPayments(self, request: Any, context: grpc.ServicerContext) -> pb.ListPaymentsResponse:  # noqa: N802
        page = Page.of(request)
        rows = self._read(
            context,
            lambda uow, who: dealer_accounts.list_payments(
                uow, who, dealer_code=request.dealer_code, offset=page.offset, limit=page.fetch
            ),
        )
        shown, token = self._paged(page, rows)
        return pb.ListPaymentsResponse(payments=[payment_message(view) for view in shown], next_page_token=token)

    def IssueCreditNote(self, request: Any, context: grpc.ServicerContext) -> pb.CreditNote:  # noqa: N802
        return self._write(
            context,
            lambda uow, who: credit_note_message(
                dealer_accounts.issue_credit_note(
                    uow,
                    who,
                    dealer_code=request.dealer_code,
                    amount_minor=request.amount_minor,
                    currency=request.currency,
                    kind=request.kind,
                    reason=request.reason,
                    invoice_number=request.invoice_number,
                    reference=request.reference,
                    today=_today(),
                )
            ),
        )

    def GetStatement(self, request: Any, context: grpc.ServicerContext) -> pb.Statement:  # noqa: N802
        return self._read(
            context,
            lambda uow, who: statement_message(
                dealer_accounts.get_statement(uow, who, request.dealer_code, request.period_from, request.period_to)
            ),
        )

    def DisputeLine(self, request: Any, context: grpc.ServicerContext) -> pb.Dispute:  # noqa: N802
        return self._write(
            context,
            lambda uow, who: dispute_message(
                dealer_accounts.dispute_line(
                    uow,
                    who,
                    dealer_code=request.dealer_code,
                    line_kind=request.line_kind,
                    line_reference=request.line_reference,
                    reason=request.reason,
                )
            ),
        )

    def ResolveDispute(self, request: Any, context: grpc.ServicerContext) -> pb.Dispute:  # noqa: N802
        return self._write(
            context,
            lambda uow, who: dispute_message(
                dealer_accounts.resolve_dispute(uow, who, request.id, request.resolution, dt.datetime.now(dt.UTC))
            ),
        )

    def ListDisputes(self, request: Any, context: grpc.ServicerContext) -> pb.ListDisputesResponse:  # noqa: N802
        page = Page.of(request)
        rows = self._read(
            context,
            lambda uow, who: dealer_accounts.list_disputes(
                uow,
                who,
                dealer_code=request.dealer_code,
                status=request.status,
                region=request.region,
                offset=page.offset,
                limit=page.fetch,
            ),
        )
        shown, token = self._paged(page, rows)
        return pb.ListDisputesResponse(disputes=[dispute_message(row) for row in shown], next_page_token=token)

    def ConfirmStatement(self, request: Any, context: grpc.ServicerContext) -> pb.StatementConfirmation:  # noqa: N802
        now = dt.datetime.now(dt.UTC)
        row = self._write(
            context,
            lambda uow, who: dealer_accounts.confirm_statement(
                uow,
                who,
                dealer_code=request.dealer_code,
                period_from=request.period_from,
                period_to=request.period_to,
                closing_balance_minor=request.closing_balance_minor,
                today=now.date(),
                now=now,
            ),
        )
        return confirmation_message(row)

    def ListConfirmations(self, request: Any, context: grpc.ServicerContext) -> pb.ListConfirmationsResponse:  # noqa: N802
        page = Page.of(request)
        rows = self._read(
            context,
            lambda uow, who: dealer_accounts.list_confirmations(
                uow, who, dealer_code=request.dealer_code, region=request.region, offset=page.offset, limit=page.fetch
            ),
        )
        shown, token = self._paged(page, rows)
        return pb.ListConfirmationsResponse(
            confirmations=[confirmation_message(row) for row in shown], next_page_token=token
        )

    def ListReminders(self, request: Any, context: grpc.ServicerContext) -> pb.ListRemindersResponse:  # noqa: N802
        page = Page.of(request)
        rows = self._read(
            context,
            lambda uow, who: dealer_accounts.list_reminders(
                uow, who, dealer_code=request.dealer_code, offset=page.offset, limit=page.fetch
            ),
        )
        shown, token = self._paged(page, rows)
        return pb.ListRemindersResponse(reminders=[reminder_message(row) for row in shown], next_page_token=token)

    def GetReceivables(self, request: Any, context: grpc.ServicerContext) -> pb.Receivables:  # noqa: N802
        today = _today()
        regions, totals = self._read(
            context,
            lambda uow, who: dealer_accounts.get_receivables(uow, who, today, self.policy, region=request.region),
        )
        return pb.Receivables(
            as_of=_day(today),
            regions=[receivables_row_message(row) for row in regions],
            totals=[receivables_row_message(row) for row in totals],
        )

    def CheckCredit(self, request: Any, context: grpc.ServicerContext) -> pb.CreditCheck:  # noqa: N802
        return self._read(
            context,
            lambda uow, who: credit_check_message(
                dealer_accounts.check_credit(uow, who, request.order_number, _today(), self.policy)
            ),
        )
