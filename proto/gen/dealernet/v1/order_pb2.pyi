from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetCatalogueRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class Trim(_message.Message):
    __slots__ = ("code", "name", "list_price_minor", "currency")
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    LIST_PRICE_MINOR_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    code: str
    name: str
    list_price_minor: int
    currency: str
    def __init__(self, code: _Optional[str] = ..., name: _Optional[str] = ..., list_price_minor: _Optional[int] = ..., currency: _Optional[str] = ...) -> None: ...

class Colour(_message.Message):
    __slots__ = ("code", "name")
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    code: str
    name: str
    def __init__(self, code: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class CatalogueModel(_message.Message):
    __slots__ = ("code", "name", "trims", "colours")
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TRIMS_FIELD_NUMBER: _ClassVar[int]
    COLOURS_FIELD_NUMBER: _ClassVar[int]
    code: str
    name: str
    trims: _containers.RepeatedCompositeFieldContainer[Trim]
    colours: _containers.RepeatedCompositeFieldContainer[Colour]
    def __init__(self, code: _Optional[str] = ..., name: _Optional[str] = ..., trims: _Optional[_Iterable[_Union[Trim, _Mapping]]] = ..., colours: _Optional[_Iterable[_Union[Colour, _Mapping]]] = ...) -> None: ...

class Catalogue(_message.Message):
    __slots__ = ("models",)
    MODELS_FIELD_NUMBER: _ClassVar[int]
    models: _containers.RepeatedCompositeFieldContainer[CatalogueModel]
    def __init__(self, models: _Optional[_Iterable[_Union[CatalogueModel, _Mapping]]] = ...) -> None: ...

class PlaceOrderRequest(_message.Message):
    __slots__ = ("model_code", "trim_code", "colour_code", "quantity", "wanted_week")
    MODEL_CODE_FIELD_NUMBER: _ClassVar[int]
    TRIM_CODE_FIELD_NUMBER: _ClassVar[int]
    COLOUR_CODE_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    WANTED_WEEK_FIELD_NUMBER: _ClassVar[int]
    model_code: str
    trim_code: str
    colour_code: str
    quantity: int
    wanted_week: str
    def __init__(self, model_code: _Optional[str] = ..., trim_code: _Optional[str] = ..., colour_code: _Optional[str] = ..., quantity: _Optional[int] = ..., wanted_week: _Optional[str] = ...) -> None: ...

class VehicleOrder(_message.Message):
    __slots__ = ("order_number", "dealer_code", "model_code", "trim_code", "colour_code", "wanted_week", "status", "supply", "vin", "placed_at", "list_price_minor", "currency")
    ORDER_NUMBER_FIELD_NUMBER: _ClassVar[int]
    DEALER_CODE_FIELD_NUMBER: _ClassVar[int]
    MODEL_CODE_FIELD_NUMBER: _ClassVar[int]
    TRIM_CODE_FIELD_NUMBER: _ClassVar[int]
    COLOUR_CODE_FIELD_NUMBER: _ClassVar[int]
    WANTED_WEEK_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SUPPLY_FIELD_NUMBER: _ClassVar[int]
    VIN_FIELD_NUMBER: _ClassVar[int]
    PLACED_AT_FIELD_NUMBER: _ClassVar[int]
    LIST_PRICE_MINOR_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    order_number: str
    dealer_code: str
    model_code: str
    trim_code: str
    colour_code: str
    wanted_week: str
    status: str
    supply: str
    vin: str
    placed_at: str
    list_price_minor: int
    currency: str
    def __init__(self, order_number: _Optional[str] = ..., dealer_code: _Optional[str] = ..., model_code: _Optional[str] = ..., trim_code: _Optional[str] = ..., colour_code: _Optional[str] = ..., wanted_week: _Optional[str] = ..., status: _Optional[str] = ..., supply: _Optional[str] = ..., vin: _Optional[str] = ..., placed_at: _Optional[str] = ..., list_price_minor: _Optional[int] = ..., currency: _Optional[str] = ...) -> None: ...

class PlaceOrderResponse(_message.Message):
    __slots__ = ("orders",)
    ORDERS_FIELD_NUMBER: _ClassVar[int]
    orders: _containers.RepeatedCompositeFieldContainer[VehicleOrder]
    def __init__(self, orders: _Optional[_Iterable[_Union[VehicleOrder, _Mapping]]] = ...) -> None: ...

class GetOrderRequest(_message.Message):
    __slots__ = ("order_number",)
    ORDER_NUMBER_FIELD_NUMBER: _ClassVar[int]
    order_number: str
    def __init__(self, order_number: _Optional[str] = ...) -> None: ...

class ListOrdersRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "status")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    status: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., status: _Optional[str] = ...) -> None: ...

class ListOrdersResponse(_message.Message):
    __slots__ = ("orders", "next_page_token")
    ORDERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    orders: _containers.RepeatedCompositeFieldContainer[VehicleOrder]
    next_page_token: str
    def __init__(self, orders: _Optional[_Iterable[_Union[VehicleOrder, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
