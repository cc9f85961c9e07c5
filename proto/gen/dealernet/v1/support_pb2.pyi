from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SupportRequest(_message.Message):
    __slots__ = ("id", "station_code", "vin", "subject", "description", "dtc_codes", "priority", "status", "opened_at", "first_response_due", "resolution_due", "region", "model_code", "model_year", "mileage_km", "engineer", "first_response_at", "first_response_late", "resolved_at", "resolution_late", "resolution", "closed_at", "rating", "escalation_level", "next_escalation_at", "age_hours")
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
    REGION_FIELD_NUMBER: _ClassVar[int]
    MODEL_CODE_FIELD_NUMBER: _ClassVar[int]
    MODEL_YEAR_FIELD_NUMBER: _ClassVar[int]
    MILEAGE_KM_FIELD_NUMBER: _ClassVar[int]
    ENGINEER_FIELD_NUMBER: _ClassVar[int]
    FIRST_RESPONSE_AT_FIELD_NUMBER: _ClassVar[int]
    FIRST_RESPONSE_LATE_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_AT_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_LATE_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    CLOSED_AT_FIELD_NUMBER: _ClassVar[int]
    RATING_FIELD_NUMBER: _ClassVar[int]
    ESCALATION_LEVEL_FIELD_NUMBER: _ClassVar[int]
    NEXT_ESCALATION_AT_FIELD_NUMBER: _ClassVar[int]
    AGE_HOURS_FIELD_NUMBER: _ClassVar[int]
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
    region: str
    model_code: str
    model_year: int
    mileage_km: int
    engineer: str
    first_response_at: str
    first_response_late: bool
    resolved_at: str
    resolution_late: bool
    resolution: str
    closed_at: str
    rating: int
    escalation_level: int
    next_escalation_at: str
    age_hours: float
    def __init__(self, id: _Optional[str] = ..., station_code: _Optional[str] = ..., vin: _Optional[str] = ..., subject: _Optional[str] = ..., description: _Optional[str] = ..., dtc_codes: _Optional[_Iterable[str]] = ..., priority: _Optional[str] = ..., status: _Optional[str] = ..., opened_at: _Optional[str] = ..., first_response_due: _Optional[str] = ..., resolution_due: _Optional[str] = ..., region: _Optional[str] = ..., model_code: _Optional[str] = ..., model_year: _Optional[int] = ..., mileage_km: _Optional[int] = ..., engineer: _Optional[str] = ..., first_response_at: _Optional[str] = ..., first_response_late: _Optional[bool] = ..., resolved_at: _Optional[str] = ..., resolution_late: _Optional[bool] = ..., resolution: _Optional[str] = ..., closed_at: _Optional[str] = ..., rating: _Optional[int] = ..., escalation_level: _Optional[int] = ..., next_escalation_at: _Optional[str] = ..., age_hours: _Optional[float] = ...) -> None: ...

class OpenRequestRequest(_message.Message):
    __slots__ = ("vin", "subject", "description", "dtc_codes", "priority", "model_code", "model_year", "mileage_km")
    VIN_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    DTC_CODES_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    MODEL_CODE_FIELD_NUMBER: _ClassVar[int]
    MODEL_YEAR_FIELD_NUMBER: _ClassVar[int]
    MILEAGE_KM_FIELD_NUMBER: _ClassVar[int]
    vin: str
    subject: str
    description: str
    dtc_codes: _containers.RepeatedScalarFieldContainer[str]
    priority: str
    model_code: str
    model_year: int
    mileage_km: int
    def __init__(self, vin: _Optional[str] = ..., subject: _Optional[str] = ..., description: _Optional[str] = ..., dtc_codes: _Optional[_Iterable[str]] = ..., priority: _Optional[str] = ..., model_code: _Optional[str] = ..., model_year: _Optional[int] = ..., mileage_km: _Optional[int] = ...) -> None: ...

class Suggestion(_message.Message):
    __slots__ = ("kind", "id", "title", "rank")
    KIND_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    RANK_FIELD_NUMBER: _ClassVar[int]
    kind: str
    id: str
    title: str
    rank: float
    def __init__(self, kind: _Optional[str] = ..., id: _Optional[str] = ..., title: _Optional[str] = ..., rank: _Optional[float] = ...) -> None: ...

class OpenRequestResponse(_message.Message):
    __slots__ = ("request", "suggestions")
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    SUGGESTIONS_FIELD_NUMBER: _ClassVar[int]
    request: SupportRequest
    suggestions: _containers.RepeatedCompositeFieldContainer[Suggestion]
    def __init__(self, request: _Optional[_Union[SupportRequest, _Mapping]] = ..., suggestions: _Optional[_Iterable[_Union[Suggestion, _Mapping]]] = ...) -> None: ...

class GetRequestRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class ListRequestsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "status", "priority", "region", "model_code", "older_than_hours", "unassigned", "engineer")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    MODEL_CODE_FIELD_NUMBER: _ClassVar[int]
    OLDER_THAN_HOURS_FIELD_NUMBER: _ClassVar[int]
    UNASSIGNED_FIELD_NUMBER: _ClassVar[int]
    ENGINEER_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    status: str
    priority: str
    region: str
    model_code: str
    older_than_hours: int
    unassigned: bool
    engineer: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., status: _Optional[str] = ..., priority: _Optional[str] = ..., region: _Optional[str] = ..., model_code: _Optional[str] = ..., older_than_hours: _Optional[int] = ..., unassigned: _Optional[bool] = ..., engineer: _Optional[str] = ...) -> None: ...

class ListRequestsResponse(_message.Message):
    __slots__ = ("requests", "next_page_token")
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    requests: _containers.RepeatedCompositeFieldContainer[SupportRequest]
    next_page_token: str
    def __init__(self, requests: _Optional[_Iterable[_Union[SupportRequest, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class TakeRequestRequest(_message.Message):
    __slots__ = ("id", "engineer")
    ID_FIELD_NUMBER: _ClassVar[int]
    ENGINEER_FIELD_NUMBER: _ClassVar[int]
    id: str
    engineer: str
    def __init__(self, id: _Optional[str] = ..., engineer: _Optional[str] = ...) -> None: ...

class PostMessageRequest(_message.Message):
    __slots__ = ("id", "body", "asks_station")
    ID_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    ASKS_STATION_FIELD_NUMBER: _ClassVar[int]
    id: str
    body: str
    asks_station: bool
    def __init__(self, id: _Optional[str] = ..., body: _Optional[str] = ..., asks_station: _Optional[bool] = ...) -> None: ...

class Message(_message.Message):
    __slots__ = ("author_role", "author", "body", "asks_station", "created_at")
    AUTHOR_ROLE_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    ASKS_STATION_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    author_role: str
    author: str
    body: str
    asks_station: bool
    created_at: str
    def __init__(self, author_role: _Optional[str] = ..., author: _Optional[str] = ..., body: _Optional[str] = ..., asks_station: _Optional[bool] = ..., created_at: _Optional[str] = ...) -> None: ...

class ListMessagesResponse(_message.Message):
    __slots__ = ("messages",)
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    messages: _containers.RepeatedCompositeFieldContainer[Message]
    def __init__(self, messages: _Optional[_Iterable[_Union[Message, _Mapping]]] = ...) -> None: ...

class ResolveRequestRequest(_message.Message):
    __slots__ = ("id", "resolution")
    ID_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    id: str
    resolution: str
    def __init__(self, id: _Optional[str] = ..., resolution: _Optional[str] = ...) -> None: ...

class CloseRequestRequest(_message.Message):
    __slots__ = ("id", "rating", "comment")
    ID_FIELD_NUMBER: _ClassVar[int]
    RATING_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    id: str
    rating: int
    comment: str
    def __init__(self, id: _Optional[str] = ..., rating: _Optional[int] = ..., comment: _Optional[str] = ...) -> None: ...

class ListBreachesRequest(_message.Message):
    __slots__ = ("horizon_hours", "page_size", "page_token")
    HORIZON_HOURS_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    horizon_hours: int
    page_size: int
    page_token: str
    def __init__(self, horizon_hours: _Optional[int] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class Breach(_message.Message):
    __slots__ = ("request", "state", "first_response_breached", "resolution_breached")
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    FIRST_RESPONSE_BREACHED_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_BREACHED_FIELD_NUMBER: _ClassVar[int]
    request: SupportRequest
    state: str
    first_response_breached: bool
    resolution_breached: bool
    def __init__(self, request: _Optional[_Union[SupportRequest, _Mapping]] = ..., state: _Optional[str] = ..., first_response_breached: _Optional[bool] = ..., resolution_breached: _Optional[bool] = ...) -> None: ...

class ListBreachesResponse(_message.Message):
    __slots__ = ("breaches", "next_page_token", "breached", "predicted")
    BREACHES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    BREACHED_FIELD_NUMBER: _ClassVar[int]
    PREDICTED_FIELD_NUMBER: _ClassVar[int]
    breaches: _containers.RepeatedCompositeFieldContainer[Breach]
    next_page_token: str
    breached: int
    predicted: int
    def __init__(self, breaches: _Optional[_Iterable[_Union[Breach, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., breached: _Optional[int] = ..., predicted: _Optional[int] = ...) -> None: ...

class GetPerformanceRequest(_message.Message):
    __slots__ = ("group_by", "since")
    GROUP_BY_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    group_by: str
    since: str
    def __init__(self, group_by: _Optional[str] = ..., since: _Optional[str] = ...) -> None: ...

class PerformanceRow(_message.Message):
    __slots__ = ("key", "requests", "closed", "rated", "average_rating", "first_response_met_percent", "resolution_met_percent", "escalations")
    KEY_FIELD_NUMBER: _ClassVar[int]
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    CLOSED_FIELD_NUMBER: _ClassVar[int]
    RATED_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_RATING_FIELD_NUMBER: _ClassVar[int]
    FIRST_RESPONSE_MET_PERCENT_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_MET_PERCENT_FIELD_NUMBER: _ClassVar[int]
    ESCALATIONS_FIELD_NUMBER: _ClassVar[int]
    key: str
    requests: int
    closed: int
    rated: int
    average_rating: float
    first_response_met_percent: float
    resolution_met_percent: float
    escalations: int
    def __init__(self, key: _Optional[str] = ..., requests: _Optional[int] = ..., closed: _Optional[int] = ..., rated: _Optional[int] = ..., average_rating: _Optional[float] = ..., first_response_met_percent: _Optional[float] = ..., resolution_met_percent: _Optional[float] = ..., escalations: _Optional[int] = ...) -> None: ...

class Performance(_message.Message):
    __slots__ = ("group_by", "rows")
    GROUP_BY_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    group_by: str
    rows: _containers.RepeatedCompositeFieldContainer[PerformanceRow]
    def __init__(self, group_by: _Optional[str] = ..., rows: _Optional[_Iterable[_Union[PerformanceRow, _Mapping]]] = ...) -> None: ...

class RecordRepairRequest(_message.Message):
    __slots__ = ("vin", "mileage_km", "work_done", "request_id")
    VIN_FIELD_NUMBER: _ClassVar[int]
    MILEAGE_KM_FIELD_NUMBER: _ClassVar[int]
    WORK_DONE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    vin: str
    mileage_km: int
    work_done: str
    request_id: str
    def __init__(self, vin: _Optional[str] = ..., mileage_km: _Optional[int] = ..., work_done: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class Repair(_message.Message):
    __slots__ = ("id", "station_code", "vin", "mileage_km", "work_done", "request_id", "repaired_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    STATION_CODE_FIELD_NUMBER: _ClassVar[int]
    VIN_FIELD_NUMBER: _ClassVar[int]
    MILEAGE_KM_FIELD_NUMBER: _ClassVar[int]
    WORK_DONE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    REPAIRED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    station_code: str
    vin: str
    mileage_km: int
    work_done: str
    request_id: str
    repaired_at: str
    def __init__(self, id: _Optional[str] = ..., station_code: _Optional[str] = ..., vin: _Optional[str] = ..., mileage_km: _Optional[int] = ..., work_done: _Optional[str] = ..., request_id: _Optional[str] = ..., repaired_at: _Optional[str] = ...) -> None: ...

class GetVehicleHistoryRequest(_message.Message):
    __slots__ = ("vin",)
    VIN_FIELD_NUMBER: _ClassVar[int]
    vin: str
    def __init__(self, vin: _Optional[str] = ...) -> None: ...

class VehicleHistory(_message.Message):
    __slots__ = ("vin", "requests", "repairs")
    VIN_FIELD_NUMBER: _ClassVar[int]
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    REPAIRS_FIELD_NUMBER: _ClassVar[int]
    vin: str
    requests: _containers.RepeatedCompositeFieldContainer[SupportRequest]
    repairs: _containers.RepeatedCompositeFieldContainer[Repair]
    def __init__(self, vin: _Optional[str] = ..., requests: _Optional[_Iterable[_Union[SupportRequest, _Mapping]]] = ..., repairs: _Optional[_Iterable[_Union[Repair, _Mapping]]] = ...) -> None: ...

class Article(_message.Message):
    __slots__ = ("id", "kind", "status", "title", "symptoms", "solution", "dtc_codes", "model_codes", "year_from", "year_to", "vin_prefix", "serial_from", "serial_to", "bulletin_number", "source_request_id", "author", "published_at", "solved_count", "not_solved_count", "rank")
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    SYMPTOMS_FIELD_NUMBER: _ClassVar[int]
    SOLUTION_FIELD_NUMBER: _ClassVar[int]
    DTC_CODES_FIELD_NUMBER: _ClassVar[int]
    MODEL_CODES_FIELD_NUMBER: _ClassVar[int]
    YEAR_FROM_FIELD_NUMBER: _ClassVar[int]
    YEAR_TO_FIELD_NUMBER: _ClassVar[int]
    VIN_PREFIX_FIELD_NUMBER: _ClassVar[int]
    SERIAL_FROM_FIELD_NUMBER: _ClassVar[int]
    SERIAL_TO_FIELD_NUMBER: _ClassVar[int]
    BULLETIN_NUMBER_FIELD_NUMBER: _ClassVar[int]
    SOURCE_REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_AT_FIELD_NUMBER: _ClassVar[int]
    SOLVED_COUNT_FIELD_NUMBER: _ClassVar[int]
    NOT_SOLVED_COUNT_FIELD_NUMBER: _ClassVar[int]
    RANK_FIELD_NUMBER: _ClassVar[int]
    id: str
    kind: str
    status: str
    title: str
    symptoms: str
    solution: str
    dtc_codes: _containers.RepeatedScalarFieldContainer[str]
    model_codes: _containers.RepeatedScalarFieldContainer[str]
    year_from: int
    year_to: int
    vin_prefix: str
    serial_from: int
    serial_to: int
    bulletin_number: str
    source_request_id: str
    author: str
    published_at: str
    solved_count: int
    not_solved_count: int
    rank: float
    def __init__(self, id: _Optional[str] = ..., kind: _Optional[str] = ..., status: _Optional[str] = ..., title: _Optional[str] = ..., symptoms: _Optional[str] = ..., solution: _Optional[str] = ..., dtc_codes: _Optional[_Iterable[str]] = ..., model_codes: _Optional[_Iterable[str]] = ..., year_from: _Optional[int] = ..., year_to: _Optional[int] = ..., vin_prefix: _Optional[str] = ..., serial_from: _Optional[int] = ..., serial_to: _Optional[int] = ..., bulletin_number: _Optional[str] = ..., source_request_id: _Optional[str] = ..., author: _Optional[str] = ..., published_at: _Optional[str] = ..., solved_count: _Optional[int] = ..., not_solved_count: _Optional[int] = ..., rank: _Optional[float] = ...) -> None: ...

class SearchArticlesRequest(_message.Message):
    __slots__ = ("query", "dtc_code", "model_code", "model_year", "kind", "page_size", "page_token", "include_drafts")
    QUERY_FIELD_NUMBER: _ClassVar[int]
    DTC_CODE_FIELD_NUMBER: _ClassVar[int]
    MODEL_CODE_FIELD_NUMBER: _ClassVar[int]
    MODEL_YEAR_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_DRAFTS_FIELD_NUMBER: _ClassVar[int]
    query: str
    dtc_code: str
    model_code: str
    model_year: int
    kind: str
    page_size: int
    page_token: str
    include_drafts: bool
    def __init__(self, query: _Optional[str] = ..., dtc_code: _Optional[str] = ..., model_code: _Optional[str] = ..., model_year: _Optional[int] = ..., kind: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., include_drafts: _Optional[bool] = ...) -> None: ...

class SearchArticlesResponse(_message.Message):
    __slots__ = ("articles", "next_page_token")
    ARTICLES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    articles: _containers.RepeatedCompositeFieldContainer[Article]
    next_page_token: str
    def __init__(self, articles: _Optional[_Iterable[_Union[Article, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetArticleRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class DraftArticleRequest(_message.Message):
    __slots__ = ("kind", "title", "symptoms", "solution", "dtc_codes", "model_codes", "year_from", "year_to", "vin_prefix", "serial_from", "serial_to", "bulletin_number")
    KIND_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    SYMPTOMS_FIELD_NUMBER: _ClassVar[int]
    SOLUTION_FIELD_NUMBER: _ClassVar[int]
    DTC_CODES_FIELD_NUMBER: _ClassVar[int]
    MODEL_CODES_FIELD_NUMBER: _ClassVar[int]
    YEAR_FROM_FIELD_NUMBER: _ClassVar[int]
    YEAR_TO_FIELD_NUMBER: _ClassVar[int]
    VIN_PREFIX_FIELD_NUMBER: _ClassVar[int]
    SERIAL_FROM_FIELD_NUMBER: _ClassVar[int]
    SERIAL_TO_FIELD_NUMBER: _ClassVar[int]
    BULLETIN_NUMBER_FIELD_NUMBER: _ClassVar[int]
    kind: str
    title: str
    symptoms: str
    solution: str
    dtc_codes: _containers.RepeatedScalarFieldContainer[str]
    model_codes: _containers.RepeatedScalarFieldContainer[str]
    year_from: int
    year_to: int
    vin_prefix: str
    serial_from: int
    serial_to: int
    bulletin_number: str
    def __init__(self, kind: _Optional[str] = ..., title: _Optional[str] = ..., symptoms: _Optional[str] = ..., solution: _Optional[str] = ..., dtc_codes: _Optional[_Iterable[str]] = ..., model_codes: _Optional[_Iterable[str]] = ..., year_from: _Optional[int] = ..., year_to: _Optional[int] = ..., vin_prefix: _Optional[str] = ..., serial_from: _Optional[int] = ..., serial_to: _Optional[int] = ..., bulletin_number: _Optional[str] = ...) -> None: ...

class RateArticleRequest(_message.Message):
    __slots__ = ("id", "solved", "request_id")
    ID_FIELD_NUMBER: _ClassVar[int]
    SOLVED_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    solved: bool
    request_id: str
    def __init__(self, id: _Optional[str] = ..., solved: _Optional[bool] = ..., request_id: _Optional[str] = ...) -> None: ...
