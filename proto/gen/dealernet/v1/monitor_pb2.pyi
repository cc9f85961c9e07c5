from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetDashboardRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class Tally(_message.Message):
    __slots__ = ("key", "count")
    KEY_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    key: str
    count: int
    def __init__(self, key: _Optional[str] = ..., count: _Optional[int] = ...) -> None: ...

class FunnelStep(_message.Message):
    __slots__ = ("step", "count", "conversion")
    STEP_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    CONVERSION_FIELD_NUMBER: _ClassVar[int]
    step: str
    count: int
    conversion: float
    def __init__(self, step: _Optional[str] = ..., count: _Optional[int] = ..., conversion: _Optional[float] = ...) -> None: ...

class StockTally(_message.Message):
    __slots__ = ("region", "age_band", "count")
    REGION_FIELD_NUMBER: _ClassVar[int]
    AGE_BAND_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    region: str
    age_band: str
    count: int
    def __init__(self, region: _Optional[str] = ..., age_band: _Optional[str] = ..., count: _Optional[int] = ...) -> None: ...

class RegionRating(_message.Message):
    __slots__ = ("region", "ratings", "average")
    REGION_FIELD_NUMBER: _ClassVar[int]
    RATINGS_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_FIELD_NUMBER: _ClassVar[int]
    region: str
    ratings: int
    average: float
    def __init__(self, region: _Optional[str] = ..., ratings: _Optional[int] = ..., average: _Optional[float] = ...) -> None: ...

class SupportFigures(_message.Message):
    __slots__ = ("open", "open_by_priority", "open_by_region", "breached", "resolution_late", "ratings", "average_rating", "rating_by_region", "by_status")
    OPEN_FIELD_NUMBER: _ClassVar[int]
    OPEN_BY_PRIORITY_FIELD_NUMBER: _ClassVar[int]
    OPEN_BY_REGION_FIELD_NUMBER: _ClassVar[int]
    BREACHED_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_LATE_FIELD_NUMBER: _ClassVar[int]
    RATINGS_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_RATING_FIELD_NUMBER: _ClassVar[int]
    RATING_BY_REGION_FIELD_NUMBER: _ClassVar[int]
    BY_STATUS_FIELD_NUMBER: _ClassVar[int]
    open: int
    open_by_priority: _containers.RepeatedCompositeFieldContainer[Tally]
    open_by_region: _containers.RepeatedCompositeFieldContainer[Tally]
    breached: int
    resolution_late: int
    ratings: int
    average_rating: float
    rating_by_region: _containers.RepeatedCompositeFieldContainer[RegionRating]
    by_status: _containers.RepeatedCompositeFieldContainer[Tally]
    def __init__(self, open: _Optional[int] = ..., open_by_priority: _Optional[_Iterable[_Union[Tally, _Mapping]]] = ..., open_by_region: _Optional[_Iterable[_Union[Tally, _Mapping]]] = ..., breached: _Optional[int] = ..., resolution_late: _Optional[int] = ..., ratings: _Optional[int] = ..., average_rating: _Optional[float] = ..., rating_by_region: _Optional[_Iterable[_Union[RegionRating, _Mapping]]] = ..., by_status: _Optional[_Iterable[_Union[Tally, _Mapping]]] = ...) -> None: ...

class Dashboard(_message.Message):
    __slots__ = ("as_of", "orders_total", "orders_by_stage", "orders_by_region", "orders_by_model", "orders_by_dealer", "late_vehicles", "late_by_region", "funnel", "stock", "stock_total", "support", "customers_by_segment")
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    ORDERS_TOTAL_FIELD_NUMBER: _ClassVar[int]
    ORDERS_BY_STAGE_FIELD_NUMBER: _ClassVar[int]
    ORDERS_BY_REGION_FIELD_NUMBER: _ClassVar[int]
    ORDERS_BY_MODEL_FIELD_NUMBER: _ClassVar[int]
    ORDERS_BY_DEALER_FIELD_NUMBER: _ClassVar[int]
    LATE_VEHICLES_FIELD_NUMBER: _ClassVar[int]
    LATE_BY_REGION_FIELD_NUMBER: _ClassVar[int]
    FUNNEL_FIELD_NUMBER: _ClassVar[int]
    STOCK_FIELD_NUMBER: _ClassVar[int]
    STOCK_TOTAL_FIELD_NUMBER: _ClassVar[int]
    SUPPORT_FIELD_NUMBER: _ClassVar[int]
    CUSTOMERS_BY_SEGMENT_FIELD_NUMBER: _ClassVar[int]
    as_of: str
    orders_total: int
    orders_by_stage: _containers.RepeatedCompositeFieldContainer[Tally]
    orders_by_region: _containers.RepeatedCompositeFieldContainer[Tally]
    orders_by_model: _containers.RepeatedCompositeFieldContainer[Tally]
    orders_by_dealer: _containers.RepeatedCompositeFieldContainer[Tally]
    late_vehicles: int
    late_by_region: _containers.RepeatedCompositeFieldContainer[Tally]
    funnel: _containers.RepeatedCompositeFieldContainer[FunnelStep]
    stock: _containers.RepeatedCompositeFieldContainer[StockTally]
    stock_total: int
    support: SupportFigures
    customers_by_segment: _containers.RepeatedCompositeFieldContainer[Tally]
    def __init__(self, as_of: _Optional[str] = ..., orders_total: _Optional[int] = ..., orders_by_stage: _Optional[_Iterable[_Union[Tally, _Mapping]]] = ..., orders_by_region: _Optional[_Iterable[_Union[Tally, _Mapping]]] = ..., orders_by_model: _Optional[_Iterable[_Union[Tally, _Mapping]]] = ..., orders_by_dealer: _Optional[_Iterable[_Union[Tally, _Mapping]]] = ..., late_vehicles: _Optional[int] = ..., late_by_region: _Optional[_Iterable[_Union[Tally, _Mapping]]] = ..., funnel: _Optional[_Iterable[_Union[FunnelStep, _Mapping]]] = ..., stock: _Optional[_Iterable[_Union[StockTally, _Mapping]]] = ..., stock_total: _Optional[int] = ..., support: _Optional[_Union[SupportFigures, _Mapping]] = ..., customers_by_segment: _Optional[_Iterable[_Union[Tally, _Mapping]]] = ...) -> None: ...

class ListMonitoredOrdersRequest(_message.Message):
    __slots__ = ("stage", "region", "model_code", "dealer_code", "late", "reached", "page_size", "page_token")
    STAGE_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    MODEL_CODE_FIELD_NUMBER: _ClassVar[int]
    DEALER_CODE_FIELD_NUMBER: _ClassVar[int]
    LATE_FIELD_NUMBER: _ClassVar[int]
    REACHED_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    stage: str
    region: str
    model_code: str
    dealer_code: str
    late: bool
    reached: str
    page_size: int
    page_token: str
    def __init__(self, stage: _Optional[str] = ..., region: _Optional[str] = ..., model_code: _Optional[str] = ..., dealer_code: _Optional[str] = ..., late: _Optional[bool] = ..., reached: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class MonitoredOrder(_message.Message):
    __slots__ = ("order_number", "dealer_code", "region", "model_code", "trim_code", "colour_code", "status", "stage", "vin", "placed_at", "planned_arrival", "expected_arrival", "late", "approved_at", "scheduled_at", "shipped_at", "arrived_at", "delivered_at")
    ORDER_NUMBER_FIELD_NUMBER: _ClassVar[int]
    DEALER_CODE_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    MODEL_CODE_FIELD_NUMBER: _ClassVar[int]
    TRIM_CODE_FIELD_NUMBER: _ClassVar[int]
    COLOUR_CODE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    VIN_FIELD_NUMBER: _ClassVar[int]
    PLACED_AT_FIELD_NUMBER: _ClassVar[int]
    PLANNED_ARRIVAL_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_ARRIVAL_FIELD_NUMBER: _ClassVar[int]
    LATE_FIELD_NUMBER: _ClassVar[int]
    APPROVED_AT_FIELD_NUMBER: _ClassVar[int]
    SCHEDULED_AT_FIELD_NUMBER: _ClassVar[int]
    SHIPPED_AT_FIELD_NUMBER: _ClassVar[int]
    ARRIVED_AT_FIELD_NUMBER: _ClassVar[int]
    DELIVERED_AT_FIELD_NUMBER: _ClassVar[int]
    order_number: str
    dealer_code: str
    region: str
    model_code: str
    trim_code: str
    colour_code: str
    status: str
    stage: str
    vin: str
    placed_at: str
    planned_arrival: str
    expected_arrival: str
    late: bool
    approved_at: str
    scheduled_at: str
    shipped_at: str
    arrived_at: str
    delivered_at: str
    def __init__(self, order_number: _Optional[str] = ..., dealer_code: _Optional[str] = ..., region: _Optional[str] = ..., model_code: _Optional[str] = ..., trim_code: _Optional[str] = ..., colour_code: _Optional[str] = ..., status: _Optional[str] = ..., stage: _Optional[str] = ..., vin: _Optional[str] = ..., placed_at: _Optional[str] = ..., planned_arrival: _Optional[str] = ..., expected_arrival: _Optional[str] = ..., late: _Optional[bool] = ..., approved_at: _Optional[str] = ..., scheduled_at: _Optional[str] = ..., shipped_at: _Optional[str] = ..., arrived_at: _Optional[str] = ..., delivered_at: _Optional[str] = ...) -> None: ...

class ListMonitoredOrdersResponse(_message.Message):
    __slots__ = ("orders", "next_page_token")
    ORDERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    orders: _containers.RepeatedCompositeFieldContainer[MonitoredOrder]
    next_page_token: str
    def __init__(self, orders: _Optional[_Iterable[_Union[MonitoredOrder, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListMonitoredStockRequest(_message.Message):
    __slots__ = ("region", "age_band", "model_code", "page_size", "page_token")
    REGION_FIELD_NUMBER: _ClassVar[int]
    AGE_BAND_FIELD_NUMBER: _ClassVar[int]
    MODEL_CODE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    region: str
    age_band: str
    model_code: str
    page_size: int
    page_token: str
    def __init__(self, region: _Optional[str] = ..., age_band: _Optional[str] = ..., model_code: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class MonitoredCar(_message.Message):
    __slots__ = ("vin", "location_code", "region", "model_code", "status", "in_stock_since", "age_days")
    VIN_FIELD_NUMBER: _ClassVar[int]
    LOCATION_CODE_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    MODEL_CODE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    IN_STOCK_SINCE_FIELD_NUMBER: _ClassVar[int]
    AGE_DAYS_FIELD_NUMBER: _ClassVar[int]
    vin: str
    location_code: str
    region: str
    model_code: str
    status: str
    in_stock_since: str
    age_days: int
    def __init__(self, vin: _Optional[str] = ..., location_code: _Optional[str] = ..., region: _Optional[str] = ..., model_code: _Optional[str] = ..., status: _Optional[str] = ..., in_stock_since: _Optional[str] = ..., age_days: _Optional[int] = ...) -> None: ...

class ListMonitoredStockResponse(_message.Message):
    __slots__ = ("cars", "next_page_token")
    CARS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    cars: _containers.RepeatedCompositeFieldContainer[MonitoredCar]
    next_page_token: str
    def __init__(self, cars: _Optional[_Iterable[_Union[MonitoredCar, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListMonitoredSupportRequestsRequest(_message.Message):
    __slots__ = ("view", "region", "priority", "page_size", "page_token")
    VIEW_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    view: str
    region: str
    priority: str
    page_size: int
    page_token: str
    def __init__(self, view: _Optional[str] = ..., region: _Optional[str] = ..., priority: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class MonitoredRequest(_message.Message):
    __slots__ = ("request_id", "station_code", "region", "priority", "status", "engineer", "opened_at", "resolution_due", "breached", "resolution_late", "rating", "escalation_level")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    STATION_CODE_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ENGINEER_FIELD_NUMBER: _ClassVar[int]
    OPENED_AT_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_DUE_FIELD_NUMBER: _ClassVar[int]
    BREACHED_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_LATE_FIELD_NUMBER: _ClassVar[int]
    RATING_FIELD_NUMBER: _ClassVar[int]
    ESCALATION_LEVEL_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    station_code: str
    region: str
    priority: str
    status: str
    engineer: str
    opened_at: str
    resolution_due: str
    breached: bool
    resolution_late: bool
    rating: int
    escalation_level: int
    def __init__(self, request_id: _Optional[str] = ..., station_code: _Optional[str] = ..., region: _Optional[str] = ..., priority: _Optional[str] = ..., status: _Optional[str] = ..., engineer: _Optional[str] = ..., opened_at: _Optional[str] = ..., resolution_due: _Optional[str] = ..., breached: _Optional[bool] = ..., resolution_late: _Optional[bool] = ..., rating: _Optional[int] = ..., escalation_level: _Optional[int] = ...) -> None: ...

class ListMonitoredSupportRequestsResponse(_message.Message):
    __slots__ = ("requests", "next_page_token")
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    requests: _containers.RepeatedCompositeFieldContainer[MonitoredRequest]
    next_page_token: str
    def __init__(self, requests: _Optional[_Iterable[_Union[MonitoredRequest, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListMonitoredCustomersRequest(_message.Message):
    __slots__ = ("segment", "region", "page_size", "page_token")
    SEGMENT_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    segment: str
    region: str
    page_size: int
    page_token: str
    def __init__(self, segment: _Optional[str] = ..., region: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class MonitoredCustomer(_message.Message):
    __slots__ = ("customer_id", "segment", "region", "kind")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    segment: str
    region: str
    kind: str
    def __init__(self, customer_id: _Optional[str] = ..., segment: _Optional[str] = ..., region: _Optional[str] = ..., kind: _Optional[str] = ...) -> None: ...

class ListMonitoredCustomersResponse(_message.Message):
    __slots__ = ("customers", "next_page_token")
    CUSTOMERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    customers: _containers.RepeatedCompositeFieldContainer[MonitoredCustomer]
    next_page_token: str
    def __init__(self, customers: _Optional[_Iterable[_Union[MonitoredCustomer, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
