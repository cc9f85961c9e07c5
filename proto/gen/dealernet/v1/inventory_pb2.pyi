from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class StockVehicle(_message.Message):
    __slots__ = ("vin", "model_code", "trim_code", "colour_code", "location_code", "status", "reserved_for_order", "reserved_for_dealer")
    VIN_FIELD_NUMBER: _ClassVar[int]
    MODEL_CODE_FIELD_NUMBER: _ClassVar[int]
    TRIM_CODE_FIELD_NUMBER: _ClassVar[int]
    COLOUR_CODE_FIELD_NUMBER: _ClassVar[int]
    LOCATION_CODE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    RESERVED_FOR_ORDER_FIELD_NUMBER: _ClassVar[int]
    RESERVED_FOR_DEALER_FIELD_NUMBER: _ClassVar[int]
    vin: str
    model_code: str
    trim_code: str
    colour_code: str
    location_code: str
    status: str
    reserved_for_order: str
    reserved_for_dealer: str
    def __init__(self, vin: _Optional[str] = ..., model_code: _Optional[str] = ..., trim_code: _Optional[str] = ..., colour_code: _Optional[str] = ..., location_code: _Optional[str] = ..., status: _Optional[str] = ..., reserved_for_order: _Optional[str] = ..., reserved_for_dealer: _Optional[str] = ...) -> None: ...

class ListVehiclesRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "model_code", "status")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    MODEL_CODE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    model_code: str
    status: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., model_code: _Optional[str] = ..., status: _Optional[str] = ...) -> None: ...

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
