"""Headquarters' channel monitor in plain Python: how each event changes the read model, and
how the figures are read from the counters.

Every record the monitor keeps (an ordered car, a car in stock, a support request, a
customer) is a frozen set of facts. An event takes the facts as they stand (or None, for a
record not seen yet) to new facts; the counters it touches are the difference between the
counter keys of the old facts and of the new ones. Because the keys are derived from the
facts alone, a duplicate, a late or an ignored event changes no counter, and a counter can
always be rebuilt from the records.

Events arrive twice and out of order. Orders move forward through their stages and never
back, except by an amendment newer than the stage it undoes; a cancelled or rejected order
stays so. Stock, support requests and customers take the newest event's state (by the time
the producer recorded it) and keep the older event's facts only where the newer left a gap.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from plumbing.errors import ValidationFailed

# An ordered car's statuses, in the order it passes them.
ORDER_STAGES = (
    "submitted",
    "approved",
    "scheduled",
    "in_production",
    "released",
    "shipped",
    "arrived",
    "delivered",
)
ENDED = ("rejected", "cancelled")
ALL_STATUSES = ORDER_STAGES + ENDED
_STAGE_RANK = {stage: rank for rank, stage in enumerate(ORDER_STAGES)}
# Late means a car that should already be on its way and is behind plan: once it arrived it
# is no longer waited for.
_WAITED_FOR = frozenset(ORDER_STAGES[: _STAGE_RANK["arrived"]])

# The sales funnel: how far an order got, whatever became of it after.
FUNNEL = ("placed", "approved", "scheduled", "shipped", "arrived", "delivered")
_FUNNEL_OF_STATUS = {
    "submitted": 0,
    "approved": 1,
    "scheduled": 2,
    "in_production": 2,
    "released": 2,
    "shipped": 3,
    "arrived": 4,
    "delivered": 5,
}

ORDER_EVENTS = (
    "order.placed",
    "order.amended",
    "order.approved",
    "order.rejected",
    "order.cancelled",
    "order.scheduled",
    "order.stage_reached",
    "order.vehicle_shipped",
    "order.vehicle_late",
    "order.vehicle_arrived",
    "order.vehicle_delivered",
)
_STATUS_OF_EVENT = {
    "order.placed": "submitted",
    "order.rejected": "rejected",
    "order.cancelled": "cancelled",
    "order.scheduled": "scheduled",
    "order.vehicle_shipped": "shipped",
    "order.vehicle_arrived": "arrived",
    "order.vehicle_delivered": "delivered",
}

SUPPORT_OPEN = ("open", "in_progress", "waiting_on_station")
SUPPORT_STATUSES = (*SUPPORT_OPEN, "resolved", "closed")
PRIORITIES = ("critical", "high", "normal", "low")

SEGMENTS = ("potential", "target", "key")

# Stock age bands, in whole days at the location: (label, from, to inclusive; None is open).
AGE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("0-30", 0, 30),
    ("31-60", 31, 60),
    ("61-90", 61, 90),
    ("91-180", 91, 180),
    ("181+", 181, None),
)
AGE_BAND_LABELS = tuple(label for label, _, _ in AGE_BANDS)

# A counter is named by its figure and up to three keys ('' where a figure has fewer).
CountKey = tuple[str, str, str, str]

UNKNOWN = ""


def _text(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(f"'{key}' must be a string, got {type(value).__name__}")
    return value


def _required(data: Mapping[str, Any], key: str) -> str:
    value = _text(data, key)
    if value is None:
        raise ValueError(f"missing {key}")
    return value


def parse_time(raw: Any, field: str = "occurred_at") -> dt.datetime:
    if not isinstance(raw, str) or not raw:
        raise ValueError(f"missing {field}")
    moment = dt.datetime.fromisoformat(raw)
    if moment.tzinfo is None:
        raise ValueError(f"{field} must carry a time zone")
    return moment


def _optional_time(data: Mapping[str, Any], key: str) -> dt.datetime | None:
    raw = data.get(key)
    return parse_time(raw, key) if raw else None


def _optional_date(data: Mapping[str, Any], key: str) -> dt.date | None:
    raw = data.get(key)
    if not raw:
        return None
    if not isinstance(raw, str):
        raise ValueError(f"'{key}' must be an ISO date")
    return dt.date.fromisoformat(raw[:10])


def _later(a: dt.datetime | None, b: dt.datetime | None) -> dt.datetime | None:
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)


def count_changes(before: Iterable[CountKey], after: Iterable[CountKey]) -> list[tuple[CountKey, int]]:
    """What to add to each counter, in key order so that every writer locks counters in the
    same order and two transactions never wait on each other in a circle."""
    delta: Counter[CountKey] = Counter(after)
    delta.subtract(Counter(before))
    return sorted((key, n) for key, n in delta.items() if n)


# --- Orders ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderFacts:
    order_number: str
    dealer_code: str
    region: str | None = None
    model_code: str | None = None
    trim_code: str | None = None
    colour_code: str | None = None
    status: str | None = None
    # When the event that set the status was recorded: an amendment applies only if newer.
    status_at: dt.datetime | None = None
    furthest: int = -1
    placed_at: dt.datetime | None = None
    approved_at: dt.datetime | None = None
    scheduled_at: dt.datetime | None = None
    shipped_at: dt.datetime | None = None
    arrived_at: dt.datetime | None = None
    delivered_at: dt.datetime | None = None
    vin: str | None = None
    stage: str | None = None
    planned_arrival: dt.date | None = None
    expected_arrival: dt.date | None = None
    late: bool = False
    late_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None

    @property
    def is_late(self) -> bool:
        return self.late and self.status in _WAITED_FOR

    @property
    def funnel_step(self) -> str | None:
        return FUNNEL[self.furthest] if self.furthest >= 0 else None


def _status_moves(current: OrderFacts, status: str, at: dt.datetime, *, amendment: bool) -> bool:
    if current.status is None:
        return True
    if current.status in ENDED:
        return False
    if status in ENDED:
        return True
    if amendment:
        # An amendment takes an approved order back to review, but only one recorded after
        # the approval it undoes; an older one arriving late changes nothing.
        return current.status_at is None or at > current.status_at
    return _STAGE_RANK[status] > _STAGE_RANK[current.status]


def apply_order_event(
    current: OrderFacts | None,
    event_type: str,
    data: Mapping[str, Any],
    occurred_at: dt.datetime,
    dealer_region: str | None = None,
) -> OrderFacts:
    """The order's facts after one of its events. `dealer_region` is the region the monitor
    already knows for the dealer, used until the order's own `order.placed` names one."""
    if event_type not in ORDER_EVENTS:
        raise ValueError(f"{event_type} is not an order event the monitor reads")
    number = _required(data, "order_number")
    dealer = _required(data, "dealer_code")
    # Until the placing is known, the first event seen stands in for it.
    facts = current or OrderFacts(order_number=number, dealer_code=dealer, placed_at=occurred_at)
    changes: dict[str, Any] = {"updated_at": _later(facts.updated_at, occurred_at)}

    for key in ("model_code", "trim_code", "colour_code"):
        value = _text(data, key)
        # Every later event carries the configuration as it then stood (amended, or as
        # built); the placing only fills a gap, since it may arrive after an amendment.
        if value is not None and (event_type != "order.placed" or getattr(facts, key) is None):
            changes[key] = value
    region = _text(data, "region")
    if region is not None and event_type == "order.placed":
        changes["region"] = region
    elif facts.region is None and dealer_region:
        changes["region"] = dealer_region
    vin = _text(data, "vin")
    if vin is not None:
        changes["vin"] = vin

    status: str | None
    if event_type == "order.placed":
        changes["placed_at"] = occurred_at
        status = "submitted"
    elif event_type in ("order.amended", "order.approved", "order.stage_reached"):
        status = _text(data, "status")
        if status is not None and status not in ORDER_STAGES:
            raise ValueError(f"unknown order status {status!r}")
    elif event_type == "order.vehicle_late":
        status = None
    else:
        status = _STATUS_OF_EVENT[event_type]
    if event_type == "order.approved" and status is None:
        status = "approved"

    if status is not None and _status_moves(facts, status, occurred_at, amendment=event_type == "order.amended"):
        changes["status"] = status
        changes["status_at"] = occurred_at
    if status is not None and status not in ENDED:
        changes["furthest"] = max(facts.furthest, _FUNNEL_OF_STATUS[status])

    step_field = {
        "order.approved": "approved_at",
        "order.scheduled": "scheduled_at",
        "order.vehicle_shipped": "shipped_at",
        "order.vehicle_arrived": "arrived_at",
        "order.vehicle_delivered": "delivered_at",
    }.get(event_type)
    if step_field is not None:
        explicit = {
            "order.vehicle_arrived": _optional_time(data, "arrived_at"),
            "order.vehicle_delivered": _optional_time(data, "delivered_at"),
        }.get(event_type)
        changes[step_field] = explicit or occurred_at

    stage = _text(data, "stage")
    if event_type == "order.stage_reached" and stage is not None and _text(data, "kind") in (None, "stage"):
        newest = facts.status_at is None or occurred_at >= facts.status_at
        if newest or facts.stage is None:
            changes["stage"] = stage
    planned = _optional_date(data, "planned_arrival")
    if planned is not None:
        changes["planned_arrival"] = planned
    expected = _optional_date(data, "expected_arrival")
    if expected is not None:
        changes["expected_arrival"] = expected

    if event_type == "order.vehicle_late":
        if facts.late_at is None or occurred_at >= facts.late_at:
            changes["late"], changes["late_at"] = True, occurred_at
    elif event_type == "order.stage_reached" and isinstance(data.get("behind_plan"), bool):
        if facts.late_at is None or occurred_at >= facts.late_at:
            changes["late"], changes["late_at"] = data["behind_plan"], occurred_at
    return replace(facts, **changes)


def order_count_keys(facts: OrderFacts | None) -> list[CountKey]:
    if facts is None:
        return []
    status = facts.status or UNKNOWN
    region = facts.region or UNKNOWN
    keys: list[CountKey] = [
        ("orders.stage", status, "", ""),
        ("orders.region", region, status, ""),
        ("orders.model", facts.model_code or UNKNOWN, status, ""),
        ("orders.dealer", facts.dealer_code, status, ""),
        # Every order of the dealer whatever its stage: the dealers with the most orders are
        # read from one row each, not summed over their stages.
        ("orders.dealer_total", facts.dealer_code, "", ""),
    ]
    if facts.funnel_step is not None:
        keys.append(("funnel", facts.funnel_step, "", ""))
    if facts.is_late:
        keys.append(("late", region, "", ""))
    return keys


# --- Channel stock --------------------------------------------------------------------------------

STOCK_EVENTS = (
    "inventory.vehicle_received",
    "inventory.vehicle_sold",
    "inventory.vehicle_reserved_for_customer",
    "inventory.vehicle_released",
    "inventory.transfer_received",
    "inventory.stock_adjusted",
    "order.vehicle_delivered",
)


@dataclass(frozen=True)
class StockFacts:
    vin: str
    location_code: str | None = None
    region: str | None = None
    model_code: str | None = None
    status: str | None = None
    in_stock_since: dt.datetime | None = None
    # A car that left stays as a record, so an older event arriving late cannot bring it back.
    left_at: dt.datetime | None = None
    last_at: dt.datetime | None = None

    @property
    def in_stock(self) -> bool:
        return self.left_at is None and self.location_code is not None and self.in_stock_since is not None


def stock_event_vin(event_type: str, data: Mapping[str, Any]) -> str | None:
    """The car a stock event is about; None for an event about parts."""
    if event_type not in STOCK_EVENTS:
        raise ValueError(f"{event_type} is not a stock event the monitor reads")
    if event_type == "inventory.stock_adjusted":
        return _text(data, "vin")
    return _required(data, "vin")


def apply_stock_event(
    current: StockFacts | None,
    event_type: str,
    data: Mapping[str, Any],
    occurred_at: dt.datetime,
    region_of: Mapping[str, str],
) -> StockFacts:
    vin = stock_event_vin(event_type, data)
    if vin is None:
        raise ValueError("a stock event without a car")
    facts = current or StockFacts(vin=vin)
    if facts.last_at is not None and occurred_at < facts.last_at:
        # Older than what is known: only fill what is missing.
        model = facts.model_code or _text(data, "model_code")
        return replace(facts, model_code=model)
    changes: dict[str, Any] = {"last_at": occurred_at}
    model = _text(data, "model_code")
    if model is not None:
        changes["model_code"] = model

    def enter(location: str, since: dt.datetime, status: str) -> None:
        changes.update(
            location_code=location,
            region=region_of.get(location) or None,
            in_stock_since=since,
            status=status,
            left_at=None,
        )

    if event_type == "inventory.vehicle_received":
        dealer = _required(data, "dealer_code")
        # The inventory may record the arrival after the dealer already delivered the car
        # (it handled the delivery first): a car sold there does not come back into stock.
        if not (facts.status == "sold" and facts.location_code == dealer):
            received = _optional_time(data, "received_at") or occurred_at
            enter(dealer, received, "available")
    elif event_type == "inventory.transfer_received":
        enter(_required(data, "to_dealer"), occurred_at, "available")
    elif event_type in ("inventory.vehicle_sold", "order.vehicle_delivered"):
        left = _optional_time(data, "sold_at") or _optional_time(data, "delivered_at") or occurred_at
        changes.update(status="sold", left_at=left)
        if facts.location_code is None:
            changes["location_code"] = _text(data, "location_code") or _text(data, "dealer_code")
    elif event_type in ("inventory.vehicle_reserved_for_customer", "inventory.vehicle_released"):
        location = _text(data, "location_code")
        if facts.in_stock and location == facts.location_code:
            changes["status"] = _text(data, "status") or facts.status
    elif event_type == "inventory.stock_adjusted":
        location = _required(data, "location_code")
        quantity = data.get("quantity")
        if not isinstance(quantity, int):
            raise ValueError("quantity must be a whole number")
        if quantity > 0:
            enter(location, occurred_at, "available")
        elif quantity < 0 and facts.location_code in (None, location):
            changes.update(location_code=location, status="written_off", left_at=occurred_at)
    return replace(facts, **changes)


def stock_count_keys(facts: StockFacts | None) -> list[CountKey]:
    if facts is None or not facts.in_stock:
        return []
    assert facts.in_stock_since is not None
    day = facts.in_stock_since.astimezone(dt.UTC).date().isoformat()
    return [("stock", facts.region or UNKNOWN, facts.model_code or UNKNOWN, day)]


def age_band(in_stock_since: dt.date, today: dt.date) -> str:
    days = max(0, (today - in_stock_since).days)
    for label, low, high in AGE_BANDS:
        if days >= low and (high is None or days <= high):
            return label
    return AGE_BAND_LABELS[-1]


def band_dates(label: str, today: dt.date) -> tuple[dt.date | None, dt.date]:
    """The days a car must have arrived between (inclusive) to be in the band: (earliest or
    None for no limit, latest)."""
    for band, low, high in AGE_BANDS:
        if band == label:
            earliest = today - dt.timedelta(days=high) if high is not None else None
            return earliest, today - dt.timedelta(days=low)
    raise ValidationFailed.one("age_band", f"must be one of {', '.join(AGE_BAND_LABELS)}")


# --- Support requests -----------------------------------------------------------------------------

SUPPORT_EVENTS = (
    "support_request.opened",
    "support_request.taken",
    "support_request.question_asked",
    "support_request.resolved",
    "support_request.closed",
    "support_request.reopened",
    "support_request.escalated",
)


@dataclass(frozen=True)
class SupportFacts:
    request_id: str
    station_code: str
    region: str | None = None
    priority: str | None = None
    status: str | None = None
    engineer: str | None = None
    model_code: str | None = None
    opened_at: dt.datetime | None = None
    first_response_due: dt.datetime | None = None
    resolution_due: dt.datetime | None = None
    resolved_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    resolution_late: bool = False
    rating: int | None = None
    escalation_level: int = 0
    last_at: dt.datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.status in SUPPORT_OPEN


def apply_support_event(
    current: SupportFacts | None, event_type: str, data: Mapping[str, Any], occurred_at: dt.datetime
) -> SupportFacts:
    if event_type not in SUPPORT_EVENTS:
        raise ValueError(f"{event_type} is not a support event the monitor reads")
    request_id = _required(data, "request_id")
    status = _required(data, "status")
    if status not in SUPPORT_STATUSES:
        raise ValueError(f"unknown support request status {status!r}")
    facts = current or SupportFacts(request_id=request_id, station_code=_required(data, "station_code"))
    # What the request was opened with never changes, whatever order its events come in.
    fixed: dict[str, Any] = {}
    for key in ("opened_at", "first_response_due", "resolution_due"):
        value = _optional_time(data, key)
        if value is not None and getattr(facts, key) is None:
            fixed[key] = value
    if facts.model_code is None and _text(data, "model_code"):
        fixed["model_code"] = _text(data, "model_code")
    if event_type == "support_request.escalated":
        level = data.get("level")
        if isinstance(level, int) and level > facts.escalation_level:
            fixed["escalation_level"] = level
    if facts.last_at is not None and occurred_at < facts.last_at:
        return replace(facts, **fixed)
    # Every event carries the request as it stands after the step: the newest one wins.
    changes: dict[str, Any] = {
        **fixed,
        "last_at": occurred_at,
        "status": status,
        "region": _text(data, "region") or facts.region,
        "priority": _text(data, "priority") or facts.priority,
        "engineer": _text(data, "engineer"),
    }
    if event_type == "support_request.opened" and facts.opened_at is None:
        changes.setdefault("opened_at", occurred_at)
    if event_type == "support_request.resolved":
        changes["resolved_at"] = _optional_time(data, "resolved_at") or occurred_at
        changes["resolution_late"] = bool(data.get("resolution_late"))
    elif event_type == "support_request.closed":
        changes["closed_at"] = _optional_time(data, "closed_at") or occurred_at
        rating = data.get("rating")
        if rating is not None and (not isinstance(rating, int) or not 1 <= rating <= 5):
            raise ValueError("rating must be 1 to 5 or null")
        changes["rating"] = rating
    elif event_type == "support_request.reopened":
        changes.update(resolved_at=None, closed_at=None, rating=None, resolution_late=False)
    return replace(facts, **changes)


def support_count_keys(facts: SupportFacts | None) -> list[CountKey]:
    if facts is None or facts.status is None:
        return []
    region = facts.region or UNKNOWN
    keys: list[CountKey] = [("support.status", facts.status, facts.priority or UNKNOWN, region)]
    if facts.resolution_late and facts.status in ("resolved", "closed"):
        keys.append(("support.resolution_late", region, "", ""))
    if facts.status == "closed" and facts.rating is not None:
        keys.append(("support.rating", region, str(facts.rating), ""))
    return keys


# --- Customers ------------------------------------------------------------------------------------

CUSTOMER_EVENTS = ("customer.registered", "customer.segment_changed", "customer.merged")


@dataclass(frozen=True)
class CustomerFacts:
    customer_id: str
    segment: str | None = None
    region: str | None = None
    kind: str | None = None
    merged: bool = False
    segment_at: dt.datetime | None = None
    registered_at: dt.datetime | None = None


def customer_event_ids(event_type: str, data: Mapping[str, Any]) -> str:
    if event_type not in CUSTOMER_EVENTS:
        raise ValueError(f"{event_type} is not a customer event the monitor reads")
    return _required(data, "merged_id" if event_type == "customer.merged" else "customer_id")


def apply_customer_event(
    current: CustomerFacts | None, event_type: str, data: Mapping[str, Any], occurred_at: dt.datetime
) -> CustomerFacts:
    facts = current or CustomerFacts(customer_id=customer_event_ids(event_type, data))
    if event_type == "customer.merged":
        # The merged record's customer lives on in the survivor, which is counted already.
        return replace(facts, merged=True)
    changes: dict[str, Any] = {}
    region = _text(data, "region")
    if event_type == "customer.registered":
        changes["registered_at"] = occurred_at
        changes["kind"] = _text(data, "kind") or facts.kind
        if region is not None and facts.region is None:
            changes["region"] = region
    # A registration implies the segment every new customer starts in (key for a company,
    # potential for a person); each change after it names the new one. The newest recorded
    # wins, whichever arrives first.
    segment = _text(data, "segment")
    if event_type == "customer.registered" and segment is None:
        segment = "key" if _text(data, "kind") == "company" else "potential"
    if segment is None and event_type == "customer.segment_changed":
        raise ValueError("missing segment")
    if segment is not None:
        if segment not in SEGMENTS:
            raise ValueError(f"unknown segment {segment!r}")
        if facts.segment_at is None or occurred_at >= facts.segment_at:
            changes.update(segment=segment, segment_at=occurred_at)
            if region is not None:
                changes["region"] = region
    return replace(facts, **changes)


def customer_count_keys(facts: CustomerFacts | None) -> list[CountKey]:
    if facts is None or facts.merged:
        return []
    return [("customers.segment", facts.segment or UNKNOWN, facts.region or UNKNOWN, "")]


# --- Reading the figures --------------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    key: str
    count: int


@dataclass(frozen=True)
class FunnelStep:
    step: str
    count: int
    # Of the orders that reached the step before, the share that reached this one.
    conversion: float


@dataclass(frozen=True)
class StockTally:
    region: str
    age_band: str
    count: int


@dataclass(frozen=True)
class SupportFigures:
    open: int
    open_by_priority: list[Tally]
    open_by_region: list[Tally]
    breached: int
    resolution_late: int
    ratings: int
    average_rating: float
    rating_by_region: list[tuple[str, int, float]]
    by_status: list[Tally]


def _tallies(counter: Mapping[str, int], order: Sequence[str] = ()) -> list[Tally]:
    rank = {key: i for i, key in enumerate(order)}
    keys = sorted((k for k, n in counter.items() if n), key=lambda k: (rank.get(k, len(rank)), k))
    return [Tally(key, counter[key]) for key in keys]


def order_figures(rows: Iterable[tuple[str, str, str, str, int]]) -> dict[str, list[Tally]]:
    """Orders by stage, region, model; late cars by region; from the counters' rows."""
    sums: dict[str, Counter[str]] = {name: Counter() for name in ("stage", "region", "model", "late")}
    for figure, k1, _k2, _k3, n in rows:
        if figure == "orders.stage":
            sums["stage"][k1] += n
        elif figure == "orders.region":
            sums["region"][k1] += n
        elif figure == "orders.model":
            sums["model"][k1] += n
        elif figure == "late":
            sums["late"][k1] += n
    return {
        "stage": _tallies(sums["stage"], ALL_STATUSES),
        "region": _tallies(sums["region"]),
        "model": _tallies(sums["model"]),
        "late": _tallies(sums["late"]),
    }


def funnel(reached_furthest: Mapping[str, int]) -> list[FunnelStep]:
    """Counts by the furthest step each order reached, turned into how many reached each step."""
    steps: list[FunnelStep] = []
    remaining = sum(reached_furthest.get(step, 0) for step in FUNNEL)
    previous: int | None = None
    for step in FUNNEL:
        reached = remaining
        conversion = 1.0 if previous is None else (reached / previous if previous else 0.0)
        steps.append(FunnelStep(step, reached, round(conversion, 4)))
        remaining -= reached_furthest.get(step, 0)
        previous = reached
    return steps


def stock_figures(rows: Iterable[tuple[str, dt.date, int]], today: dt.date) -> list[StockTally]:
    """Cars in stock by region and age band, from counts by region and arrival day."""
    sums: Counter[tuple[str, str]] = Counter()
    for region, day, n in rows:
        sums[(region, age_band(day, today))] += n
    rank = {label: i for i, label in enumerate(AGE_BAND_LABELS)}
    return [
        StockTally(region, band, n)
        for (region, band), n in sorted(sums.items(), key=lambda item: (item[0][0], rank[item[0][1]]))
        if n
    ]


def support_figures(rows: Iterable[tuple[str, str, str, str, int]], breached: int) -> SupportFigures:
    by_status: Counter[str] = Counter()
    open_priority: Counter[str] = Counter()
    open_region: Counter[str] = Counter()
    late = 0
    rating_n: Counter[str] = Counter()
    rating_sum: Counter[str] = Counter()
    for figure, k1, k2, k3, n in rows:
        if figure == "support.status":
            by_status[k1] += n
            if k1 in SUPPORT_OPEN:
                open_priority[k2] += n
                open_region[k3] += n
        elif figure == "support.resolution_late":
            late += n
        elif figure == "support.rating":
            rating_n[k1] += n
            rating_sum[k1] += n * int(k2)
    ratings = sum(rating_n.values())
    average = round(sum(rating_sum.values()) / ratings, 2) if ratings else 0.0
    by_region = [
        (region, rating_n[region], round(rating_sum[region] / rating_n[region], 2))
        for region in sorted(rating_n)
        if rating_n[region]
    ]
    return SupportFigures(
        open=sum(open_priority.values()),
        open_by_priority=_tallies(open_priority, PRIORITIES),
        open_by_region=_tallies(open_region),
        breached=breached,
        resolution_late=late,
        ratings=ratings,
        average_rating=average,
        rating_by_region=by_region,
        by_status=_tallies(by_status, SUPPORT_STATUSES),
    )


def customer_figures(rows: Iterable[tuple[str, str, str, str, int]]) -> list[Tally]:
    sums: Counter[str] = Counter()
    for figure, k1, _k2, _k3, n in rows:
        if figure == "customers.segment":
            sums[k1] += n
    return _tallies(sums, SEGMENTS)


# --- Drill-down filters ---------------------------------------------------------------------------


def check_choice(field: str, value: str, allowed: Sequence[str]) -> str:
    if value and value not in allowed:
        raise ValidationFailed.one(field, f"must be one of {', '.join(allowed)}")
    return value


def funnel_rank(step: str) -> int:
    check_choice("reached", step, FUNNEL)
    return FUNNEL.index(step)


SUPPORT_VIEWS = ("open", "breached", "resolution_late", "rated", "all")
