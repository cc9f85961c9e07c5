"""Dealers' accounts with the maker: credit terms, invoices, payments, credit notes,
statements (JSON, CSV or PDF), disputes, statement confirmations, reminders, and
headquarters' receivables.

The order service keeps the accounts (it ships the cars that raise the invoices) and scopes
every answer again: a dealer sees only its own account and gets 404 for any other dealer's;
a station sees none. The gateway turns away roles a route is not for (403) and bodies that
cannot be right (422). Money is in integer minor units of the account's one currency (CNY
fen, say), never a float; dates are ISO dates.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from starlette.concurrency import run_in_threadpool

from dealernet.v1 import dealer_account_pb2
from gateway import api_link, roles, statement_export
from gateway.backends import Services, as_dict, call, metadata_for
from gateway.problems import NOT_FOUND, REFUSED, SERVICE_UNAVAILABLE, Problem
from gateway.routes import PageSize
from gateway.security import require
from gateway.uploads import CSV_MEDIA_TYPE, csv_answers, csv_request_body, read_csv
from plumbing.principal import Principal

router = APIRouter(tags=["dealer accounts"], responses=SERVICE_UNAVAILABLE)

# A bank's file of a few days' transfers to the maker is far smaller; anything bigger is a wrong file.
MAX_PAYMENT_IMPORT_BYTES = 5 * 1024 * 1024
PDF_MEDIA_TYPE = "application/pdf"
JSON_MEDIA_TYPE = "application/json"
# Every line of a bank file is checked before any is recorded: more than one lookup's time.
IMPORT_TIMEOUT_SECONDS = 60.0

INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)
AGEING_BUCKETS = ("current", "1-30", "31-60", "61-90", "90+")

_DEALER_CODE = r"^[A-Za-z0-9_-]{1,20}$"
_CURRENCY = r"^[A-Z]{3}$"

PageToken = Annotated[str, Query(max_length=500)]
DealerFilter = Annotated[
    str, Query(max_length=20, description="One dealer's code; a dealer sees only its own, and another's is 404.")
]
RegionFilter = Annotated[str, Query(max_length=20, description="One region's code, e.g. EAST.")]
DealerCode = Annotated[str, Path(min_length=1, max_length=20, pattern=_DEALER_CODE, examples=["D001"])]


# --- Bodies ---------------------------------------------------------------------------------------


class CreditTermsBody(BaseModel):
    """A dealer's credit terms; the first call opens the account and needs its currency."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    currency: str | None = Field(
        default=None,
        pattern=_CURRENCY,
        description="ISO 4217. Needed when the account is opened; it cannot change afterwards.",
        examples=["CNY"],
    )
    credit_limit_minor: int = Field(
        ge=0, le=INT64_MAX, description="In minor units of the account's currency.", examples=[500_000_000]
    )
    payment_terms_days: int = Field(ge=0, le=365, description="Days from invoice to due date.", examples=[30])
    discount_bp: int = Field(
        default=0, ge=0, le=10_000, description="Discount off each invoiced car, in basis points.", examples=[350]
    )
    region: str | None = Field(
        default=None, min_length=1, max_length=20, description="Kept as it is when left out.", examples=["EAST"]
    )


class PaymentBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    dealer_code: str = Field(pattern=_DEALER_CODE, examples=["D001"])
    amount_minor: int = Field(gt=0, le=INT64_MAX, description="In minor units of `currency`.", examples=[12_500_000])
    currency: str = Field(pattern=_CURRENCY, description="The account's currency (ISO 4217).", examples=["CNY"])
    received_on: dt.date = Field(description="The bank's value date.", examples=["2027-02-15"])
    reference: str = Field(
        min_length=1,
        max_length=64,
        description="The bank's reference of the transfer: one payment per reference and dealer.",
        examples=["BOC-20270215-000123"],
    )
    invoice_number: str | None = Field(
        default=None,
        min_length=1,
        max_length=40,
        description="The invoice the dealer says it pays, paid first; else the oldest due.",
        examples=["INV-2027-0000042"],
    )


class CreditNoteBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    dealer_code: str = Field(pattern=_DEALER_CODE, examples=["D001"])
    amount_minor: int = Field(gt=0, le=INT64_MAX, description="In minor units of `currency`.", examples=[350_000])
    currency: str = Field(pattern=_CURRENCY, description="The account's currency (ISO 4217).", examples=["CNY"])
    kind: Literal["return", "warranty", "goodwill", "price_correction"] = Field(examples=["warranty"])
    reason: str = Field(min_length=1, max_length=500, examples=["Warranty reimbursement, repair order RO-2027-0042"])
    invoice_number: str | None = Field(
        default=None,
        min_length=1,
        max_length=40,
        description="The invoice it credits, credited first; else the oldest due.",
        examples=["INV-2027-0000042"],
    )
    reference: str = Field(
        min_length=1,
        max_length=64,
        description="The claim or return the credit answers: one credit note per reference and dealer.",
        examples=["WC-2027-000317"],
    )


class DisputeBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    dealer_code: str = Field(pattern=_DEALER_CODE, description="The caller's own dealer.", examples=["D001"])
    line_kind: Literal["invoice", "payment", "credit_note"] = Field(examples=["invoice"])
    line_reference: str = Field(
        min_length=1,
        max_length=64,
        description="The statement line's reference: an invoice number, a payment's bank reference or "
        "a credit note number.",
        examples=["INV-2027-0000042"],
    )
    reason: str = Field(min_length=1, max_length=500, examples=["Invoiced with the sunroof option, delivered without"])


class ResolutionBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    resolution: str = Field(
        min_length=1, max_length=500, examples=["Credit note CN-2027-0007 issued for the sunroof option"]
    )


class ConfirmationBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    dealer_code: str = Field(pattern=_DEALER_CODE, description="The caller's own dealer.", examples=["D001"])
    period_from: dt.date = Field(examples=["2027-01-01"])
    period_to: dt.date = Field(examples=["2027-03-31"])
    closing_balance_minor: int = Field(
        ge=INT64_MIN,
        le=INT64_MAX,
        description="The closing balance the dealer saw; refused (409) when the statement has changed since.",
        examples=[125_000_000],
    )

    @field_validator("period_to")
    @classmethod
    def _not_before_start(cls, period_to: dt.date, info: ValidationInfo) -> dt.date:
        period_from = info.data.get("period_from")
        if period_from is not None and period_to < period_from:
            raise ValueError("must not be before period_from")
        return period_to


# --- Links ----------------------------------------------------------------------------------------


def with_invoice_links(account: dict[str, Any]) -> dict[str, Any]:
    """The account with `invoices`: the route listing its invoices, and per ageing bucket the
    route listing the open invoices in that bucket."""
    code = account.get("dealer_code", "")
    return {
        **account,
        "invoices": {
            "all": api_link("invoices", dealer_code=code),
            "by_ageing_bucket": {
                bucket: api_link("invoices", dealer_code=code, ageing_bucket=bucket) for bucket in AGEING_BUCKETS
            },
        },
    }


def receivables_answer(receivables: dict[str, Any]) -> dict[str, Any]:
    """Each row with `list`: the accounts behind it (a total's: every account)."""
    return {
        **receivables,
        "regions": [
            {**row, "list": api_link("dealer-accounts", region=row.get("region", ""))}
            for row in receivables.get("regions", [])
        ],
        "totals": [{**row, "list": api_link("dealer-accounts")} for row in receivables.get("totals", [])],
    }


# --- Accounts -------------------------------------------------------------------------------------


@router.get("/dealer-accounts")
async def list_accounts(
    services: Services,
    principal: Principal = Depends(require(*roles.WATCHERS)),
    region: RegionFilter = "",
    overdue_only: bool = Query(False, description="Only accounts with something overdue."),
    page_size: PageSize = 50,
    page_token: PageToken = "",
) -> dict[str, Any]:
    """Every dealer's account with its credit, balance and ageing, worst overdue first. Each
    account carries `invoices`: the route listing its invoices, and one per ageing bucket
    listing the open invoices in it."""
    request = dealer_account_pb2.ListAccountsRequest(
        region=region, overdue_only=overdue_only, page_size=page_size, page_token=page_token
    )
    answer = as_dict(await call(services.dealer_accounts.ListAccounts, request, principal))
    return {**answer, "accounts": [with_invoice_links(account) for account in answer["accounts"]]}


@router.get("/dealer-accounts/{dealer_code}")
async def get_account(
    dealer_code: DealerCode, services: Services, principal: Principal = Depends(require(*roles.DEALER_VIEWS))
) -> dict[str, Any]:
    """One dealer's account: currency, credit terms and discount, balance, approved orders not
    yet invoiced, credit used and available, unapplied money, ageing, reminder level, whether
    its new orders are held, open disputes. A dealer sees its own; any other is 404."""
    request = dealer_account_pb2.GetAccountRequest(dealer_code=dealer_code)
    return as_dict(await call(services.dealer_accounts.GetAccount, request, principal))


@router.put("/dealer-accounts/{dealer_code}/credit-terms", responses=REFUSED)
async def set_credit_terms(
    dealer_code: DealerCode,
    body: CreditTermsBody,
    services: Services,
    principal: Principal = Depends(require(*roles.FINANCE)),
) -> dict[str, Any]:
    """Sets the dealer's credit limit, payment terms and discount, and answers the account.
    The first call opens the account and needs `currency`; a currency other than the
    account's afterwards is refused (409). Left-out `region` keeps the account's."""
    request = dealer_account_pb2.SetCreditTermsRequest(
        dealer_code=dealer_code,
        currency=body.currency or "",
        credit_limit_minor=body.credit_limit_minor,
        payment_terms_days=body.payment_terms_days,
        discount_bp=body.discount_bp,
        region=body.region or "",
    )
    return as_dict(await call(services.dealer_accounts.SetCreditTerms, request, principal))


# --- Statements -----------------------------------------------------------------------------------

_STATEMENT_FORMATS = {"json": JSON_MEDIA_TYPE, "csv": CSV_MEDIA_TYPE, "pdf": PDF_MEDIA_TYPE}


def negotiated_format(requested: str | None, accept: str) -> str:
    """`?format=` when given; else the first of JSON, CSV and PDF the Accept header prefers
    (by q); else JSON."""
    if requested:
        return requested
    by_media_type = {media_type: name for name, media_type in _STATEMENT_FORMATS.items()}
    offers: list[tuple[float, int, str]] = []
    for position, entry in enumerate(accept.split(",")):
        media_type, *parameters = (part.strip() for part in entry.split(";"))
        quality = 1.0
        for parameter in parameters:
            key, _, value = parameter.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media_type.lower() in by_media_type and quality > 0:
            offers.append((-quality, position, by_media_type[media_type.lower()]))
    return min(offers)[2] if offers else "json"


@router.get(
    "/dealer-accounts/{dealer_code}/statement",
    response_model=None,
    responses={
        200: {
            "description": "The statement: JSON, or a CSV or PDF file as an attachment.",
            "content": {
                CSV_MEDIA_TYPE: {"schema": {"type": "string"}},
                PDF_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
)
async def get_statement(
    dealer_code: DealerCode,
    request: Request,
    services: Services,
    principal: Principal = Depends(require(*roles.DEALER_VIEWS)),
    period_from: dt.date | None = Query(
        None, description="First day, inclusive; the first of this month when left out.", examples=["2027-01-01"]
    ),
    period_to: dt.date | None = Query(
        None, description="Last day, inclusive, at most 366 days on; today when left out.", examples=["2027-03-31"]
    ),
    file_format: Literal["json", "csv", "pdf"] | None = Query(
        None, alias="format", description="json (the default), csv or pdf; without it, the Accept header decides."
    ),
) -> Response:
    """The dealer's statement of account for a period: the opening balance, every invoice,
    payment and credit note with the running balance, the totals and closing balance, the
    invoices open at the period's end with their ageing, and the dealer's confirmation of
    this very period if any. A dealer sees its own; any other is 404.

    As a file with `?format=csv` or `?format=pdf` (or `Accept: text/csv` or
    `Accept: application/pdf`): an attachment named `statement-D001-2027-01-01-2027-03-31.csv`.
    The CSV is UTF-8 with a byte order mark: a header block (dealer, region, currency, period,
    opening balance), one row per line (date, kind, reference, description, debit, credit,
    balance, dispute_id), the totals and closing balance, then the open items; amounts in
    major units with a dot (123456.78). The PDF is A4 with page numbers."""
    today = dt.datetime.now(dt.UTC).date()
    period_to = period_to or today
    period_from = period_from or min(today, period_to).replace(day=1)
    if period_to < period_from:
        raise Problem(
            422,
            "Invalid request",
            "period_to: must not be before period_from",
            [{"field": "period_to", "message": "must not be before period_from"}],
        )
    chosen = negotiated_format(file_format, request.headers.get("accept", ""))
    grpc_request = dealer_account_pb2.GetStatementRequest(
        dealer_code=dealer_code, period_from=period_from.isoformat(), period_to=period_to.isoformat()
    )
    statement = as_dict(await call(services.dealer_accounts.GetStatement, grpc_request, principal))
    vary = {"Vary": "Accept"}
    if chosen == "json":
        return JSONResponse(statement, headers=vary)
    if chosen == "csv":
        content = statement_export.statement_csv(statement)
        media_type = f"{CSV_MEDIA_TYPE}; charset=utf-8"
    else:
        # Laying out a long statement takes a while: not on the event loop.
        fonts = request.app.state.settings.statement_fonts
        content = await run_in_threadpool(statement_export.statement_pdf, statement, fonts)
        media_type = PDF_MEDIA_TYPE
    name = statement_export.filename(statement, chosen)
    return Response(
        content, media_type=media_type, headers={**vary, "Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.post("/statement-confirmations", status_code=201, responses=NOT_FOUND | REFUSED)
async def confirm_statement(
    body: ConfirmationBody, services: Services, principal: Principal = Depends(require(*roles.DEALERS))
) -> dict[str, Any]:
    """The dealer confirms its statement for a period with the closing balance it saw; refused
    (409) when the statement has changed since it was read."""
    request = dealer_account_pb2.ConfirmStatementRequest(
        dealer_code=body.dealer_code,
        period_from=body.period_from.isoformat(),
        period_to=body.period_to.isoformat(),
        closing_balance_minor=body.closing_balance_minor,
    )
    return as_dict(await call(services.dealer_accounts.ConfirmStatement, request, principal))


@router.get("/statement-confirmations", responses=NOT_FOUND)
async def list_confirmations(
    services: Services,
    principal: Principal = Depends(require(*roles.DEALER_VIEWS)),
    dealer_code: DealerFilter = "",
    region: RegionFilter = "",
    page_size: PageSize = 50,
    page_token: PageToken = "",
) -> dict[str, Any]:
    """Statements dealers confirmed, with the closing balance each saw and who confirmed it."""
    request = dealer_account_pb2.ListConfirmationsRequest(
        dealer_code=dealer_code, region=region, page_size=page_size, page_token=page_token
    )
    return as_dict(await call(services.dealer_accounts.ListConfirmations, request, principal))


# --- Invoices -------------------------------------------------------------------------------------


@router.get("/invoices", responses=NOT_FOUND)
async def list_invoices(
    services: Services,
    principal: Principal = Depends(require(*roles.DEALER_VIEWS)),
    dealer_code: DealerFilter = "",
    status: Literal["", "open", "paid", "overdue"] = Query("", description="open, paid or overdue; all when empty."),
    region: RegionFilter = "",
    ageing_bucket: Literal["", "current", "1-30", "31-60", "61-90", "90+"] = Query(
        "", description="The open invoices this many days past due: current, 1-30, 31-60, 61-90 or 90+."
    ),
    page_size: PageSize = 50,
    page_token: PageToken = "",
) -> dict[str, Any]:
    """Invoices for the cars shipped to dealers, with their lines, what has been applied to
    them and their ageing. A dealer sees its own."""
    request = dealer_account_pb2.ListInvoicesRequest(
        dealer_code=dealer_code,
        status=status,
        region=region,
        ageing_bucket=ageing_bucket,
        page_size=page_size,
        page_token=page_token,
    )
    return as_dict(await call(services.dealer_accounts.ListInvoices, request, principal))


@router.get("/invoices/{invoice_number}")
async def get_invoice(
    invoice_number: Annotated[str, Path(min_length=1, max_length=40)],
    services: Services,
    principal: Principal = Depends(require(*roles.DEALER_VIEWS)),
) -> dict[str, Any]:
    """One invoice: its lines (car, options, discount, rebates), the payments and credit notes
    applied to it, what is still open and how overdue. A dealer sees its own; any other is 404."""
    request = dealer_account_pb2.GetInvoiceRequest(invoice_number=invoice_number)
    return as_dict(await call(services.dealer_accounts.GetInvoice, request, principal))


# --- Payments and credit notes --------------------------------------------------------------------


@router.post(
    "/payments",
    status_code=201,
    responses={
        200: {"description": "This bank reference was recorded before: that payment, `replayed` true."},
        **NOT_FOUND,
        **REFUSED,
    },
)
async def record_payment(
    body: PaymentBody, services: Services, response: Response, principal: Principal = Depends(require(*roles.FINANCE))
) -> dict[str, Any]:
    """A payment received from a dealer, matched to the named invoice first, then to the oldest
    due; what is left stays unapplied on the account. 201 with the payment and its
    allocations; the same bank reference for the same dealer again records nothing and
    answers 200 with the first record (`replayed` true)."""
    request = dealer_account_pb2.RecordPaymentRequest(
        dealer_code=body.dealer_code,
        amount_minor=body.amount_minor,
        currency=body.currency,
        received_on=body.received_on.isoformat(),
        reference=body.reference,
        invoice_number=body.invoice_number or "",
    )
    reply = await call(services.dealer_accounts.RecordPayment, request, principal)
    if reply.replayed:
        response.status_code = 200
    return as_dict(reply)


@router.post(
    "/payments/imports",
    status_code=201,
    openapi_extra=csv_request_body(
        "value_date,dealer_code,amount,currency,reference,invoice_number\n"
        "2027-02-15,D001,125000.00,CNY,BOC-20270215-000123,INV-2027-0000042\n"
        "2027-02-15,D002,80000.00,CNY,BOC-20270215-000124,\n"
    ),
    responses={
        200: {"description": "Every line of the file had been recorded before: nothing new recorded."},
        **csv_answers(MAX_PAYMENT_IMPORT_BYTES),
        **REFUSED,
    },
)
async def import_payments(
    request: Request,
    services: Services,
    response: Response,
    principal: Principal = Depends(require(*roles.FINANCE)),
    filename: str = Query(min_length=1, max_length=200, examples=["boc-2027-02-15.csv"]),
) -> dict[str, Any]:
    """A bank's file of payments received: the CSV file itself as the request body, sent with
    `Content-Type: text/csv` (UTF-8, header row), its name in `?filename=`; at most 5 MB.

    Columns: `value_date` (ISO date), `dealer_code`, `amount` (major units with a dot,
    e.g. 125000.00), `currency` (ISO 4217), `reference` (the bank's, 1 to 64 characters),
    `invoice_number` (may be empty: the oldest due is paid first):

        value_date,dealer_code,amount,currency,reference,invoice_number
        2027-02-15,D001,125000.00,CNY,BOC-20270215-000123,INV-2027-0000042
        2027-02-15,D002,80000.00,CNY,BOC-20270215-000124,

    Every line is checked before any is recorded: one bad line records nothing and the
    answer (422) says what is wrong. Each line is recorded as POST /payments would; a
    reference already recorded for its dealer is not recorded again and counts in
    `already_recorded`. 201 when anything was recorded; 200 when every line had been.

        curl -X POST "$GATEWAY/payments/imports?filename=bank.csv" \\
             -H "Authorization: Bearer $TOKEN" -H "Content-Type: text/csv" --data-binary @bank.csv
    """
    content = await read_csv(request, MAX_PAYMENT_IMPORT_BYTES)
    # The contract carries no file name yet: `filename` is asked for so clients already send it.
    reply = await services.dealer_accounts.ImportPayments(
        dealer_account_pb2.ImportPaymentsRequest(csv=content),
        metadata=metadata_for(principal),
        timeout=IMPORT_TIMEOUT_SECONDS,
    )
    if reply.recorded == 0 and reply.already_recorded > 0:
        response.status_code = 200
    return as_dict(reply)


@router.get("/payments", responses=NOT_FOUND)
async def list_payments(
    services: Services,
    principal: Principal = Depends(require(*roles.DEALER_VIEWS)),
    dealer_code: DealerFilter = "",
    page_size: PageSize = 50,
    page_token: PageToken = "",
) -> dict[str, Any]:
    """Payments received from dealers with the invoices each was applied to. A dealer sees its own."""
    request = dealer_account_pb2.ListPaymentsRequest(
        dealer_code=dealer_code, page_size=page_size, page_token=page_token
    )
    return as_dict(await call(services.dealer_accounts.ListPayments, request, principal))


@router.post(
    "/credit-notes",
    status_code=201,
    responses={
        200: {"description": "This reference was credited before: that credit note, `replayed` true."},
        **NOT_FOUND,
        **REFUSED,
    },
)
async def issue_credit_note(
    body: CreditNoteBody,
    services: Services,
    response: Response,
    principal: Principal = Depends(require(*roles.FINANCE)),
) -> dict[str, Any]:
    """A credit note to a dealer (a return, a warranty reimbursement, goodwill or a price
    correction), applied to the named invoice first, then to the oldest due. The same
    reference for the same dealer again issues nothing and answers 200 with the first note
    (`replayed` true); with another amount or kind it is refused (409)."""
    request = dealer_account_pb2.IssueCreditNoteRequest(
        dealer_code=body.dealer_code,
        amount_minor=body.amount_minor,
        currency=body.currency,
        kind=body.kind,
        reason=body.reason,
        invoice_number=body.invoice_number or "",
        reference=body.reference,
    )
    reply = await call(services.dealer_accounts.IssueCreditNote, request, principal)
    if reply.replayed:
        response.status_code = 200
    return as_dict(reply)


# --- Disputes and reminders -----------------------------------------------------------------------


@router.post("/disputes", status_code=201, responses=NOT_FOUND | REFUSED)
async def dispute_line(
    body: DisputeBody, services: Services, principal: Principal = Depends(require(*roles.DEALERS))
) -> dict[str, Any]:
    """The dealer disputes one line of its statement (an invoice, a payment or a credit note),
    with the reason; headquarters' finance answers it."""
    request = dealer_account_pb2.DisputeLineRequest(
        dealer_code=body.dealer_code, line_kind=body.line_kind, line_reference=body.line_reference, reason=body.reason
    )
    return as_dict(await call(services.dealer_accounts.DisputeLine, request, principal))


@router.get("/disputes", responses=NOT_FOUND)
async def list_disputes(
    services: Services,
    principal: Principal = Depends(require(*roles.DEALER_VIEWS)),
    dealer_code: DealerFilter = "",
    status: Literal["", "open", "resolved"] = Query("", description="open or resolved; all when empty."),
    region: RegionFilter = "",
    page_size: PageSize = 50,
    page_token: PageToken = "",
) -> dict[str, Any]:
    """Disputed statement lines with their reason and, once answered, the resolution."""
    request = dealer_account_pb2.ListDisputesRequest(
        dealer_code=dealer_code, status=status, region=region, page_size=page_size, page_token=page_token
    )
    return as_dict(await call(services.dealer_accounts.ListDisputes, request, principal))


@router.post("/disputes/{dispute_id}/resolve", responses=REFUSED)
async def resolve_dispute(
    dispute_id: Annotated[int, Path(ge=1, le=INT64_MAX)],
    body: ResolutionBody,
    services: Services,
    principal: Principal = Depends(require(*roles.FINANCE)),
) -> dict[str, Any]:
    """Answers a dispute with the resolution (a credit note issued, say, or why the line
    stands). A dispute is resolved once: again is 409."""
    request = dealer_account_pb2.ResolveDisputeRequest(id=dispute_id, resolution=body.resolution)
    return as_dict(await call(services.dealer_accounts.ResolveDispute, request, principal))


@router.get("/reminders", responses=NOT_FOUND)
async def list_reminders(
    services: Services,
    principal: Principal = Depends(require(*roles.DEALER_VIEWS)),
    dealer_code: DealerFilter = "",
    page_size: PageSize = 50,
    page_token: PageToken = "",
) -> dict[str, Any]:
    """Payment reminders sent for overdue invoices, with their level and whether, from that
    level on, the dealer's new orders are held. A dealer sees its own."""
    request = dealer_account_pb2.ListRemindersRequest(
        dealer_code=dealer_code, page_size=page_size, page_token=page_token
    )
    return as_dict(await call(services.dealer_accounts.ListReminders, request, principal))


# --- Headquarters ---------------------------------------------------------------------------------


@router.get("/receivables")
async def get_receivables(
    services: Services, principal: Principal = Depends(require(*roles.WATCHERS)), region: RegionFilter = ""
) -> dict[str, Any]:
    """What dealers owe the maker by region and currency, largest overdue first: balance,
    ageing, credit limits and credit used, open disputes, dealers whose orders are held; and
    the totals per currency. Each row carries `list`: the accounts behind it."""
    request = dealer_account_pb2.GetReceivablesRequest(region=region)
    return receivables_answer(as_dict(await call(services.dealer_accounts.GetReceivables, request, principal)))
