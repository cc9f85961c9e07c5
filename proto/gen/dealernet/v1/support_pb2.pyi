from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SupportRequest(_message.Message):
    __slots__ = ("id", "station_code", "vin", "subject", "description", "dtc_codes", "priority", "status", "opened_at", "first_response_due", "resolution_due")
    ID_FIELD_NUMBER: _ClassVar[int]
    STATION_CODE_FIELD_NUMBER: _ClassVar[int]
    VIN_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    DTC_CODES_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    OPENED_AT_FIELD_NUMBER: _ClassVar[int]
    FIRST_RESPONSE_DUE_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_DUE_FIELD_NUMBER: _ClassVar[int]
    id: str
    station_code: str
    vin: str
    subject: str
    description: str
    dtc_codes: _containers.RepeatedScalarFieldContainer[str]
    priority: str
    status: str
    opened_at: str
    first_response_due: str
    resolution_due: str
    def __init__(self, id: _Optional[str] = ..., station_code: _Optional[str] = ..., vin: _Optional[str] = ..., subject: _Optional[str] = ..., description: _Optional[str] = ..., dtc_codes: _Optional[_Iterable[str]] = ..., priority: _Optional[str] = ..., status: _Optional[str] = ..., opened_at: _Optional[str] = ..., first_response_due: _Optional[str] = ..., resolution_due: _Optional[str] = ...) -> None: ...

class OpenRequestRequest(_message.Message):
    __slots__ = ("vin", "subject", "description", "dtc_codes", "priority")
    VIN_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    DTC_CODES_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    vin: str
    subject: str
    description: str
    dtc_codes: _containers.RepeatedScalarFieldContainer[str]
    priority: str
    def __init__(self, vin: _Optional[str] = ..., subject: _Optional[str] = ..., description: _Optional[str] = ..., dtc_codes: _Optional[_Iterable[str]] = ..., priority: _Optional[str] = ...) -> None: ...

class GetRequestRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class ListRequestsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "status")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    status: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., status: _Optional[str] = ...) -> None: ...

class ListRequestsResponse(_message.Message):
    __slots__ = ("requests", "next_page_token")
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    requests: _containers.RepeatedCompositeFieldContainer[SupportRequest]
    next_page_token: str
    def __init__(self, requests: _Optional[_Iterable[_Union[SupportRequest, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
