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

class CatalogueOption(_message.Message):
    __slots__ = ("code", "name", "list_price_minor", "trim_codes")
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    LIST_PRICE_MINOR_FIELD_NUMBER: _ClassVar[int]
    TRIM_CODES_FIELD_NUMBER: _ClassVar[int]
    code: str
    name: str
    list_price_minor: int
    trim_codes: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, code: _Optional[str] = ..., name: _Optional[str] = ..., list_price_minor: _Optional[int] = ..., trim_codes: _Optional[_Iterable[str]] = ...) -> None: ...

class CatalogueModel(_message.Message):
    __slots__ = ("code", "name", "trims", "colours", "options")
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TRIMS_FIELD_NUMBER: _ClassVar[int]
    COLOURS_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    code: str
    name: str
    trims: _containers.RepeatedCompositeFieldContainer[Trim]
    colours: _containers.RepeatedCompositeFieldContainer[Colour]
    options: _containers.RepeatedCompositeFieldContainer[CatalogueOption]
    def __init__(self, code: _Optional[str] = ..., name: _Optional[str] = ..., trims: _Optional[_Iterable[_Union[Trim, _Mapping]]] = ..., colours: _Optional[_Iterable[_Union[Colour, _Mapping]]] = ..., options: _Optional[_Iterable[_Union[CatalogueOption, _Mapping]]] = ...) -> None: ...

class Catalogue(_message.Message):
    __slots__ = ("models",)
    MODELS_FIELD_NUMBER: _ClassVar[int]
    models: _containers.RepeatedCompositeFieldContainer[CatalogueModel]
    def __init__(self, models: _Optional[_Iterable[_Union[CatalogueModel, _Mapping]]] = ...) -> None: ...

class PlaceOrderRequest(_message.Message):
    __slots__ = ("model_code", "trim_code", "colour_code", "quantity", "wanted_week", "option_codes", "idempotency_key")
    MODEL_CODE_FIELD_NUMBER: _ClassVar[int]
    TRIM_CODE_FIELD_NUMBER: _ClassVar[int]
    COLOUR_CODE_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    WANTED_WEEK_FIELD_NUMBER: _ClassVar[int]
    OPTION_CODES_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    model_code: str
    trim_code: str
    colour_code: str
    quantity: int
    wanted_week: str
    option_codes: _containers.RepeatedScalarFieldContainer[str]
    idempotency_key: str
    def __init__(self, model_code: _Optional[str] = ..., trim_code: _Optional[str] = ..., colour_code: _Optional[str] = ..., quantity: _Optional[int] = ..., wanted_week: _Optional[str] = ..., option_codes: _Optional[_Iterable[str]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class VehicleOrder(_message.Message):
    __slots__ = ("order_number", "dealer_code", "model_code", "trim_code", "colour_code", "wanted_week", "status", "supply", "vin", "placed_at", "list_price_minor", "currency", "option_codes", "status_reason", "plant_code", "scheduled_week", "stage", "hold_reason", "planned_arrival", "expected_arrival", "allocation_month", "customer_id")
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
    OPTION_CODES_FIELD_NUMBER: _ClassVar[int]
    STATUS_REASON_FIELD_NUMBER: _ClassVar[int]
    PLANT_CODE_FIELD_NUMBER: _ClassVar[int]
    SCHEDULED_WEEK_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    HOLD_REASON_FIELD_NUMBER: _ClassVar[int]
    PLANNED_ARRIVAL_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_ARRIVAL_FIELD_NUMBER: _ClassVar[int]
    ALLOCATION_MONTH_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
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
    option_codes: _containers.RepeatedScalarFieldContainer[str]
    status_reason: str
    plant_code: str
    scheduled_week: str
    stage: str
    hold_reason: str
    planned_arrival: str
    expected_arrival: str
    allocation_month: str
    customer_id: str
    def __init__(self, order_number: _Optional[str] = ..., dealer_code: _Optional[str] = ..., model_code: _Optional[str] = ..., trim_code: _Optional[str] = ..., colour_code: _Optional[str] = ..., wanted_week: _Optional[str] = ..., status: _Optional[str] = ..., supply: _Optional[str] = ..., vin: _Optional[str] = ..., placed_at: _Optional[str] = ..., list_price_minor: _Optional[int] = ..., currency: _Optional[str] = ..., option_codes: _Optional[_Iterable[str]] = ..., status_reason: _Optional[str] = ..., plant_code: _Optional[str] = ..., scheduled_week: _Optional[str] = ..., stage: _Optional[str] = ..., hold_reason: _Optional[str] = ..., planned_arrival: _Optional[str] = ..., expected_arrival: _Optional[str] = ..., allocation_month: _Optional[str] = ..., customer_id: _Optional[str] = ...) -> None: ...

class PlaceOrderResponse(_message.Message):
    __slots__ = ("orders", "replayed")
    ORDERS_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    orders: _containers.RepeatedCompositeFieldContainer[VehicleOrder]
    replayed: bool
    def __init__(self, orders: _Optional[_Iterable[_Union[VehicleOrder, _Mapping]]] = ..., replayed: _Optional[bool] = ...) -> None: ...

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

class OptionSelection(_message.Message):
    __slots__ = ("codes",)
    CODES_FIELD_NUMBER: _ClassVar[int]
    codes: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, codes: _Optional[_Iterable[str]] = ...) -> None: ...

class AmendOrderRequest(_message.Message):
    __slots__ = ("order_number", "colour_code", "wanted_week", "options")
    ORDER_NUMBER_FIELD_NUMBER: _ClassVar[int]
    COLOUR_CODE_FIELD_NUMBER: _ClassVar[int]
    WANTED_WEEK_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    order_number: str
    colour_code: str
    wanted_week: str
    options: OptionSelection
    def __init__(self, order_number: _Optional[str] = ..., colour_code: _Optional[str] = ..., wanted_week: _Optional[str] = ..., options: _Optional[_Union[OptionSelection, _Mapping]] = ...) -> None: ...

class CancelOrderRequest(_message.Message):
    __slots__ = ("order_number", "reason")
    ORDER_NUMBER_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    order_number: str
    reason: str
    def __init__(self, order_number: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class ApproveOrderRequest(_message.Message):
    __slots__ = ("order_number", "credit_override_reason")
    ORDER_NUMBER_FIELD_NUMBER: _ClassVar[int]
    CREDIT_OVERRIDE_REASON_FIELD_NUMBER: _ClassVar[int]
    order_number: str
    credit_override_reason: str
    def __init__(self, order_number: _Optional[str] = ..., credit_override_reason: _Optional[str] = ...) -> None: ...

class RejectOrderRequest(_message.Message):
    __slots__ = ("order_number", "reason")
    ORDER_NUMBER_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    order_number: str
    reason: str
    def __init__(self, order_number: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class ScheduleOrderRequest(_message.Message):
    __slots__ = ("order_number", "plant_code", "week")
    ORDER_NUMBER_FIELD_NUMBER: _ClassVar[int]
    PLANT_CODE_FIELD_NUMBER: _ClassVar[int]
    WEEK_FIELD_NUMBER: _ClassVar[int]
    order_number: str
    plant_code: str
    week: str
    def __init__(self, order_number: _Optional[str] = ..., plant_code: _Optional[str] = ..., week: _Optional[str] = ...) -> None: ...

class ConfirmArrivalRequest(_message.Message):
    __slots__ = ("order_number",)
    ORDER_NUMBER_FIELD_NUMBER: _ClassVar[int]
    order_number: str
    def __init__(self, order_number: _Optional[str] = ...) -> None: ...

class DeliverVehicleRequest(_message.Message):
    __slots__ = ("order_number", "customer_id")
    ORDER_NUMBER_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    order_number: str
    customer_id: str
    def __init__(self, order_number: _Optional[str] = ..., customer_id: _Optional[str] = ...) -> None: ...

class GetTrackingRequest(_message.Message):
    __slots__ = ("key",)
    KEY_FIELD_NUMBER: _ClassVar[int]
    key: str
    def __init__(self, key: _Optional[str] = ...) -> None: ...

class TimelineItem(_message.Message):
    __slots__ = ("kind", "stage", "label", "hold_reason", "plant_code", "line", "station", "occurred_at")
    KIND_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    HOLD_REASON_FIELD_NUMBER: _ClassVar[int]
    PLANT_CODE_FIELD_NUMBER: _ClassVar[int]
    LINE_FIELD_NUMBER: _ClassVar[int]
    STATION_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    kind: str
    stage: str
    label: str
    hold_reason: str
    plant_code: str
    line: str
    station: str
    occurred_at: str
    def __init__(self, kind: _Optional[str] = ..., stage: _Optional[str] = ..., label: _Optional[str] = ..., hold_reason: _Optional[str] = ..., plant_code: _Optional[str] = ..., line: _Optional[str] = ..., station: _Optional[str] = ..., occurred_at: _Optional[str] = ...) -> None: ...

class Tracking(_message.Message):
    __slots__ = ("order_number", "vin", "dealer_code", "status", "stage", "stage_label", "hold_reason", "hold_label", "hold_since", "planned_arrival", "expected_arrival", "behind_plan", "timeline")
    ORDER_NUMBER_FIELD_NUMBER: _ClassVar[int]
    VIN_FIELD_NUMBER: _ClassVar[int]
    DEALER_CODE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    STAGE_LABEL_FIELD_NUMBER: _ClassVar[int]
    HOLD_REASON_FIELD_NUMBER: _ClassVar[int]
    HOLD_LABEL_FIELD_NUMBER: _ClassVar[int]
    HOLD_SINCE_FIELD_NUMBER: _ClassVar[int]
    PLANNED_ARRIVAL_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_ARRIVAL_FIELD_NUMBER: _ClassVar[int]
    BEHIND_PLAN_FIELD_NUMBER: _ClassVar[int]
    TIMELINE_FIELD_NUMBER: _ClassVar[int]
    order_number: str
    vin: str
    dealer_code: str
    status: str
    stage: str
    stage_label: str
    hold_reason: str
    hold_label: str
    hold_since: str
    planned_arrival: str
    expected_arrival: str
    behind_plan: bool
    timeline: _containers.RepeatedCompositeFieldContainer[TimelineItem]
    def __init__(self, order_number: _Optional[str] = ..., vin: _Optional[str] = ..., dealer_code: _Optional[str] = ..., status: _Optional[str] = ..., stage: _Optional[str] = ..., stage_label: _Optional[str] = ..., hold_reason: _Optional[str] = ..., hold_label: _Optional[str] = ..., hold_since: _Optional[str] = ..., planned_arrival: _Optional[str] = ..., expected_arrival: _Optional[str] = ..., behind_plan: _Optional[bool] = ..., timeline: _Optional[_Iterable[_Union[TimelineItem, _Mapping]]] = ...) -> None: ...

class ListAlertsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "kind")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    kind: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., kind: _Optional[str] = ...) -> None: ...

class Alert(_message.Message):
    __slots__ = ("id", "kind", "order_number", "dealer_code", "detail", "raised_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    ORDER_NUMBER_FIELD_NUMBER: _ClassVar[int]
    DEALER_CODE_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    RAISED_AT_FIELD_NUMBER: _ClassVar[int]
    id: int
    kind: str
    order_number: str
    dealer_code: str
    detail: str
    raised_at: str
    def __init__(self, id: _Optional[int] = ..., kind: _Optional[str] = ..., order_number: _Optional[str] = ..., dealer_code: _Optional[str] = ..., detail: _Optional[str] = ..., raised_at: _Optional[str] = ...) -> None: ...

class ListAlertsResponse(_message.Message):
    __slots__ = ("alerts", "next_page_token")
    ALERTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    alerts: _containers.RepeatedCompositeFieldContainer[Alert]
    next_page_token: str
    def __init__(self, alerts: _Optional[_Iterable[_Union[Alert, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
