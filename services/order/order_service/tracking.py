"""Where an ordered car is on its way to the dealer, and when it will arrive, in plain Python.

The plant's manufacturing execution system (MES) reports each car passing a stage of the
line (docs/plant-feed.md). The rules here turn those reports, which may come twice, late or
out of order, into the dealer's view: the furthest stage the car has reached, any hold and
its reason, a timeline ordered by when things happened, and an expected arrival date
predicted from the plan and from how long the same stages took for similar cars.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
import statistics
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from plumbing.vin import vin_problem

# --- Vocabulary shared with the rest of the order service --------------------------------

STAGES: tuple[str, ...] = (
    "scheduled",
    "body_shop",
    "paint_shop",
    "assembly",
    "end_of_line",
    "quality_release",
    "shipped",
    "arrived",
    "delivered",
)
_STAGE_RANK = {stage: rank for rank, stage in enumerate(STAGES)}

STAGE_LABELS: Mapping[str, str] = {
    "scheduled": "Scheduled",
    "body_shop": "Body shop",
    "paint_shop": "Paint shop",
    "assembly": "Assembly",
    "end_of_line": "End-of-line inspection",
    "quality_release": "Quality release",
    "shipped": "Shipped",
    "arrived": "Arrived at dealer",
    "delivered": "Delivered to customer",
}

STATUS_FOR_STAGE: Mapping[str, str] = {
    "scheduled": "scheduled",
    "body_shop": "in_production",
    "paint_shop": "in_production",
    "assembly": "in_production",
    "end_of_line": "in_production",
    "quality_release": "released",
    "shipped": "shipped",
    "arrived": "arrived",
    "delivered": "delivered",
}

# The stages at which a car is on the line: one that stays too long at one is stalled.
PRODUCTION_STAGES: tuple[str, ...] = ("body_shop", "paint_shop", "assembly", "end_of_line")

HOLD_LABELS: Mapping[str, str] = {
    "quality": "Quality hold",
    "parts": "Parts shortage",
    "transport": "Transport delay",
}

# Orders whose car follows the plant feed. An approved order is among them only once it
# has a VIN, which is the only way a plant event can find it.
TRACKED_STATUSES = frozenset({"approved", "scheduled", "in_production", "released", "shipped"})
# The car has left the plant's hands: late plant events are recorded and change nothing.
STATUSES_PAST_THE_PLANT = frozenset({"arrived", "delivered"})

# --- The plant feed contract (docs/plant-feed.md) ------------------------------------------

SCHEMA_VERSION = 1
PLANT_STAGE_CODES: Mapping[str, str] = {
    "BIW_IN": "body_shop",
    "PAINT_IN": "paint_shop",
    "GA_IN": "assembly",
    "EOL": "end_of_line",
    "QREL": "quality_release",
    "SHIP": "shipped",
}
HOLD_CODE = "HOLD"
HOLD_END_CODE = "HOLD_END"
PLANT_HOLD_REASONS: Mapping[str, str] = {"QUALITY": "quality", "PARTS": "parts", "TRANSPORT": "transport"}
# A plant clock ahead of ours by more than this is a broken clock, not a fast car.
MAX_CLOCK_AHEAD = dt.timedelta(hours=1)
_PLANT_CODE = re.compile(r"[A-Z0-9]{2,10}")
_TEXT_LIMITS = {"line": 20, "station": 40}


class MalformedPlantMessage(ValueError):
    """A plant message that does not follow the contract; the reason names what is wrong."""


class EventKind(StrEnum):
    STAGE = "stage"
    HOLD = "hold"
    HOLD_RELEASED = "hold_released"


@dataclass(frozen=True)
class PlantEvent:
    """One report of the plant's MES, checked against the contract."""

    event_id: str
    vin: str
    plant_code: str
    line: str | None
    station: str | None
    code: str
    occurred_at: dt.datetime
    # In dealer words (quality, parts, transport); always set for a hold.
    hold_reason: str | None = None

    @property
    def kind(self) -> EventKind:
        if self.code == HOLD_CODE:
            return EventKind.HOLD
        if self.code == HOLD_END_CODE:
            return EventKind.HOLD_RELEASED
        return EventKind.STAGE

    @property
    def stage(self) -> str | None:
        return PLANT_STAGE_CODES.get(self.code)


def parse_plant_message(body: bytes, received_at: dt.datetime) -> PlantEvent:
    """Decode and check a message body; MalformedPlantMessage names the first problem."""
    try:
        data = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise MalformedPlantMessage(f"body is not UTF-8: {exc}") from exc
    except ValueError as exc:
        raise MalformedPlantMessage(f"body is not JSON: {exc}") from exc
    return plant_event_from_json(data, received_at)


def plant_event_from_json(data: Any, received_at: dt.datetime) -> PlantEvent:
    if not isinstance(data, dict):
        raise MalformedPlantMessage(f"body must be a JSON object, got {type(data).__name__}")
    if data.get("schema") != SCHEMA_VERSION:
        raise MalformedPlantMessage(f"schema must be {SCHEMA_VERSION}, got {data.get('schema')!r}")
    event_id = _event_id(data.get("event_id"))
    vin = _required_text(data, "vin").upper()
    problem = vin_problem(vin)
    if problem is not None:
        raise MalformedPlantMessage(f"vin {vin!r} {problem}")
    plant_code = _required_text(data, "plant")
    if not _PLANT_CODE.fullmatch(plant_code):
        raise MalformedPlantMessage(f"plant must be 2-10 capital letters or digits, got {plant_code!r}")
    code = _required_text(data, "stage")
    if code not in PLANT_STAGE_CODES and code not in (HOLD_CODE, HOLD_END_CODE):
        known = ", ".join([*PLANT_STAGE_CODES, HOLD_CODE, HOLD_END_CODE])
        raise MalformedPlantMessage(f"stage {code!r} is not a plant stage code ({known})")
    occurred_at = _timestamp(data.get("occurred_at"))
    if occurred_at - received_at > MAX_CLOCK_AHEAD:
        raise MalformedPlantMessage(f"occurred_at {occurred_at.isoformat()} is in the future")
    hold_reason = _hold_reason(data.get("hold_reason"), required=code == HOLD_CODE)
    return PlantEvent(
        event_id=event_id,
        vin=vin,
        plant_code=plant_code,
        line=_optional_text(data, "line"),
        station=_optional_text(data, "station"),
        code=code,
        occurred_at=occurred_at,
        hold_reason=hold_reason,
    )


def plant_event_json(event: PlantEvent) -> dict[str, Any]:
    """The event as the contract writes it (kept for parked events, applied later)."""
    plant_hold_reasons = {reason: code for code, reason in PLANT_HOLD_REASONS.items()}
    return {
        "schema": SCHEMA_VERSION,
        "event_id": event.event_id,
        "vin": event.vin,
        "plant": event.plant_code,
        "line": event.line,
        "station": event.station,
        "stage": event.code,
        "occurred_at": event.occurred_at.isoformat(),
        "hold_reason": plant_hold_reasons[event.hold_reason] if event.hold_reason else None,
    }


def _event_id(value: Any) -> str:
    if not isinstance(value, str):
        raise MalformedPlantMessage("event_id must be a UUID string")
    try:
        return str(uuid.UUID(value))
    except ValueError as exc:
        raise MalformedPlantMessage(f"event_id {value!r} is not a UUID") from exc


def _required_text(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise MalformedPlantMessage(f"{key} is missing or not a string")
    return value.strip()


def _optional_text(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise MalformedPlantMessage(f"{key} must be a string")
    if len(value) > _TEXT_LIMITS[key]:
        raise MalformedPlantMessage(f"{key} must be at most {_TEXT_LIMITS[key]} characters")
    return value


def _timestamp(value: Any) -> dt.datetime:
    if not isinstance(value, str):
        raise MalformedPlantMessage("occurred_at must be an RFC 3339 timestamp string")
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise MalformedPlantMessage(f"occurred_at {value!r} is not an RFC 3339 timestamp") from exc
    if moment.tzinfo is None:
        raise MalformedPlantMessage(f"occurred_at {value!r} has no UTC offset")
    return moment.astimezone(dt.UTC)


def _hold_reason(value: Any, *, required: bool) -> str | None:
    if value is None or value == "":
        if required:
            raise MalformedPlantMessage(f"a HOLD needs a hold_reason ({', '.join(PLANT_HOLD_REASONS)})")
        return None
    reason = PLANT_HOLD_REASONS.get(value) if isinstance(value, str) else None
    if reason is None:
        raise MalformedPlantMessage(f"hold_reason {value!r} is not one of {', '.join(PLANT_HOLD_REASONS)}")
    return reason


# --- Which order an event is for --------------------------------------------------------


class Route(StrEnum):
    APPLY = "apply"
    DUPLICATE = "duplicate"
    PARK = "park"


def route_event(
    event: PlantEvent, order_number: str | None, status: str | None, *, already_processed: bool
) -> tuple[Route, str]:
    """Whether an event is applied to the order holding its VIN, and why not when it is not.

    An event already processed (its id was seen before) is never applied again. One for a
    VIN no order holds yet, or for an order whose car is not followed (submitted, rejected,
    cancelled), is parked: it is applied if the VIN later belongs to a followed order.
    """
    if already_processed:
        return Route.DUPLICATE, f"event {event.event_id} was already processed"
    if order_number is None or status is None:
        return Route.PARK, f"no order holds VIN {event.vin} yet"
    if status not in TRACKED_STATUSES and status not in STATUSES_PAST_THE_PLANT:
        return Route.PARK, f"order {order_number} is {status}: plant events are not applied to it"
    return Route.APPLY, ""


# --- The rules of the timeline ------------------------------------------------------------


@dataclass(frozen=True)
class VehicleState:
    """What the dealer sees of a car's progress (the order's tracking columns)."""

    status: str
    stage: str | None
    stage_reached_at: dt.datetime | None
    hold_reason: str | None = None
    hold_since: dt.datetime | None = None


@dataclass(frozen=True)
class TimelineItem:
    kind: str  # "stage", "hold", "hold_released"
    stage: str | None
    label: str  # dealer-facing words
    hold_reason: str | None
    plant_code: str | None
    line: str | None
    station: str | None
    occurred_at: dt.datetime


@dataclass(frozen=True)
class Change:
    """An event applied to a car: its state afterwards and the timeline item to record."""

    state: VehicleState
    item: TimelineItem
    moved: bool  # the car reached a stage further than before
    hold_changed: bool  # a hold began or ended

    @property
    def seen_by_dealer(self) -> bool:
        return self.moved or self.hold_changed


def stage_rank(stage: str | None) -> int:
    return -1 if stage is None else _STAGE_RANK[stage]


def hold_released_label(reason: str | None) -> str:
    return f"{HOLD_LABELS[reason]} ended" if reason else "Hold ended"


def timeline_label(kind: str, stage: str | None, hold_reason: str | None) -> str:
    if kind == EventKind.STAGE and stage is not None:
        return STAGE_LABELS[stage]
    if kind == EventKind.HOLD and hold_reason is not None:
        return HOLD_LABELS[hold_reason]
    return hold_released_label(hold_reason)


def apply_event(state: VehicleState, event: PlantEvent, latest_hold_release: dt.datetime | None) -> Change:
    """The car's state after `event`; every event is recorded, not every one changes it.

    - A stage further than the car's moves it there, whatever the arrival order; a late
      earlier stage is only recorded: the car never goes back.
    - A hold is the latest hold or hold end by event time: a hold older than the current
      hold, or older than a hold end already received, changes nothing; a hold end clears
      the hold only if it happened after the hold began.
    - Once the car arrived at the dealer, plant events change nothing.
    `latest_hold_release` is the time of the latest hold end recorded for the car.
    """
    at = event.occurred_at
    frozen = state.status in STATUSES_PAST_THE_PLANT
    new_state = state
    moved = hold_changed = False
    hold_reason = event.hold_reason
    if event.kind is EventKind.STAGE:
        stage = event.stage
        assert stage is not None
        if frozen:
            pass
        elif stage_rank(stage) > stage_rank(state.stage):
            moved = True
            new_state = replace(state, status=STATUS_FOR_STAGE[stage], stage=stage, stage_reached_at=at)
        elif stage == state.stage and (state.stage_reached_at is None or at < state.stage_reached_at):
            # The same stage reported again, earlier: the car reached it at the earlier time.
            new_state = replace(state, stage_reached_at=at)
    elif event.kind is EventKind.HOLD:
        newest_hold_change = max((t for t in (state.hold_since, latest_hold_release) if t is not None), default=None)
        if not frozen and (newest_hold_change is None or at > newest_hold_change):
            hold_changed = True
            new_state = replace(state, hold_reason=event.hold_reason, hold_since=at)
    elif not frozen and state.hold_since is not None and at >= state.hold_since:
        hold_changed = True
        hold_reason = event.hold_reason or state.hold_reason
        new_state = replace(state, hold_reason=None, hold_since=None)
    item = TimelineItem(
        kind=event.kind.value,
        stage=event.stage,
        label=timeline_label(event.kind, event.stage, hold_reason),
        hold_reason=hold_reason,
        plant_code=event.plant_code,
        line=event.line,
        station=event.station,
        occurred_at=at,
    )
    return Change(state=new_state, item=item, moved=moved, hold_changed=hold_changed)


def ordered_timeline(items: Iterable[TimelineItem]) -> tuple[TimelineItem, ...]:
    """By event time, whatever order the events arrived in; stages before holds at a tie."""
    kinds = {EventKind.STAGE.value: 0, EventKind.HOLD.value: 1, EventKind.HOLD_RELEASED.value: 2}
    return tuple(sorted(items, key=lambda item: (item.occurred_at, kinds.get(item.kind, 3), stage_rank(item.stage))))


# --- Plan and expected arrival ----------------------------------------------------------

# Days from a plant to the dealers it serves.
PLANT_TRANSPORT_DAYS: Mapping[str, int] = {"SH1": 3, "WH2": 4, "CQ3": 5, "SY4": 4}
DEFAULT_TRANSPORT_DAYS = 5
# The line starts a scheduled week on Monday at 06:00 UTC.
WEEK_START_OFFSET = dt.timedelta(hours=6)

# From each stage to the next one; shipped to arrived is the plant's transport time.
TRANSITIONS: tuple[tuple[str, str], ...] = tuple(itertools.pairwise(STAGES[1:8]))
# Used for a transition until enough similar cars have been observed making it.
DEFAULT_STAGE_DURATIONS: Mapping[tuple[str, str], dt.timedelta] = {
    ("body_shop", "paint_shop"): dt.timedelta(hours=8),
    ("paint_shop", "assembly"): dt.timedelta(hours=10),
    ("assembly", "end_of_line"): dt.timedelta(hours=12),
    ("end_of_line", "quality_release"): dt.timedelta(hours=4),
    ("quality_release", "shipped"): dt.timedelta(hours=24),
}
# Fewer observations than this and the default is used: one odd car is not a trend.
MIN_OBSERVATIONS = 5
_ISO_WEEK = re.compile(r"(\d{4})-W(\d{2})")

StageDurations = Mapping[tuple[str, str], dt.timedelta]


def transport_days(plant_code: str | None) -> int:
    return PLANT_TRANSPORT_DAYS.get(plant_code or "", DEFAULT_TRANSPORT_DAYS)


def week_monday(week: str) -> dt.date:
    """Monday of an ISO week written "2027-W05"."""
    match = _ISO_WEEK.fullmatch(week)
    if not match:
        raise ValueError(f"{week!r} is not an ISO week such as 2027-W05")
    return dt.date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)


def plan_arrival(plant_code: str, scheduled_week: str) -> dt.date:
    """The planned arrival of a car scheduled into a plant and week: built by the Friday
    of that week, then the plant's transport days to the dealer."""
    return week_monday(scheduled_week) + dt.timedelta(days=4 + transport_days(plant_code))


def default_duration(transition: tuple[str, str], plant_code: str | None) -> dt.timedelta:
    if transition == ("shipped", "arrived"):
        return dt.timedelta(days=transport_days(plant_code))
    return DEFAULT_STAGE_DURATIONS[transition]


def observed_durations(timelines: Iterable[Mapping[str, dt.datetime]]) -> dict[tuple[str, str], dt.timedelta]:
    """Median time of each transition over similar cars' timelines (stage -> first reached).

    A transition observed fewer than MIN_OBSERVATIONS times is left out, so its default
    stands. Negative spans (clock trouble at the plant) are not observations.
    """
    samples: dict[tuple[str, str], list[float]] = {transition: [] for transition in TRANSITIONS}
    for reached in timelines:
        for transition in TRANSITIONS:
            start, end = reached.get(transition[0]), reached.get(transition[1])
            if start is not None and end is not None and end >= start:
                samples[transition].append((end - start).total_seconds())
    return {
        transition: dt.timedelta(seconds=statistics.median(seconds))
        for transition, seconds in samples.items()
        if len(seconds) >= MIN_OBSERVATIONS
    }


def expected_arrival(
    stage: str | None,
    stage_reached_at: dt.datetime | None,
    plant_code: str | None,
    scheduled_week: str | None,
    observed: StageDurations,
    now: dt.datetime,
) -> dt.date | None:
    """When the car should reach its dealer (UTC date), or None before it is scheduled.

    From the time the car reached its furthest stage, each remaining transition takes the
    median observed for similar cars, or its default. A car cannot leave its stage before
    now: a car that sits longer than usual pushes its arrival back while it sits. A car not
    yet on the line starts on Monday of its scheduled week (or now, if that is later).
    """
    rank = stage_rank(stage)
    if rank >= _STAGE_RANK["arrived"]:
        return stage_reached_at.date() if stage_reached_at is not None else None
    if rank <= _STAGE_RANK["scheduled"]:
        if not scheduled_week:
            return None
        start = dt.datetime.combine(week_monday(scheduled_week), dt.time(), tzinfo=dt.UTC) + WEEK_START_OFFSET
        position, at = "body_shop", max(start, now)
    else:
        assert stage is not None and stage_reached_at is not None
        position, at = stage, stage_reached_at
    remaining = TRANSITIONS[_STAGE_RANK[position] - 1 :]
    for index, transition in enumerate(remaining):
        duration = observed.get(transition)
        at += default_duration(transition, plant_code) if duration is None else duration
        if index == 0:
            at = max(at, now)
    return at.date()


def is_behind_plan(expected: dt.date | None, planned: dt.date | None) -> bool:
    return expected is not None and planned is not None and expected > planned


def is_stalled(stage: str | None, stage_reached_at: dt.datetime | None, now: dt.datetime, limit: dt.timedelta) -> bool:
    """On the line and not moved past its stage for longer than the limit."""
    return stage in PRODUCTION_STAGES and stage_reached_at is not None and now - stage_reached_at > limit


# --- The dealer's view --------------------------------------------------------------------


@dataclass(frozen=True)
class TrackingView:
    order_number: str
    vin: str | None
    dealer_code: str
    status: str
    stage: str | None
    stage_label: str | None
    hold_reason: str | None
    hold_label: str | None
    hold_since: dt.datetime | None
    planned_arrival: dt.date | None
    expected_arrival: dt.date | None
    behind_plan: bool
    timeline: tuple[TimelineItem, ...]


def tracking_view(
    *,
    order_number: str,
    vin: str | None,
    dealer_code: str,
    status: str,
    state: VehicleState,
    planned_arrival: dt.date | None,
    expected: dt.date | None,
    timeline: Sequence[TimelineItem],
) -> TrackingView:
    return TrackingView(
        order_number=order_number,
        vin=vin,
        dealer_code=dealer_code,
        status=status,
        stage=state.stage,
        stage_label=STAGE_LABELS.get(state.stage) if state.stage else None,
        hold_reason=state.hold_reason,
        hold_label=HOLD_LABELS.get(state.hold_reason) if state.hold_reason else None,
        hold_since=state.hold_since,
        planned_arrival=planned_arrival,
        expected_arrival=expected,
        behind_plan=is_behind_plan(expected, planned_arrival),
        timeline=ordered_timeline(timeline),
    )
