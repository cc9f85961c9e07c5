from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Customer(_message.Message):
    __slots__ = ("id", "full_name", "phone", "email", "city", "registered_by", "registered_at", "vehicles")
    ID_FIELD_NUMBER: _ClassVar[int]
    FULL_NAME_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    CITY_FIELD_NUMBER: _ClassVar[int]
    REGISTERED_BY_FIELD_NUMBER: _ClassVar[int]
    REGISTERED_AT_FIELD_NUMBER: _ClassVar[int]
    VEHICLES_FIELD_NUMBER: _ClassVar[int]
    id: str
    full_name: str
    phone: str
    email: str
    city: str
    registered_by: str
    registered_at: str
    vehicles: _containers.RepeatedCompositeFieldContainer[CustomerVehicle]
    def __init__(self, id: _Optional[str] = ..., full_name: _Optional[str] = ..., phone: _Optional[str] = ..., email: _Optional[str] = ..., city: _Optional[str] = ..., registered_by: _Optional[str] = ..., registered_at: _Optional[str] = ..., vehicles: _Optional[_Iterable[_Union[CustomerVehicle, _Mapping]]] = ...) -> None: ...

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
    __slots__ = ("full_name", "phone", "email", "city")
    FULL_NAME_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    CITY_FIELD_NUMBER: _ClassVar[int]
    full_name: str
    phone: str
    email: str
    city: str
    def __init__(self, full_name: _Optional[str] = ..., phone: _Optional[str] = ..., email: _Optional[str] = ..., city: _Optional[str] = ...) -> None: ...

class RegisterCustomerResponse(_message.Message):
    __slots__ = ("customer", "already_known")
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    ALREADY_KNOWN_FIELD_NUMBER: _ClassVar[int]
    customer: Customer
    already_known: bool
    def __init__(self, customer: _Optional[_Union[Customer, _Mapping]] = ..., already_known: _Optional[bool] = ...) -> None: ...

class GetCustomerRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class ListCustomersRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListCustomersResponse(_message.Message):
    __slots__ = ("customers", "next_page_token")
    CUSTOMERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    customers: _containers.RepeatedCompositeFieldContainer[Customer]
    next_page_token: str
    def __init__(self, customers: _Optional[_Iterable[_Union[Customer, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
