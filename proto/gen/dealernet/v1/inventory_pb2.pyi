from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class StockVehicle(_message.Message):
    __slots__ = ("vin", "model_code", "trim_code", "colour_code", "location_code", "status", "reserved_for_order", "reserved_for_dealer", "reserved_for_customer", "transfer_number", "sold_to_customer", "in_stock_since", "age_days", "held_until")
    VIN_FIELD_NUMBER: _ClassVar[int]
    MODEL_CODE_FIELD_NUMBER: _ClassVar[int]
    TRIM_CODE_FIELD_NUMBER: _ClassVar[int]
    COLOUR_CODE_FIELD_NUMBER: _ClassVar[int]
    LOCATION_CODE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    RESERVED_FOR_ORDER_FIELD_NUMBER: _ClassVar[int]
    RESERVED_FOR_DEALER_FIELD_NUMBER: _ClassVar[int]
    RESERVED_FOR_CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    TRANSFER_NUMBER_FIELD_NUMBER: _ClassVar[int]
    SOLD_TO_CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    IN_STOCK_SINCE_FIELD_NUMBER: _ClassVar[int]
    AGE_DAYS_FIELD_NUMBER: _ClassVar[int]
    HELD_UNTIL_FIELD_NUMBER: _ClassVar[int]
    vin: str
    model_code: str
    trim_code: str
    colour_code: str
    location_code: str
    status: str
    reserved_for_order: str
    reserved_for_dealer: str
    reserved_for_customer: str
    transfer_number: str
    sold_to_customer: str
    in_stock_since: str
    age_days: int
    held_until: str
    def __init__(self, vin: _Optional[str] = ..., model_code: _Optional[str] = ..., trim_code: _Optional[str] = ..., colour_code: _Optional[str] = ..., location_code: _Optional[str] = ..., status: _Optional[str] = ..., reserved_for_order: _Optional[str] = ..., reserved_for_dealer: _Optional[str] = ..., reserved_for_customer: _Optional[str] = ..., transfer_number: _Optional[str] = ..., sold_to_customer: _Optional[str] = ..., in_stock_since: _Optional[str] = ..., age_days: _Optional[int] = ..., held_until: _Optional[str] = ...) -> None: ...

class ListVehiclesRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "model_code", "status", "location_code")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    MODEL_CODE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    LOCATION_CODE_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    model_code: str
    status: str
    location_code: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., model_code: _Optional[str] = ..., status: _Optional[str] = ..., location_code: _Optional[str] = ...) -> None: ...

class ListVehiclesResponse(_message.Message):
    __slots__ = ("vehicles", "next_page_token")
    VEHICLES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    vehicles: _containers.RepeatedCompositeFieldContainer[StockVehicle]
    next_page_token: str
    def __init__(self, vehicles: _Optional[_Iterable[_Union[StockVehicle, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetVehicleRequest(_message.Message):
    __slots__ = ("vin",)
    VIN_FIELD_NUMBER: _ClassVar[int]
    vin: str
    def __init__(self, vin: _Optional[str] = ...) -> None: ...

class GetReservationRequest(_message.Message):
    __slots__ = ("order_number",)
    ORDER_NUMBER_FIELD_NUMBER: _ClassVar[int]
    order_number: str
    def __init__(self, order_number: _Optional[str] = ...) -> None: ...

class Reservation(_message.Message):
    __slots__ = ("order_number", "dealer_code", "outcome", "vin", "decided_at")
    ORDER_NUMBER_FIELD_NUMBER: _ClassVar[int]
    DEALER_CODE_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    VIN_FIELD_NUMBER: _ClassVar[int]
    DECIDED_AT_FIELD_NUMBER: _ClassVar[int]
    order_number: str
    dealer_code: str
    outcome: str
    vin: str
    decided_at: str
    def __init__(self, order_number: _Optional[str] = ..., dealer_code: _Optional[str] = ..., outcome: _Optional[str] = ..., vin: _Optional[str] = ..., decided_at: _Optional[str] = ...) -> None: ...

class ReserveVehicleRequest(_message.Message):
    __slots__ = ("vin", "customer_id")
    VIN_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    vin: str
    customer_id: str
    def __init__(self, vin: _Optional[str] = ..., customer_id: _Optional[str] = ...) -> None: ...

class ReleaseVehicleRequest(_message.Message):
    __slots__ = ("vin",)
    VIN_FIELD_NUMBER: _ClassVar[int]
    vin: str
    def __init__(self, vin: _Optional[str] = ...) -> None: ...

class SellVehicleRequest(_message.Message):
    __slots__ = ("vin", "customer_id")
    VIN_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    vin: str
    customer_id: str
    def __init__(self, vin: _Optional[str] = ..., customer_id: _Optional[str] = ...) -> None: ...

class SearchNetworkStockRequest(_message.Message):
    __slots__ = ("model_code", "trim_code", "colour_code", "region", "page_size", "page_token")
    MODEL_CODE_FIELD_NUMBER: _ClassVar[int]
    TRIM_CODE_FIELD_NUMBER: _ClassVar[int]
    COLOUR_CODE_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    model_code: str
    trim_code: str
    colour_code: str
    region: str
    page_size: int
    page_token: str
    def __init__(self, model_code: _Optional[str] = ..., trim_code: _Optional[str] = ..., colour_code: _Optional[str] = ..., region: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class NetworkVehicle(_message.Message):
    __slots__ = ("vin", "model_code", "trim_code", "colour_code", "location_code", "location_name", "location_kind", "region", "age_days")
    VIN_FIELD_NUMBER: _ClassVar[int]
    MODEL_CODE_FIELD_NUMBER: _ClassVar[int]
    TRIM_CODE_FIELD_NUMBER: _ClassVar[int]
    COLOUR_CODE_FIELD_NUMBER: _ClassVar[int]
    LOCATION_CODE_FIELD_NUMBER: _ClassVar[int]
    LOCATION_NAME_FIELD_NUMBER: _ClassVar[int]
    LOCATION_KIND_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    AGE_DAYS_FIELD_NUMBER: _ClassVar[int]
    vin: str
    model_code: str
    trim_code: str
    colour_code: str
    location_code: str
    location_name: str
    location_kind: str
    region: str
    age_days: int
    def __init__(self, vin: _Optional[str] = ..., model_code: _Optional[str] = ..., trim_code: _Optional[str] = ..., colour_code: _Optional[str] = ..., location_code: _Optional[str] = ..., location_name: _Optional[str] = ..., location_kind: _Optional[str] = ..., region: _Optional[str] = ..., age_days: _Optional[int] = ...) -> None: ...

class SearchNetworkStockResponse(_message.Message):
    __slots__ = ("vehicles", "next_page_token")
    VEHICLES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    vehicles: _containers.RepeatedCompositeFieldContainer[NetworkVehicle]
    next_page_token: str
    def __init__(self, vehicles: _Optional[_Iterable[_Union[NetworkVehicle, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class RequestTransferRequest(_message.Message):
    __slots__ = ("vin", "note")
    VIN_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    vin: str
    note: str
    def __init__(self, vin: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class TransferActionRequest(_message.Message):
    __slots__ = ("transfer_number", "reason")
    TRANSFER_NUMBER_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    transfer_number: str
    reason: str
    def __init__(self, transfer_number: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class GetTransferRequest(_message.Message):
    __slots__ = ("transfer_number",)
    TRANSFER_NUMBER_FIELD_NUMBER: _ClassVar[int]
    transfer_number: str
    def __init__(self, transfer_number: _Optional[str] = ...) -> None: ...

class Transfer(_message.Message):
    __slots__ = ("transfer_number", "vin", "from_dealer", "to_dealer", "status", "needs_hq_approval", "note", "decline_reason", "requested_by", "requested_at", "sender_approved_at", "hq_approved_at", "shipped_at", "received_at")
    TRANSFER_NUMBER_FIELD_NUMBER: _ClassVar[int]
    VIN_FIELD_NUMBER: _ClassVar[int]
    FROM_DEALER_FIELD_NUMBER: _ClassVar[int]
    TO_DEALER_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    NEEDS_HQ_APPROVAL_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    DECLINE_REASON_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_BY_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_AT_FIELD_NUMBER: _ClassVar[int]
    SENDER_APPROVED_AT_FIELD_NUMBER: _ClassVar[int]
    HQ_APPROVED_AT_FIELD_NUMBER: _ClassVar[int]
    SHIPPED_AT_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_AT_FIELD_NUMBER: _ClassVar[int]
    transfer_number: str
    vin: str
    from_dealer: str
    to_dealer: str
    status: str
    needs_hq_approval: bool
    note: str
    decline_reason: str
    requested_by: str
    requested_at: str
    sender_approved_at: str
    hq_approved_at: str
    shipped_at: str
    received_at: str
    def __init__(self, transfer_number: _Optional[str] = ..., vin: _Optional[str] = ..., from_dealer: _Optional[str] = ..., to_dealer: _Optional[str] = ..., status: _Optional[str] = ..., needs_hq_approval: _Optional[bool] = ..., note: _Optional[str] = ..., decline_reason: _Optional[str] = ..., requested_by: _Optional[str] = ..., requested_at: _Optional[str] = ..., sender_approved_at: _Optional[str] = ..., hq_approved_at: _Optional[str] = ..., shipped_at: _Optional[str] = ..., received_at: _Optional[str] = ...) -> None: ...

class ListTransfersRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "status")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    status: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., status: _Optional[str] = ...) -> None: ...

class ListTransfersResponse(_message.Message):
    __slots__ = ("transfers", "next_page_token")
    TRANSFERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    transfers: _containers.RepeatedCompositeFieldContainer[Transfer]
    next_page_token: str
    def __init__(self, transfers: _Optional[_Iterable[_Union[Transfer, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class AdjustStockRequest(_message.Message):
    __slots__ = ("location_code", "vin", "part_number", "quantity", "reason", "model_code", "trim_code", "colour_code")
    LOCATION_CODE_FIELD_NUMBER: _ClassVar[int]
    VIN_FIELD_NUMBER: _ClassVar[int]
    PART_NUMBER_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    MODEL_CODE_FIELD_NUMBER: _ClassVar[int]
    TRIM_CODE_FIELD_NUMBER: _ClassVar[int]
    COLOUR_CODE_FIELD_NUMBER: _ClassVar[int]
    location_code: str
    vin: str
    part_number: str
    quantity: int
    reason: str
    model_code: str
    trim_code: str
    colour_code: str
    def __init__(self, location_code: _Optional[str] = ..., vin: _Optional[str] = ..., part_number: _Optional[str] = ..., quantity: _Optional[int] = ..., reason: _Optional[str] = ..., model_code: _Optional[str] = ..., trim_code: _Optional[str] = ..., colour_code: _Optional[str] = ...) -> None: ...

class PartMovementRequest(_message.Message):
    __slots__ = ("location_code", "part_number", "quantity", "reference", "description")
    LOCATION_CODE_FIELD_NUMBER: _ClassVar[int]
    PART_NUMBER_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    location_code: str
    part_number: str
    quantity: int
    reference: str
    description: str
    def __init__(self, location_code: _Optional[str] = ..., part_number: _Optional[str] = ..., quantity: _Optional[int] = ..., reference: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class PartBalance(_message.Message):
    __slots__ = ("location_code", "part_number", "on_hand", "reserved", "available", "reorder_point")
    LOCATION_CODE_FIELD_NUMBER: _ClassVar[int]
    PART_NUMBER_FIELD_NUMBER: _ClassVar[int]
    ON_HAND_FIELD_NUMBER: _ClassVar[int]
    RESERVED_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    REORDER_POINT_FIELD_NUMBER: _ClassVar[int]
    location_code: str
    part_number: str
    on_hand: int
    reserved: int
    available: int
    reorder_point: int
    def __init__(self, location_code: _Optional[str] = ..., part_number: _Optional[str] = ..., on_hand: _Optional[int] = ..., reserved: _Optional[int] = ..., available: _Optional[int] = ..., reorder_point: _Optional[int] = ...) -> None: ...

class GetPartAvailabilityRequest(_message.Message):
    __slots__ = ("part_number", "location_code")
    PART_NUMBER_FIELD_NUMBER: _ClassVar[int]
    LOCATION_CODE_FIELD_NUMBER: _ClassVar[int]
    part_number: str
    location_code: str
    def __init__(self, part_number: _Optional[str] = ..., location_code: _Optional[str] = ...) -> None: ...

class PartAvailabilityAt(_message.Message):
    __slots__ = ("location_code", "location_name", "location_kind", "region", "available", "distance_km")
    LOCATION_CODE_FIELD_NUMBER: _ClassVar[int]
    LOCATION_NAME_FIELD_NUMBER: _ClassVar[int]
    LOCATION_KIND_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    DISTANCE_KM_FIELD_NUMBER: _ClassVar[int]
    location_code: str
    location_name: str
    location_kind: str
    region: str
    available: int
    distance_km: float
    def __init__(self, location_code: _Optional[str] = ..., location_name: _Optional[str] = ..., location_kind: _Optional[str] = ..., region: _Optional[str] = ..., available: _Optional[int] = ..., distance_km: _Optional[float] = ...) -> None: ...

class PartAvailability(_message.Message):
    __slots__ = ("part_number", "description", "own", "nearby")
    PART_NUMBER_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    OWN_FIELD_NUMBER: _ClassVar[int]
    NEARBY_FIELD_NUMBER: _ClassVar[int]
    part_number: str
    description: str
    own: PartAvailabilityAt
    nearby: _containers.RepeatedCompositeFieldContainer[PartAvailabilityAt]
    def __init__(self, part_number: _Optional[str] = ..., description: _Optional[str] = ..., own: _Optional[_Union[PartAvailabilityAt, _Mapping]] = ..., nearby: _Optional[_Iterable[_Union[PartAvailabilityAt, _Mapping]]] = ...) -> None: ...

class GetStockSummaryRequest(_message.Message):
    __slots__ = ("group_by", "region", "model_code", "page_size", "page_token")
    GROUP_BY_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    MODEL_CODE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    group_by: str
    region: str
    model_code: str
    page_size: int
    page_token: str
    def __init__(self, group_by: _Optional[str] = ..., region: _Optional[str] = ..., model_code: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class StockSummaryRow(_message.Message):
    __slots__ = ("key", "name", "region", "on_hand", "available", "reserved", "in_transit", "sold_last_30_days", "days_of_supply", "average_age_days", "oldest_age_days", "aged")
    KEY_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    ON_HAND_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    RESERVED_FIELD_NUMBER: _ClassVar[int]
    IN_TRANSIT_FIELD_NUMBER: _ClassVar[int]
    SOLD_LAST_30_DAYS_FIELD_NUMBER: _ClassVar[int]
    DAYS_OF_SUPPLY_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_AGE_DAYS_FIELD_NUMBER: _ClassVar[int]
    OLDEST_AGE_DAYS_FIELD_NUMBER: _ClassVar[int]
    AGED_FIELD_NUMBER: _ClassVar[int]
    key: str
    name: str
    region: str
    on_hand: int
    available: int
    reserved: int
    in_transit: int
    sold_last_30_days: int
    days_of_supply: float
    average_age_days: float
    oldest_age_days: int
    aged: int
    def __init__(self, key: _Optional[str] = ..., name: _Optional[str] = ..., region: _Optional[str] = ..., on_hand: _Optional[int] = ..., available: _Optional[int] = ..., reserved: _Optional[int] = ..., in_transit: _Optional[int] = ..., sold_last_30_days: _Optional[int] = ..., days_of_supply: _Optional[float] = ..., average_age_days: _Optional[float] = ..., oldest_age_days: _Optional[int] = ..., aged: _Optional[int] = ...) -> None: ...

class StockSummary(_message.Message):
    __slots__ = ("group_by", "rows", "next_page_token", "aged_after_days", "total", "as_of")
    GROUP_BY_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    AGED_AFTER_DAYS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    group_by: str
    rows: _containers.RepeatedCompositeFieldContainer[StockSummaryRow]
    next_page_token: str
    aged_after_days: int
    total: StockSummaryRow
    as_of: str
    def __init__(self, group_by: _Optional[str] = ..., rows: _Optional[_Iterable[_Union[StockSummaryRow, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., aged_after_days: _Optional[int] = ..., total: _Optional[_Union[StockSummaryRow, _Mapping]] = ..., as_of: _Optional[str] = ...) -> None: ...

class ListMovementsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "location_code", "vin", "part_number")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    LOCATION_CODE_FIELD_NUMBER: _ClassVar[int]
    VIN_FIELD_NUMBER: _ClassVar[int]
    PART_NUMBER_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    location_code: str
    vin: str
    part_number: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., location_code: _Optional[str] = ..., vin: _Optional[str] = ..., part_number: _Optional[str] = ...) -> None: ...

class Movement(_message.Message):
    __slots__ = ("seq", "kind", "location_code", "vin", "part_number", "on_hand_change", "reserved_change", "in_transit_change", "reference", "reason", "actor", "occurred_at")
    SEQ_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    LOCATION_CODE_FIELD_NUMBER: _ClassVar[int]
    VIN_FIELD_NUMBER: _ClassVar[int]
    PART_NUMBER_FIELD_NUMBER: _ClassVar[int]
    ON_HAND_CHANGE_FIELD_NUMBER: _ClassVar[int]
    RESERVED_CHANGE_FIELD_NUMBER: _ClassVar[int]
    IN_TRANSIT_CHANGE_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    seq: int
    kind: str
    location_code: str
    vin: str
    part_number: str
    on_hand_change: int
    reserved_change: int
    in_transit_change: int
    reference: str
    reason: str
    actor: str
    occurred_at: str
    def __init__(self, seq: _Optional[int] = ..., kind: _Optional[str] = ..., location_code: _Optional[str] = ..., vin: _Optional[str] = ..., part_number: _Optional[str] = ..., on_hand_change: _Optional[int] = ..., reserved_change: _Optional[int] = ..., in_transit_change: _Optional[int] = ..., reference: _Optional[str] = ..., reason: _Optional[str] = ..., actor: _Optional[str] = ..., occurred_at: _Optional[str] = ...) -> None: ...

class ListMovementsResponse(_message.Message):
    __slots__ = ("movements", "next_page_token")
    MOVEMENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    movements: _containers.RepeatedCompositeFieldContainer[Movement]
    next_page_token: str
    def __init__(self, movements: _Optional[_Iterable[_Union[Movement, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListLocationsRequest(_message.Message):
    __slots__ = ("region", "kind", "page_size", "page_token")
    REGION_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    region: str
    kind: str
    page_size: int
    page_token: str
    def __init__(self, region: _Optional[str] = ..., kind: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class Location(_message.Message):
    __slots__ = ("code", "kind", "name", "region")
    CODE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    code: str
    kind: str
    name: str
    region: str
    def __init__(self, code: _Optional[str] = ..., kind: _Optional[str] = ..., name: _Optional[str] = ..., region: _Optional[str] = ...) -> None: ...

class ListLocationsResponse(_message.Message):
    __slots__ = ("locations", "next_page_token")
    LOCATIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    locations: _containers.RepeatedCompositeFieldContainer[Location]
    next_page_token: str
    def __init__(self, locations: _Optional[_Iterable[_Union[Location, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
