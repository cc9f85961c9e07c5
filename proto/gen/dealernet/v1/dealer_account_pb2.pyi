from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Ageing(_message.Message):
    __slots__ = ("current_minor", "days_1_30_minor", "days_31_60_minor", "days_61_90_minor", "over_90_minor", "total_minor")
    CURRENT_MINOR_FIELD_NUMBER: _ClassVar[int]
    DAYS_1_30_MINOR_FIELD_NUMBER: _ClassVar[int]
    DAYS_31_60_MINOR_FIELD_NUMBER: _ClassVar[int]
    DAYS_61_90_MINOR_FIELD_NUMBER: _ClassVar[int]
    OVER_90_MINOR_FIELD_NUMBER: _ClassVar[int]
    TOTAL_MINOR_FIELD_NUMBER: _ClassVar[int]
    current_minor: int
    days_1_30_minor: int
    days_31_60_minor: int
    days_61_90_minor: int
    over_90_minor: int
    total_minor: int
    def __init__(self, current_minor: _Optional[int] = ..., days_1_30_minor: _Optional[int] = ..., days_31_60_minor: _Optional[int] = ..., days_61_90_minor: _Optional[int] = ..., over_90_minor: _Optional[int] = ..., total_minor: _Optional[int] = ...) -> None: ...

class DealerAccount(_message.Message):
    __slots__ = ("dealer_code", "region", "currency", "credit_terms_set", "credit_limit_minor", "payment_terms_days", "discount_bp", "balance_minor", "committed_minor", "credit_used_minor", "credit_available_minor", "unapplied_minor", "ageing", "reminder_level", "orders_held", "hold_reason", "open_disputes", "as_of")
    DEALER_CODE_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    CREDIT_TERMS_SET_FIELD_NUMBER: _ClassVar[int]
    CREDIT_LIMIT_MINOR_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_TERMS_DAYS_FIELD_NUMBER: _ClassVar[int]
    DISCOUNT_BP_FIELD_NUMBER: _ClassVar[int]
    BALANCE_MINOR_FIELD_NUMBER: _ClassVar[int]
    COMMITTED_MINOR_FIELD_NUMBER: _ClassVar[int]
    CREDIT_USED_MINOR_FIELD_NUMBER: _ClassVar[int]
    CREDIT_AVAILABLE_MINOR_FIELD_NUMBER: _ClassVar[int]
    UNAPPLIED_MINOR_FIELD_NUMBER: _ClassVar[int]
    AGEING_FIELD_NUMBER: _ClassVar[int]
    REMINDER_LEVEL_FIELD_NUMBER: _ClassVar[int]
    ORDERS_HELD_FIELD_NUMBER: _ClassVar[int]
    HOLD_REASON_FIELD_NUMBER: _ClassVar[int]
    OPEN_DISPUTES_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    dealer_code: str
    region: str
    currency: str
    credit_terms_set: bool
    credit_limit_minor: int
    payment_terms_days: int
    discount_bp: int
    balance_minor: int
    committed_minor: int
    credit_used_minor: int
    credit_available_minor: int
    unapplied_minor: int
    ageing: Ageing
    reminder_level: int
    orders_held: bool
    hold_reason: str
    open_disputes: int
    as_of: str
    def __init__(self, dealer_code: _Optional[str] = ..., region: _Optional[str] = ..., currency: _Optional[str] = ..., credit_terms_set: _Optional[bool] = ..., credit_limit_minor: _Optional[int] = ..., payment_terms_days: _Optional[int] = ..., discount_bp: _Optional[int] = ..., balance_minor: _Optional[int] = ..., committed_minor: _Optional[int] = ..., credit_used_minor: _Optional[int] = ..., credit_available_minor: _Optional[int] = ..., unapplied_minor: _Optional[int] = ..., ageing: _Optional[_Union[Ageing, _Mapping]] = ..., reminder_level: _Optional[int] = ..., orders_held: _Optional[bool] = ..., hold_reason: _Optional[str] = ..., open_disputes: _Optional[int] = ..., as_of: _Optional[str] = ...) -> None: ...

class GetAccountRequest(_message.Message):
    __slots__ = ("dealer_code",)
    DEALER_CODE_FIELD_NUMBER: _ClassVar[int]
    dealer_code: str
    def __init__(self, dealer_code: _Optional[str] = ...) -> None: ...

class ListAccountsRequest(_message.Message):
    __slots__ = ("region", "overdue_only", "page_size", "page_token")
    REGION_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_ONLY_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    region: str
    overdue_only: bool
    page_size: int
    page_token: str
    def __init__(self, region: _Optional[str] = ..., overdue_only: _Optional[bool] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListAccountsResponse(_message.Message):
    __slots__ = ("accounts", "next_page_token")
    ACCOUNTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    accounts: _containers.RepeatedCompositeFieldContainer[DealerAccount]
    next_page_token: str
    def __init__(self, accounts: _Optional[_Iterable[_Union[DealerAccount, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class SetCreditTermsRequest(_message.Message):
    __slots__ = ("dealer_code", "currency", "credit_limit_minor", "payment_terms_days", "discount_bp", "region")
    DEALER_CODE_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    CREDIT_LIMIT_MINOR_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_TERMS_DAYS_FIELD_NUMBER: _ClassVar[int]
    DISCOUNT_BP_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    dealer_code: str
    currency: str
    credit_limit_minor: int
    payment_terms_days: int
    discount_bp: int
    region: str
    def __init__(self, dealer_code: _Optional[str] = ..., currency: _Optional[str] = ..., credit_limit_minor: _Optional[int] = ..., payment_terms_days: _Optional[int] = ..., discount_bp: _Optional[int] = ..., region: _Optional[str] = ...) -> None: ...

class InvoiceLine(_message.Message):
    __slots__ = ("kind", "description", "amount_minor")
    KIND_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    kind: str
    description: str
    amount_minor: int
    def __init__(self, kind: _Optional[str] = ..., description: _Optional[str] = ..., amount_minor: _Optional[int] = ...) -> None: ...

class Allocation(_message.Message):
    __slots__ = ("invoice_number", "source_kind", "source_reference", "amount_minor", "applied_on")
    INVOICE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    SOURCE_KIND_FIELD_NUMBER: _ClassVar[int]
    SOURCE_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    APPLIED_ON_FIELD_NUMBER: _ClassVar[int]
    invoice_number: str
    source_kind: str
    source_reference: str
    amount_minor: int
    applied_on: str
    def __init__(self, invoice_number: _Optional[str] = ..., source_kind: _Optional[str] = ..., source_reference: _Optional[str] = ..., amount_minor: _Optional[int] = ..., applied_on: _Optional[str] = ...) -> None: ...

class Invoice(_message.Message):
    __slots__ = ("invoice_number", "dealer_code", "region", "order_number", "vin", "issued_on", "due_on", "currency", "total_minor", "open_minor", "status", "days_overdue", "ageing_bucket", "reminder_level", "lines", "allocations")
    INVOICE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    DEALER_CODE_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    ORDER_NUMBER_FIELD_NUMBER: _ClassVar[int]
    VIN_FIELD_NUMBER: _ClassVar[int]
    ISSUED_ON_FIELD_NUMBER: _ClassVar[int]
    DUE_ON_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    TOTAL_MINOR_FIELD_NUMBER: _ClassVar[int]
    OPEN_MINOR_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DAYS_OVERDUE_FIELD_NUMBER: _ClassVar[int]
    AGEING_BUCKET_FIELD_NUMBER: _ClassVar[int]
    REMINDER_LEVEL_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    ALLOCATIONS_FIELD_NUMBER: _ClassVar[int]
    invoice_number: str
    dealer_code: str
    region: str
    order_number: str
    vin: str
    issued_on: str
    due_on: str
    currency: str
    total_minor: int
    open_minor: int
    status: str
    days_overdue: int
    ageing_bucket: str
    reminder_level: int
    lines: _containers.RepeatedCompositeFieldContainer[InvoiceLine]
    allocations: _containers.RepeatedCompositeFieldContainer[Allocation]
    def __init__(self, invoice_number: _Optional[str] = ..., dealer_code: _Optional[str] = ..., region: _Optional[str] = ..., order_number: _Optional[str] = ..., vin: _Optional[str] = ..., issued_on: _Optional[str] = ..., due_on: _Optional[str] = ..., currency: _Optional[str] = ..., total_minor: _Optional[int] = ..., open_minor: _Optional[int] = ..., status: _Optional[str] = ..., days_overdue: _Optional[int] = ..., ageing_bucket: _Optional[str] = ..., reminder_level: _Optional[int] = ..., lines: _Optional[_Iterable[_Union[InvoiceLine, _Mapping]]] = ..., allocations: _Optional[_Iterable[_Union[Allocation, _Mapping]]] = ...) -> None: ...

class ListInvoicesRequest(_message.Message):
    __slots__ = ("dealer_code", "status", "region", "ageing_bucket", "page_size", "page_token")
    DEALER_CODE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    AGEING_BUCKET_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    dealer_code: str
    status: str
    region: str
    ageing_bucket: str
    page_size: int
    page_token: str
    def __init__(self, dealer_code: _Optional[str] = ..., status: _Optional[str] = ..., region: _Optional[str] = ..., ageing_bucket: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListInvoicesResponse(_message.Message):
    __slots__ = ("invoices", "next_page_token")
    INVOICES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    invoices: _containers.RepeatedCompositeFieldContainer[Invoice]
    next_page_token: str
    def __init__(self, invoices: _Optional[_Iterable[_Union[Invoice, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetInvoiceRequest(_message.Message):
    __slots__ = ("invoice_number",)
    INVOICE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    invoice_number: str
    def __init__(self, invoice_number: _Optional[str] = ...) -> None: ...

class RecordPaymentRequest(_message.Message):
    __slots__ = ("dealer_code", "amount_minor", "currency", "received_on", "reference", "invoice_number")
    DEALER_CODE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_ON_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    INVOICE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    dealer_code: str
    amount_minor: int
    currency: str
    received_on: str
    reference: str
    invoice_number: str
    def __init__(self, dealer_code: _Optional[str] = ..., amount_minor: _Optional[int] = ..., currency: _Optional[str] = ..., received_on: _Optional[str] = ..., reference: _Optional[str] = ..., invoice_number: _Optional[str] = ...) -> None: ...

class Payment(_message.Message):
    __slots__ = ("dealer_code", "reference", "amount_minor", "currency", "received_on", "recorded_by", "allocations", "unapplied_minor", "replayed")
    DEALER_CODE_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_ON_FIELD_NUMBER: _ClassVar[int]
    RECORDED_BY_FIELD_NUMBER: _ClassVar[int]
    ALLOCATIONS_FIELD_NUMBER: _ClassVar[int]
    UNAPPLIED_MINOR_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    dealer_code: str
    reference: str
    amount_minor: int
    currency: str
    received_on: str
    recorded_by: str
    allocations: _containers.RepeatedCompositeFieldContainer[Allocation]
    unapplied_minor: int
    replayed: bool
    def __init__(self, dealer_code: _Optional[str] = ..., reference: _Optional[str] = ..., amount_minor: _Optional[int] = ..., currency: _Optional[str] = ..., received_on: _Optional[str] = ..., recorded_by: _Optional[str] = ..., allocations: _Optional[_Iterable[_Union[Allocation, _Mapping]]] = ..., unapplied_minor: _Optional[int] = ..., replayed: _Optional[bool] = ...) -> None: ...

class ImportPaymentsRequest(_message.Message):
    __slots__ = ("csv",)
    CSV_FIELD_NUMBER: _ClassVar[int]
    csv: bytes
    def __init__(self, csv: _Optional[bytes] = ...) -> None: ...

class ImportPaymentsResponse(_message.Message):
    __slots__ = ("payments", "recorded", "already_recorded")
    PAYMENTS_FIELD_NUMBER: _ClassVar[int]
    RECORDED_FIELD_NUMBER: _ClassVar[int]
    ALREADY_RECORDED_FIELD_NUMBER: _ClassVar[int]
    payments: _containers.RepeatedCompositeFieldContainer[Payment]
    recorded: int
    already_recorded: int
    def __init__(self, payments: _Optional[_Iterable[_Union[Payment, _Mapping]]] = ..., recorded: _Optional[int] = ..., already_recorded: _Optional[int] = ...) -> None: ...

class ListPaymentsRequest(_message.Message):
    __slots__ = ("dealer_code", "page_size", "page_token")
    DEALER_CODE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    dealer_code: str
    page_size: int
    page_token: str
    def __init__(self, dealer_code: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListPaymentsResponse(_message.Message):
    __slots__ = ("payments", "next_page_token")
    PAYMENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    payments: _containers.RepeatedCompositeFieldContainer[Payment]
    next_page_token: str
    def __init__(self, payments: _Optional[_Iterable[_Union[Payment, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class IssueCreditNoteRequest(_message.Message):
    __slots__ = ("dealer_code", "amount_minor", "currency", "kind", "reason", "invoice_number", "reference")
    DEALER_CODE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    INVOICE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    dealer_code: str
    amount_minor: int
    currency: str
    kind: str
    reason: str
    invoice_number: str
    reference: str
    def __init__(self, dealer_code: _Optional[str] = ..., amount_minor: _Optional[int] = ..., currency: _Optional[str] = ..., kind: _Optional[str] = ..., reason: _Optional[str] = ..., invoice_number: _Optional[str] = ..., reference: _Optional[str] = ...) -> None: ...

class CreditNote(_message.Message):
    __slots__ = ("credit_note_number", "dealer_code", "kind", "reason", "amount_minor", "currency", "issued_on", "issued_by", "allocations", "unapplied_minor", "reference", "replayed")
    CREDIT_NOTE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    DEALER_CODE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    ISSUED_ON_FIELD_NUMBER: _ClassVar[int]
    ISSUED_BY_FIELD_NUMBER: _ClassVar[int]
    ALLOCATIONS_FIELD_NUMBER: _ClassVar[int]
    UNAPPLIED_MINOR_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    credit_note_number: str
    dealer_code: str
    kind: str
    reason: str
    amount_minor: int
    currency: str
    issued_on: str
    issued_by: str
    allocations: _containers.RepeatedCompositeFieldContainer[Allocation]
    unapplied_minor: int
    reference: str
    replayed: bool
    def __init__(self, credit_note_number: _Optional[str] = ..., dealer_code: _Optional[str] = ..., kind: _Optional[str] = ..., reason: _Optional[str] = ..., amount_minor: _Optional[int] = ..., currency: _Optional[str] = ..., issued_on: _Optional[str] = ..., issued_by: _Optional[str] = ..., allocations: _Optional[_Iterable[_Union[Allocation, _Mapping]]] = ..., unapplied_minor: _Optional[int] = ..., reference: _Optional[str] = ..., replayed: _Optional[bool] = ...) -> None: ...

class GetStatementRequest(_message.Message):
    __slots__ = ("dealer_code", "period_from", "period_to")
    DEALER_CODE_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FROM_FIELD_NUMBER: _ClassVar[int]
    PERIOD_TO_FIELD_NUMBER: _ClassVar[int]
    dealer_code: str
    period_from: str
    period_to: str
    def __init__(self, dealer_code: _Optional[str] = ..., period_from: _Optional[str] = ..., period_to: _Optional[str] = ...) -> None: ...

class StatementLine(_message.Message):
    __slots__ = ("on", "kind", "reference", "description", "debit_minor", "credit_minor", "balance_minor", "dispute_id")
    ON_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    DEBIT_MINOR_FIELD_NUMBER: _ClassVar[int]
    CREDIT_MINOR_FIELD_NUMBER: _ClassVar[int]
    BALANCE_MINOR_FIELD_NUMBER: _ClassVar[int]
    DISPUTE_ID_FIELD_NUMBER: _ClassVar[int]
    on: str
    kind: str
    reference: str
    description: str
    debit_minor: int
    credit_minor: int
    balance_minor: int
    dispute_id: int
    def __init__(self, on: _Optional[str] = ..., kind: _Optional[str] = ..., reference: _Optional[str] = ..., description: _Optional[str] = ..., debit_minor: _Optional[int] = ..., credit_minor: _Optional[int] = ..., balance_minor: _Optional[int] = ..., dispute_id: _Optional[int] = ...) -> None: ...

class OpenItem(_message.Message):
    __slots__ = ("invoice_number", "issued_on", "due_on", "total_minor", "open_minor", "days_overdue")
    INVOICE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    ISSUED_ON_FIELD_NUMBER: _ClassVar[int]
    DUE_ON_FIELD_NUMBER: _ClassVar[int]
    TOTAL_MINOR_FIELD_NUMBER: _ClassVar[int]
    OPEN_MINOR_FIELD_NUMBER: _ClassVar[int]
    DAYS_OVERDUE_FIELD_NUMBER: _ClassVar[int]
    invoice_number: str
    issued_on: str
    due_on: str
    total_minor: int
    open_minor: int
    days_overdue: int
    def __init__(self, invoice_number: _Optional[str] = ..., issued_on: _Optional[str] = ..., due_on: _Optional[str] = ..., total_minor: _Optional[int] = ..., open_minor: _Optional[int] = ..., days_overdue: _Optional[int] = ...) -> None: ...

class Statement(_message.Message):
    __slots__ = ("dealer_code", "currency", "period_from", "period_to", "opening_balance_minor", "lines", "total_debit_minor", "total_credit_minor", "closing_balance_minor", "open_items", "ageing", "confirmation", "region")
    DEALER_CODE_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FROM_FIELD_NUMBER: _ClassVar[int]
    PERIOD_TO_FIELD_NUMBER: _ClassVar[int]
    OPENING_BALANCE_MINOR_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    TOTAL_DEBIT_MINOR_FIELD_NUMBER: _ClassVar[int]
    TOTAL_CREDIT_MINOR_FIELD_NUMBER: _ClassVar[int]
    CLOSING_BALANCE_MINOR_FIELD_NUMBER: _ClassVar[int]
    OPEN_ITEMS_FIELD_NUMBER: _ClassVar[int]
    AGEING_FIELD_NUMBER: _ClassVar[int]
    CONFIRMATION_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    dealer_code: str
    currency: str
    period_from: str
    period_to: str
    opening_balance_minor: int
    lines: _containers.RepeatedCompositeFieldContainer[StatementLine]
    total_debit_minor: int
    total_credit_minor: int
    closing_balance_minor: int
    open_items: _containers.RepeatedCompositeFieldContainer[OpenItem]
    ageing: Ageing
    confirmation: StatementConfirmation
    region: str
    def __init__(self, dealer_code: _Optional[str] = ..., currency: _Optional[str] = ..., period_from: _Optional[str] = ..., period_to: _Optional[str] = ..., opening_balance_minor: _Optional[int] = ..., lines: _Optional[_Iterable[_Union[StatementLine, _Mapping]]] = ..., total_debit_minor: _Optional[int] = ..., total_credit_minor: _Optional[int] = ..., closing_balance_minor: _Optional[int] = ..., open_items: _Optional[_Iterable[_Union[OpenItem, _Mapping]]] = ..., ageing: _Optional[_Union[Ageing, _Mapping]] = ..., confirmation: _Optional[_Union[StatementConfirmation, _Mapping]] = ..., region: _Optional[str] = ...) -> None: ...

class DisputeLineRequest(_message.Message):
    __slots__ = ("dealer_code", "line_kind", "line_reference", "reason")
    DEALER_CODE_FIELD_NUMBER: _ClassVar[int]
    LINE_KIND_FIELD_NUMBER: _ClassVar[int]
    LINE_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    dealer_code: str
    line_kind: str
    line_reference: str
    reason: str
    def __init__(self, dealer_code: _Optional[str] = ..., line_kind: _Optional[str] = ..., line_reference: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class Dispute(_message.Message):
    __slots__ = ("id", "dealer_code", "line_kind", "line_reference", "amount_minor", "reason", "status", "raised_by", "raised_at", "resolution", "resolved_by", "resolved_at", "region")
    ID_FIELD_NUMBER: _ClassVar[int]
    DEALER_CODE_FIELD_NUMBER: _ClassVar[int]
    LINE_KIND_FIELD_NUMBER: _ClassVar[int]
    LINE_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    RAISED_BY_FIELD_NUMBER: _ClassVar[int]
    RAISED_AT_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_BY_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_AT_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    id: int
    dealer_code: str
    line_kind: str
    line_reference: str
    amount_minor: int
    reason: str
    status: str
    raised_by: str
    raised_at: str
    resolution: str
    resolved_by: str
    resolved_at: str
    region: str
    def __init__(self, id: _Optional[int] = ..., dealer_code: _Optional[str] = ..., line_kind: _Optional[str] = ..., line_reference: _Optional[str] = ..., amount_minor: _Optional[int] = ..., reason: _Optional[str] = ..., status: _Optional[str] = ..., raised_by: _Optional[str] = ..., raised_at: _Optional[str] = ..., resolution: _Optional[str] = ..., resolved_by: _Optional[str] = ..., resolved_at: _Optional[str] = ..., region: _Optional[str] = ...) -> None: ...

class ResolveDisputeRequest(_message.Message):
    __slots__ = ("id", "resolution")
    ID_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    id: int
    resolution: str
    def __init__(self, id: _Optional[int] = ..., resolution: _Optional[str] = ...) -> None: ...

class ListDisputesRequest(_message.Message):
    __slots__ = ("dealer_code", "status", "region", "page_size", "page_token")
    DEALER_CODE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    dealer_code: str
    status: str
    region: str
    page_size: int
    page_token: str
    def __init__(self, dealer_code: _Optional[str] = ..., status: _Optional[str] = ..., region: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListDisputesResponse(_message.Message):
    __slots__ = ("disputes", "next_page_token")
    DISPUTES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    disputes: _containers.RepeatedCompositeFieldContainer[Dispute]
    next_page_token: str
    def __init__(self, disputes: _Optional[_Iterable[_Union[Dispute, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ConfirmStatementRequest(_message.Message):
    __slots__ = ("dealer_code", "period_from", "period_to", "closing_balance_minor")
    DEALER_CODE_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FROM_FIELD_NUMBER: _ClassVar[int]
    PERIOD_TO_FIELD_NUMBER: _ClassVar[int]
    CLOSING_BALANCE_MINOR_FIELD_NUMBER: _ClassVar[int]
    dealer_code: str
    period_from: str
    period_to: str
    closing_balance_minor: int
    def __init__(self, dealer_code: _Optional[str] = ..., period_from: _Optional[str] = ..., period_to: _Optional[str] = ..., closing_balance_minor: _Optional[int] = ...) -> None: ...

class StatementConfirmation(_message.Message):
    __slots__ = ("dealer_code", "period_from", "period_to", "closing_balance_minor", "confirmed_by", "confirmed_at", "region")
    DEALER_CODE_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FROM_FIELD_NUMBER: _ClassVar[int]
    PERIOD_TO_FIELD_NUMBER: _ClassVar[int]
    CLOSING_BALANCE_MINOR_FIELD_NUMBER: _ClassVar[int]
    CONFIRMED_BY_FIELD_NUMBER: _ClassVar[int]
    CONFIRMED_AT_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    dealer_code: str
    period_from: str
    period_to: str
    closing_balance_minor: int
    confirmed_by: str
    confirmed_at: str
    region: str
    def __init__(self, dealer_code: _Optional[str] = ..., period_from: _Optional[str] = ..., period_to: _Optional[str] = ..., closing_balance_minor: _Optional[int] = ..., confirmed_by: _Optional[str] = ..., confirmed_at: _Optional[str] = ..., region: _Optional[str] = ...) -> None: ...

class ListConfirmationsRequest(_message.Message):
    __slots__ = ("dealer_code", "region", "page_size", "page_token")
    DEALER_CODE_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    dealer_code: str
    region: str
    page_size: int
    page_token: str
    def __init__(self, dealer_code: _Optional[str] = ..., region: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListConfirmationsResponse(_message.Message):
    __slots__ = ("confirmations", "next_page_token")
    CONFIRMATIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    confirmations: _containers.RepeatedCompositeFieldContainer[StatementConfirmation]
    next_page_token: str
    def __init__(self, confirmations: _Optional[_Iterable[_Union[StatementConfirmation, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class Reminder(_message.Message):
    __slots__ = ("invoice_number", "dealer_code", "level", "days_overdue", "open_minor", "currency", "due_on", "sent_at", "orders_held")
    INVOICE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    DEALER_CODE_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    DAYS_OVERDUE_FIELD_NUMBER: _ClassVar[int]
    OPEN_MINOR_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    DUE_ON_FIELD_NUMBER: _ClassVar[int]
    SENT_AT_FIELD_NUMBER: _ClassVar[int]
    ORDERS_HELD_FIELD_NUMBER: _ClassVar[int]
    invoice_number: str
    dealer_code: str
    level: int
    days_overdue: int
    open_minor: int
    currency: str
    due_on: str
    sent_at: str
    orders_held: bool
    def __init__(self, invoice_number: _Optional[str] = ..., dealer_code: _Optional[str] = ..., level: _Optional[int] = ..., days_overdue: _Optional[int] = ..., open_minor: _Optional[int] = ..., currency: _Optional[str] = ..., due_on: _Optional[str] = ..., sent_at: _Optional[str] = ..., orders_held: _Optional[bool] = ...) -> None: ...

class ListRemindersRequest(_message.Message):
    __slots__ = ("dealer_code", "page_size", "page_token")
    DEALER_CODE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    dealer_code: str
    page_size: int
    page_token: str
    def __init__(self, dealer_code: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListRemindersResponse(_message.Message):
    __slots__ = ("reminders", "next_page_token")
    REMINDERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    reminders: _containers.RepeatedCompositeFieldContainer[Reminder]
    next_page_token: str
    def __init__(self, reminders: _Optional[_Iterable[_Union[Reminder, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetReceivablesRequest(_message.Message):
    __slots__ = ("region",)
    REGION_FIELD_NUMBER: _ClassVar[int]
    region: str
    def __init__(self, region: _Optional[str] = ...) -> None: ...

class ReceivablesRow(_message.Message):
    __slots__ = ("region", "currency", "dealers", "balance_minor", "ageing", "credit_limit_minor", "credit_used_minor", "open_disputes", "dealers_held")
    REGION_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    DEALERS_FIELD_NUMBER: _ClassVar[int]
    BALANCE_MINOR_FIELD_NUMBER: _ClassVar[int]
    AGEING_FIELD_NUMBER: _ClassVar[int]
    CREDIT_LIMIT_MINOR_FIELD_NUMBER: _ClassVar[int]
    CREDIT_USED_MINOR_FIELD_NUMBER: _ClassVar[int]
    OPEN_DISPUTES_FIELD_NUMBER: _ClassVar[int]
    DEALERS_HELD_FIELD_NUMBER: _ClassVar[int]
    region: str
    currency: str
    dealers: int
    balance_minor: int
    ageing: Ageing
    credit_limit_minor: int
    credit_used_minor: int
    open_disputes: int
    dealers_held: int
    def __init__(self, region: _Optional[str] = ..., currency: _Optional[str] = ..., dealers: _Optional[int] = ..., balance_minor: _Optional[int] = ..., ageing: _Optional[_Union[Ageing, _Mapping]] = ..., credit_limit_minor: _Optional[int] = ..., credit_used_minor: _Optional[int] = ..., open_disputes: _Optional[int] = ..., dealers_held: _Optional[int] = ...) -> None: ...

class Receivables(_message.Message):
    __slots__ = ("as_of", "regions", "totals")
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    REGIONS_FIELD_NUMBER: _ClassVar[int]
    TOTALS_FIELD_NUMBER: _ClassVar[int]
    as_of: str
    regions: _containers.RepeatedCompositeFieldContainer[ReceivablesRow]
    totals: _containers.RepeatedCompositeFieldContainer[ReceivablesRow]
    def __init__(self, as_of: _Optional[str] = ..., regions: _Optional[_Iterable[_Union[ReceivablesRow, _Mapping]]] = ..., totals: _Optional[_Iterable[_Union[ReceivablesRow, _Mapping]]] = ...) -> None: ...

class CheckCreditRequest(_message.Message):
    __slots__ = ("order_number",)
    ORDER_NUMBER_FIELD_NUMBER: _ClassVar[int]
    order_number: str
    def __init__(self, order_number: _Optional[str] = ...) -> None: ...

class CreditCheck(_message.Message):
    __slots__ = ("order_number", "dealer_code", "currency", "credit_terms_set", "credit_limit_minor", "balance_minor", "committed_minor", "order_value_minor", "used_after_minor", "available_before_minor", "reminder_level", "held", "reasons", "override_reason", "override_by", "override_at")
    ORDER_NUMBER_FIELD_NUMBER: _ClassVar[int]
    DEALER_CODE_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    CREDIT_TERMS_SET_FIELD_NUMBER: _ClassVar[int]
    CREDIT_LIMIT_MINOR_FIELD_NUMBER: _ClassVar[int]
    BALANCE_MINOR_FIELD_NUMBER: _ClassVar[int]
    COMMITTED_MINOR_FIELD_NUMBER: _ClassVar[int]
    ORDER_VALUE_MINOR_FIELD_NUMBER: _ClassVar[int]
    USED_AFTER_MINOR_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_BEFORE_MINOR_FIELD_NUMBER: _ClassVar[int]
    REMINDER_LEVEL_FIELD_NUMBER: _ClassVar[int]
    HELD_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    OVERRIDE_REASON_FIELD_NUMBER: _ClassVar[int]
    OVERRIDE_BY_FIELD_NUMBER: _ClassVar[int]
    OVERRIDE_AT_FIELD_NUMBER: _ClassVar[int]
    order_number: str
    dealer_code: str
    currency: str
    credit_terms_set: bool
    credit_limit_minor: int
    balance_minor: int
    committed_minor: int
    order_value_minor: int
    used_after_minor: int
    available_before_minor: int
    reminder_level: int
    held: bool
    reasons: _containers.RepeatedScalarFieldContainer[str]
    override_reason: str
    override_by: str
    override_at: str
    def __init__(self, order_number: _Optional[str] = ..., dealer_code: _Optional[str] = ..., currency: _Optional[str] = ..., credit_terms_set: _Optional[bool] = ..., credit_limit_minor: _Optional[int] = ..., balance_minor: _Optional[int] = ..., committed_minor: _Optional[int] = ..., order_value_minor: _Optional[int] = ..., used_after_minor: _Optional[int] = ..., available_before_minor: _Optional[int] = ..., reminder_level: _Optional[int] = ..., held: _Optional[bool] = ..., reasons: _Optional[_Iterable[str]] = ..., override_reason: _Optional[str] = ..., override_by: _Optional[str] = ..., override_at: _Optional[str] = ...) -> None: ...
