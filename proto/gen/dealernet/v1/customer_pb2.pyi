from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Customer(_message.Message):
    __slots__ = ("id", "full_name", "phone", "email", "city", "registered_by", "registered_at", "vehicles", "kind", "national_id", "region", "source_channel", "segment", "value_tier", "purchases", "purchase_value_minor", "services")
    ID_FIELD_NUMBER: _ClassVar[int]
    FULL_NAME_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    CITY_FIELD_NUMBER: _ClassVar[int]
    REGISTERED_BY_FIELD_NUMBER: _ClassVar[int]
    REGISTERED_AT_FIELD_NUMBER: _ClassVar[int]
    VEHICLES_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    NATIONAL_ID_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    SOURCE_CHANNEL_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_FIELD_NUMBER: _ClassVar[int]
    VALUE_TIER_FIELD_NUMBER: _ClassVar[int]
    PURCHASES_FIELD_NUMBER: _ClassVar[int]
    PURCHASE_VALUE_MINOR_FIELD_NUMBER: _ClassVar[int]
    SERVICES_FIELD_NUMBER: _ClassVar[int]
    id: str
    full_name: str
    phone: str
    email: str
    city: str
    registered_by: str
    registered_at: str
    vehicles: _containers.RepeatedCompositeFieldContainer[CustomerVehicle]
    kind: str
    national_id: str
    region: str
    source_channel: str
    segment: str
    value_tier: str
    purchases: int
    purchase_value_minor: int
    services: int
    def __init__(self, id: _Optional[str] = ..., full_name: _Optional[str] = ..., phone: _Optional[str] = ..., email: _Optional[str] = ..., city: _Optional[str] = ..., registered_by: _Optional[str] = ..., registered_at: _Optional[str] = ..., vehicles: _Optional[_Iterable[_Union[CustomerVehicle, _Mapping]]] = ..., kind: _Optional[str] = ..., national_id: _Optional[str] = ..., region: _Optional[str] = ..., source_channel: _Optional[str] = ..., segment: _Optional[str] = ..., value_tier: _Optional[str] = ..., purchases: _Optional[int] = ..., purchase_value_minor: _Optional[int] = ..., services: _Optional[int] = ...) -> None: ...

class CustomerVehicle(_message.Message):
    __slots__ = ("vin", "dealer_code", "order_number", "delivered_at")
    VIN_FIELD_NUMBER: _ClassVar[int]
    DEALER_CODE_FIELD_NUMBER: _ClassVar[int]
    ORDER_NUMBER_FIELD_NUMBER: _ClassVar[int]
    DELIVERED_AT_FIELD_NUMBER: _ClassVar[int]
    vin: str
    dealer_code: str
    order_number: str
    delivered_at: str
    def __init__(self, vin: _Optional[str] = ..., dealer_code: _Optional[str] = ..., order_number: _Optional[str] = ..., delivered_at: _Optional[str] = ...) -> None: ...

class RegisterCustomerRequest(_message.Message):
    __slots__ = ("full_name", "phone", "email", "city", "kind", "national_id", "address_line", "postal_code", "consents")
    FULL_NAME_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    CITY_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    NATIONAL_ID_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_LINE_FIELD_NUMBER: _ClassVar[int]
    POSTAL_CODE_FIELD_NUMBER: _ClassVar[int]
    CONSENTS_FIELD_NUMBER: _ClassVar[int]
    full_name: str
    phone: str
    email: str
    city: str
    kind: str
    national_id: str
    address_line: str
    postal_code: str
    consents: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, full_name: _Optional[str] = ..., phone: _Optional[str] = ..., email: _Optional[str] = ..., city: _Optional[str] = ..., kind: _Optional[str] = ..., national_id: _Optional[str] = ..., address_line: _Optional[str] = ..., postal_code: _Optional[str] = ..., consents: _Optional[_Iterable[str]] = ...) -> None: ...

class RegisterCustomerResponse(_message.Message):
    __slots__ = ("customer", "already_known", "queued_for_review")
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    ALREADY_KNOWN_FIELD_NUMBER: _ClassVar[int]
    QUEUED_FOR_REVIEW_FIELD_NUMBER: _ClassVar[int]
    customer: Customer
    already_known: bool
    queued_for_review: int
    def __init__(self, customer: _Optional[_Union[Customer, _Mapping]] = ..., already_known: _Optional[bool] = ..., queued_for_review: _Optional[int] = ...) -> None: ...

class DuplicateHint(_message.Message):
    __slots__ = ("decision", "masked_phone", "masked_email", "customer_id")
    DECISION_FIELD_NUMBER: _ClassVar[int]
    MASKED_PHONE_FIELD_NUMBER: _ClassVar[int]
    MASKED_EMAIL_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    decision: str
    masked_phone: str
    masked_email: str
    customer_id: str
    def __init__(self, decision: _Optional[str] = ..., masked_phone: _Optional[str] = ..., masked_email: _Optional[str] = ..., customer_id: _Optional[str] = ...) -> None: ...

class DuplicateCheck(_message.Message):
    __slots__ = ("exists", "matches")
    EXISTS_FIELD_NUMBER: _ClassVar[int]
    MATCHES_FIELD_NUMBER: _ClassVar[int]
    exists: bool
    matches: _containers.RepeatedCompositeFieldContainer[DuplicateHint]
    def __init__(self, exists: _Optional[bool] = ..., matches: _Optional[_Iterable[_Union[DuplicateHint, _Mapping]]] = ...) -> None: ...

class Contact(_message.Message):
    __slots__ = ("kind", "value")
    KIND_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    kind: str
    value: str
    def __init__(self, kind: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...

class Address(_message.Message):
    __slots__ = ("kind", "line", "postal_code", "city", "country")
    KIND_FIELD_NUMBER: _ClassVar[int]
    LINE_FIELD_NUMBER: _ClassVar[int]
    POSTAL_CODE_FIELD_NUMBER: _ClassVar[int]
    CITY_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    kind: str
    line: str
    postal_code: str
    city: str
    country: str
    def __init__(self, kind: _Optional[str] = ..., line: _Optional[str] = ..., postal_code: _Optional[str] = ..., city: _Optional[str] = ..., country: _Optional[str] = ...) -> None: ...

class Consent(_message.Message):
    __slots__ = ("channel", "granted", "recorded_by", "recorded_at")
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    GRANTED_FIELD_NUMBER: _ClassVar[int]
    RECORDED_BY_FIELD_NUMBER: _ClassVar[int]
    RECORDED_AT_FIELD_NUMBER: _ClassVar[int]
    channel: str
    granted: bool
    recorded_by: str
    recorded_at: str
    def __init__(self, channel: _Optional[str] = ..., granted: _Optional[bool] = ..., recorded_by: _Optional[str] = ..., recorded_at: _Optional[str] = ...) -> None: ...

class ConsentList(_message.Message):
    __slots__ = ("consents",)
    CONSENTS_FIELD_NUMBER: _ClassVar[int]
    consents: _containers.RepeatedCompositeFieldContainer[Consent]
    def __init__(self, consents: _Optional[_Iterable[_Union[Consent, _Mapping]]] = ...) -> None: ...

class Relationship(_message.Message):
    __slots__ = ("org_code", "kind", "since", "expires_at")
    ORG_CODE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    org_code: str
    kind: str
    since: str
    expires_at: str
    def __init__(self, org_code: _Optional[str] = ..., kind: _Optional[str] = ..., since: _Optional[str] = ..., expires_at: _Optional[str] = ...) -> None: ...

class ServiceEvent(_message.Message):
    __slots__ = ("vin", "station_code", "kind", "reference", "summary", "occurred_at")
    VIN_FIELD_NUMBER: _ClassVar[int]
    STATION_CODE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    vin: str
    station_code: str
    kind: str
    reference: str
    summary: str
    occurred_at: str
    def __init__(self, vin: _Optional[str] = ..., station_code: _Optional[str] = ..., kind: _Optional[str] = ..., reference: _Optional[str] = ..., summary: _Optional[str] = ..., occurred_at: _Optional[str] = ...) -> None: ...

class Interaction(_message.Message):
    __slots__ = ("id", "kind", "summary", "org_code", "recorded_by", "occurred_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    ORG_CODE_FIELD_NUMBER: _ClassVar[int]
    RECORDED_BY_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    kind: str
    summary: str
    org_code: str
    recorded_by: str
    occurred_at: str
    def __init__(self, id: _Optional[str] = ..., kind: _Optional[str] = ..., summary: _Optional[str] = ..., org_code: _Optional[str] = ..., recorded_by: _Optional[str] = ..., occurred_at: _Optional[str] = ...) -> None: ...

class CustomerView(_message.Message):
    __slots__ = ("customer", "contacts", "addresses", "consents", "relationships", "service_history", "interactions", "merged_ids")
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    CONTACTS_FIELD_NUMBER: _ClassVar[int]
    ADDRESSES_FIELD_NUMBER: _ClassVar[int]
    CONSENTS_FIELD_NUMBER: _ClassVar[int]
    RELATIONSHIPS_FIELD_NUMBER: _ClassVar[int]
    SERVICE_HISTORY_FIELD_NUMBER: _ClassVar[int]
    INTERACTIONS_FIELD_NUMBER: _ClassVar[int]
    MERGED_IDS_FIELD_NUMBER: _ClassVar[int]
    customer: Customer
    contacts: _containers.RepeatedCompositeFieldContainer[Contact]
    addresses: _containers.RepeatedCompositeFieldContainer[Address]
    consents: _containers.RepeatedCompositeFieldContainer[Consent]
    relationships: _containers.RepeatedCompositeFieldContainer[Relationship]
    service_history: _containers.RepeatedCompositeFieldContainer[ServiceEvent]
    interactions: _containers.RepeatedCompositeFieldContainer[Interaction]
    merged_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, customer: _Optional[_Union[Customer, _Mapping]] = ..., contacts: _Optional[_Iterable[_Union[Contact, _Mapping]]] = ..., addresses: _Optional[_Iterable[_Union[Address, _Mapping]]] = ..., consents: _Optional[_Iterable[_Union[Consent, _Mapping]]] = ..., relationships: _Optional[_Iterable[_Union[Relationship, _Mapping]]] = ..., service_history: _Optional[_Iterable[_Union[ServiceEvent, _Mapping]]] = ..., interactions: _Optional[_Iterable[_Union[Interaction, _Mapping]]] = ..., merged_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class GetCustomerRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetVehicleOwnerRequest(_message.Message):
    __slots__ = ("vin",)
    VIN_FIELD_NUMBER: _ClassVar[int]
    vin: str
    def __init__(self, vin: _Optional[str] = ...) -> None: ...

class ListCustomersRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "segment", "region", "dealer_code")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    DEALER_CODE_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    segment: str
    region: str
    dealer_code: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., segment: _Optional[str] = ..., region: _Optional[str] = ..., dealer_code: _Optional[str] = ...) -> None: ...

class CountCustomersRequest(_message.Message):
    __slots__ = ("region", "dealer_code")
    REGION_FIELD_NUMBER: _ClassVar[int]
    DEALER_CODE_FIELD_NUMBER: _ClassVar[int]
    region: str
    dealer_code: str
    def __init__(self, region: _Optional[str] = ..., dealer_code: _Optional[str] = ...) -> None: ...

class CustomerCount(_message.Message):
    __slots__ = ("segment", "region", "value_tier", "customers")
    SEGMENT_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    VALUE_TIER_FIELD_NUMBER: _ClassVar[int]
    CUSTOMERS_FIELD_NUMBER: _ClassVar[int]
    segment: str
    region: str
    value_tier: str
    customers: int
    def __init__(self, segment: _Optional[str] = ..., region: _Optional[str] = ..., value_tier: _Optional[str] = ..., customers: _Optional[int] = ...) -> None: ...

class CustomerCounts(_message.Message):
    __slots__ = ("counts", "total")
    COUNTS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    counts: _containers.RepeatedCompositeFieldContainer[CustomerCount]
    total: int
    def __init__(self, counts: _Optional[_Iterable[_Union[CustomerCount, _Mapping]]] = ..., total: _Optional[int] = ...) -> None: ...

class RecordConsentRequest(_message.Message):
    __slots__ = ("customer_id", "channel", "granted")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    GRANTED_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    channel: str
    granted: bool
    def __init__(self, customer_id: _Optional[str] = ..., channel: _Optional[str] = ..., granted: _Optional[bool] = ...) -> None: ...

class AddInteractionRequest(_message.Message):
    __slots__ = ("customer_id", "kind", "summary", "occurred_at")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    kind: str
    summary: str
    occurred_at: str
    def __init__(self, customer_id: _Optional[str] = ..., kind: _Optional[str] = ..., summary: _Optional[str] = ..., occurred_at: _Optional[str] = ...) -> None: ...

class MatchReview(_message.Message):
    __slots__ = ("id", "customer", "candidate", "score", "reasons", "status", "created_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    CANDIDATE_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    customer: Customer
    candidate: Customer
    score: float
    reasons: _containers.RepeatedScalarFieldContainer[str]
    status: str
    created_at: str
    def __init__(self, id: _Optional[str] = ..., customer: _Optional[_Union[Customer, _Mapping]] = ..., candidate: _Optional[_Union[Customer, _Mapping]] = ..., score: _Optional[float] = ..., reasons: _Optional[_Iterable[str]] = ..., status: _Optional[str] = ..., created_at: _Optional[str] = ...) -> None: ...

class ListMatchReviewsRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListMatchReviewsResponse(_message.Message):
    __slots__ = ("reviews", "next_page_token")
    REVIEWS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    reviews: _containers.RepeatedCompositeFieldContainer[MatchReview]
    next_page_token: str
    def __init__(self, reviews: _Optional[_Iterable[_Union[MatchReview, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class DecideMatchReviewRequest(_message.Message):
    __slots__ = ("review_id", "decision")
    REVIEW_ID_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    review_id: str
    decision: str
    def __init__(self, review_id: _Optional[str] = ..., decision: _Optional[str] = ...) -> None: ...

class MergeCustomersRequest(_message.Message):
    __slots__ = ("survivor_id", "merged_id", "reason")
    SURVIVOR_ID_FIELD_NUMBER: _ClassVar[int]
    MERGED_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    survivor_id: str
    merged_id: str
    reason: str
    def __init__(self, survivor_id: _Optional[str] = ..., merged_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class ListCustomersResponse(_message.Message):
    __slots__ = ("customers", "next_page_token")
    CUSTOMERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    customers: _containers.RepeatedCompositeFieldContainer[Customer]
    next_page_token: str
    def __init__(self, customers: _Optional[_Iterable[_Union[Customer, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ImportCustomersRequest(_message.Message):
    __slots__ = ("filename", "content")
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    filename: str
    content: bytes
    def __init__(self, filename: _Optional[str] = ..., content: _Optional[bytes] = ...) -> None: ...

class RejectedRow(_message.Message):
    __slots__ = ("line", "field", "reason")
    LINE_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    line: int
    field: str
    reason: str
    def __init__(self, line: _Optional[int] = ..., field: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class ImportReport(_message.Message):
    __slots__ = ("import_id", "filename", "rows", "created", "linked", "queued_for_review", "rejected", "rejected_rows", "replayed", "imported_at")
    IMPORT_ID_FIELD_NUMBER: _ClassVar[int]
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    LINKED_FIELD_NUMBER: _ClassVar[int]
    QUEUED_FOR_REVIEW_FIELD_NUMBER: _ClassVar[int]
    REJECTED_FIELD_NUMBER: _ClassVar[int]
    REJECTED_ROWS_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    IMPORTED_AT_FIELD_NUMBER: _ClassVar[int]
    import_id: str
    filename: str
    rows: int
    created: int
    linked: int
    queued_for_review: int
    rejected: int
    rejected_rows: _containers.RepeatedCompositeFieldContainer[RejectedRow]
    replayed: bool
    imported_at: str
    def __init__(self, import_id: _Optional[str] = ..., filename: _Optional[str] = ..., rows: _Optional[int] = ..., created: _Optional[int] = ..., linked: _Optional[int] = ..., queued_for_review: _Optional[int] = ..., rejected: _Optional[int] = ..., rejected_rows: _Optional[_Iterable[_Union[RejectedRow, _Mapping]]] = ..., replayed: _Optional[bool] = ..., imported_at: _Optional[str] = ...) -> None: ...
