"""Use cases of production tracking: the plant feed's events applied to ordered cars, the
dealer's tracking view, parked events, the arrival plan, and stalled or late cars.

The rules are in `tracking`; here they meet the order service's tables. Each function takes
a unit of work and changes nothing outside it: the caller commits.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from enum import StrEnum
from typing import Any, TypeAlias, cast

from sqlalchemy import Table, bindparam, exists, func, literal, or_, select, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from order_service import tracking
from order_service.models import AlertRow, ParkedPlantEventRow, TimelineEntryRow, VehicleOrderRow, tables
from order_service.tracking import PlantEvent, Route, TimelineItem, TrackingView, VehicleState
from plumbing.db import UnitOfWork
from plumbing.errors import NotFound
from plumbing.principal import Principal, Role

log = logging.getLogger("dealernet.order.timeline")

# The name under which plant events are claimed in processed_messages.
PLANT_FEED_HANDLER = "order.plant_feed"
# A stalled car is flagged once per stage: the flag is claimed under this name.
STALLED_HANDLER = "order.vehicle_stalled"

STAGE_REACHED = "order.stage_reached"
VEHICLE_SHIPPED = "order.vehicle_shipped"
VEHICLE_LATE = "order.vehicle_late"
VEHICLE_STALLED = "order.vehicle_stalled"

STALLED_AFTER_SETTING = "DEALERNET_STALLED_AFTER_HOURS"
DEFAULT_STALLED_AFTER_HOURS = 24.0
# How many of the latest similar cars the stage durations are taken from.
SIMILAR_CARS = 50
# Cars whose planned arrival is further away than this cannot be late yet.
LATE_CHECK_HORIZON = dt.timedelta(days=30)
# A car that moved within this time had its arrival estimated then.
LATE_CHECK_AFTER_IDLE = dt.timedelta(minutes=30)
CHECK_BATCH = 500


class Result(StrEnum):
    APPLIED = "applied"  # the car moved, or a hold began or ended
    RECORDED = "recorded"  # in the timeline, but the car's state did not change (a late event)
    DUPLICATE = "duplicate"
    PARKED = "parked"
    FAILED = "failed"  # could not be applied: dead-lettered with the reason


@dataclass(frozen=True)
class Outcome:
    event_id: str
    result: Result
    reason: str = ""


def stalled_after() -> dt.timedelta:
    return dt.timedelta(hours=float(os.environ.get(STALLED_AFTER_SETTING, DEFAULT_STALLED_AFTER_HOURS)))


def is_database_unavailable(exc: BaseException) -> bool:
    """A lost or refused database connection, a deadlock or a cancelled statement: worth
    retrying the whole batch later, unlike a problem with one message."""
    if isinstance(exc, OperationalError | InterfaceError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


class DurationsCache:
    """Median stage durations of similar cars (same model and plant), kept for a while per
    process: they move slowly, and the plant feed would otherwise read them for every car."""

    def __init__(self, ttl_seconds: float = 60.0) -> None:
        self.ttl_seconds = ttl_seconds
        self._cache: dict[tuple[str, str], tuple[float, tracking.StageDurations]] = {}
        self._lock = threading.Lock()

    def get(self, uow: UnitOfWork, model_code: str, plant_code: str) -> tracking.StageDurations:
        key = (model_code, plant_code)
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None and time.monotonic() - cached[0] < self.ttl_seconds:
            return cached[1]
        durations = observed_durations(uow, model_code, plant_code)
        with self._lock:
            self._cache[key] = (time.monotonic(), durations)
        return durations


_durations = DurationsCache()


def observed_durations(uow: UnitOfWork, model_code: str, plant_code: str) -> tracking.StageDurations:
    """Stage durations observed over the last SIMILAR_CARS cars of this model and plant
    that got past their first stage."""
    similar = (
        select(VehicleOrderRow.order_number)
        .where(
            VehicleOrderRow.model_code == model_code,
            VehicleOrderRow.plant_code == plant_code,
            VehicleOrderRow.stage.in_(tracking.STAGES[2:]),
        )
        .order_by(VehicleOrderRow.stage_reached_at.desc())
        .limit(SIMILAR_CARS)
        .scalar_subquery()
    )
    rows = uow.session.execute(
        select(TimelineEntryRow.order_number, TimelineEntryRow.stage, func.min(TimelineEntryRow.occurred_at))
        .where(TimelineEntryRow.order_number.in_(similar), TimelineEntryRow.kind == tracking.EventKind.STAGE.value)
        .group_by(TimelineEntryRow.order_number, TimelineEntryRow.stage)
    ).all()
    reached: dict[str, dict[str, dt.datetime]] = {}
    for order_number, stage, first_at in rows:
        reached.setdefault(order_number, {})[stage] = first_at
    return tracking.observed_durations(reached.values())


# --- The plant feed -----------------------------------------------------------------------

# The feed writes through Core statements built once: at hundreds of events a second the
# ORM's flush and per-call statement building cost more than the database work itself.
_ORDERS = cast(Table, VehicleOrderRow.__table__)
_TIMELINE = cast(Table, TimelineEntryRow.__table__)
_PARKED = cast(Table, ParkedPlantEventRow.__table__)
_ALERTS = cast(Table, AlertRow.__table__)
# Written as SQL: they run for every batch, and SQLAlchemy keeps a statement with
# PostgreSQL's ON CONFLICT out of its compiled cache, building it again on every call.
_CLAIM_BATCH = text(
    "INSERT INTO processed_messages (message_id, handler) "
    "SELECT unnest(CAST(:message_ids AS varchar[])), :handler ON CONFLICT DO NOTHING RETURNING message_id"
)
_UNCLAIM = text("DELETE FROM processed_messages WHERE message_id = :message_id AND handler = :handler")
# Savepoints and timeline rows go to the driver as they are: each event runs them, and
# SQLAlchemy's own savepoint and statement handling cost more than the round trip.
_SAVEPOINT = "SAVEPOINT plant_event"
_RELEASE = "RELEASE SAVEPOINT plant_event"
_ROLLBACK_TO = "ROLLBACK TO SAVEPOINT plant_event"
_RECORD_TIMELINE = (
    "INSERT INTO vehicle_timeline (order_number, vin, kind, stage, hold_reason, plant_code, line, station, "
    "occurred_at, source_event_id) VALUES (%(order_number)s, %(vin)s, %(kind)s, %(stage)s, %(hold_reason)s, "
    "%(plant_code)s, %(line)s, %(station)s, %(occurred_at)s, %(source_event_id)s)"
)
_PARK = text(
    "INSERT INTO parked_plant_events (event_id, vin, body, reason) VALUES (:event_id, :vin, :body, :reason) "
    "ON CONFLICT (event_id) DO UPDATE SET reason = excluded.reason"
).bindparams(bindparam("body", type_=JSONB))
_LATEST_RELEASE = select(func.max(_TIMELINE.c.occurred_at)).where(
    _TIMELINE.c.order_number == bindparam("order_number"),
    _TIMELINE.c.kind == tracking.EventKind.HOLD_RELEASED.value,
)


@dataclass
class TrackedCar:
    """The columns of an ordered car the feed reads and changes (as VehicleOrderRow names them)."""

    order_number: str
    dealer_code: str
    vin: str | None
    model_code: str
    trim_code: str
    colour_code: str
    plant_code: str | None
    scheduled_week: str | None
    status: str
    stage: str | None
    stage_reached_at: dt.datetime | None
    hold_reason: str | None
    hold_since: dt.datetime | None
    planned_arrival: dt.date | None
    expected_arrival: dt.date | None
    updated_at: dt.datetime | None


# The car as a plant event may change it: TrackedCar, or the ORM row outside the feed.
Car: TypeAlias = TrackedCar | VehicleOrderRow
_CHANGED_COLUMNS = (
    "status",
    "stage",
    "stage_reached_at",
    "hold_reason",
    "hold_since",
    "expected_arrival",
    "updated_at",
)
_UPDATE_CARS = text(
    "UPDATE vehicle_orders AS o SET status = c.status, stage = c.stage, stage_reached_at = c.stage_reached_at, "
    "hold_reason = c.hold_reason, hold_since = c.hold_since, expected_arrival = c.expected_arrival, "
    "updated_at = c.updated_at "
    "FROM unnest(CAST(:order_number AS varchar[]), CAST(:status AS varchar[]), CAST(:stage AS varchar[]), "
    "CAST(:stage_reached_at AS timestamptz[]), CAST(:hold_reason AS varchar[]), CAST(:hold_since AS timestamptz[]), "
    "CAST(:expected_arrival AS date[]), CAST(:updated_at AS timestamptz[])) "
    "AS c(order_number, status, stage, stage_reached_at, hold_reason, hold_since, expected_arrival, updated_at) "
    "WHERE o.order_number = c.order_number"
)
_READ_CARS = (
    select(*(_ORDERS.c[f.name] for f in fields(TrackedCar)))
    .where(_ORDERS.c.vin.in_(bindparam("vins", expanding=True)))
    .order_by(_ORDERS.c.vin)
    .with_for_update()
)


def apply_plant_events(
    uow: UnitOfWork, events: Sequence[PlantEvent], now: dt.datetime, durations: DurationsCache | None = None
) -> list[Outcome]:
    """Apply a batch of plant events in the caller's transaction, one savepoint each.

    The batch's event ids are claimed in one statement, so an event processed before (or
    earlier in the batch) is a duplicate. Each other event writes its rows (timeline entry,
    events, parked event, alert) inside a savepoint of its own: one that fails is rolled back
    alone, its claim withdrawn, and it is reported FAILED with the reason; the rest of the
    batch stands. Each car's resulting state is written once, at the end. A lost database
    aborts the whole batch (the exception propagates), so that the caller retries it rather
    than reporting every event as failed.
    """
    if not events:
        return []
    durations = durations or _durations
    connection = uow.session.connection()
    # All the batch's cars locked at once, in VIN order: two consumers never deadlock.
    vins = sorted({event.vin for event in events})
    cars = {row.vin: TrackedCar(**row) for row in connection.execute(_READ_CARS, {"vins": vins}).mappings()}
    unclaimed = set(
        connection.execute(
            _CLAIM_BATCH,
            {"message_ids": list(dict.fromkeys(event.event_id for event in events)), "handler": PLANT_FEED_HANDLER},
        ).scalars()
    )
    moved: dict[str, TrackedCar] = {}
    outcomes = []
    for event in events:
        first_time = event.event_id in unclaimed
        unclaimed.discard(event.event_id)
        car = cars.get(event.vin)
        before = replace(car) if car is not None else None
        if first_time:
            connection.exec_driver_sql(_SAVEPOINT)
        try:
            outcome = _apply_one(uow, event, car, now, durations, already_processed=not first_time)
            if first_time:
                connection.exec_driver_sql(_RELEASE)
        except Exception as exc:  # one bad event must not stop the feed: it is dead-lettered
            if is_database_unavailable(exc) or not first_time:
                raise
            connection.exec_driver_sql(_ROLLBACK_TO)
            connection.execute(_UNCLAIM, {"message_id": event.event_id, "handler": PLANT_FEED_HANDLER})
            if car is not None and before is not None:
                for column in fields(TrackedCar):
                    setattr(car, column.name, getattr(before, column.name))
            log.exception("plant event %s could not be applied", event.event_id)
            outcome = Outcome(event.event_id, Result.FAILED, f"{type(exc).__name__}: {exc}")
        if car is not None and car != before:
            moved[car.order_number] = car
        outcomes.append(outcome)
    if moved:
        columns = ("order_number", *_CHANGED_COLUMNS)
        connection.execute(
            _UPDATE_CARS, {column: [getattr(car, column) for car in moved.values()] for column in columns}
        )
    return outcomes


def _apply_one(
    uow: UnitOfWork,
    event: PlantEvent,
    car: Car | None,
    now: dt.datetime,
    durations: DurationsCache,
    *,
    already_processed: bool,
) -> Outcome:
    connection = uow.session.connection()
    route, reason = tracking.route_event(
        event,
        car.order_number if car is not None else None,
        car.status if car is not None else None,
        already_processed=already_processed,
    )
    if route is Route.DUPLICATE:
        return Outcome(event.event_id, Result.DUPLICATE, reason)
    if route is Route.PARK:
        body = tracking.plant_event_json(event)
        connection.execute(_PARK, {"event_id": event.event_id, "vin": event.vin, "body": body, "reason": reason})
        return Outcome(event.event_id, Result.PARKED, reason)
    assert car is not None
    change = _apply_to_car(uow, car, event, now, durations)
    return Outcome(event.event_id, Result.APPLIED if change.seen_by_dealer else Result.RECORDED)


def _state_of(car: Car) -> VehicleState:
    return VehicleState(
        status=car.status,
        stage=car.stage,
        stage_reached_at=car.stage_reached_at,
        hold_reason=car.hold_reason,
        hold_since=car.hold_since,
    )


def _apply_to_car(
    uow: UnitOfWork, car: Car, event: PlantEvent, now: dt.datetime, durations: DurationsCache
) -> tracking.Change:
    """Apply the event to `car` (its attributes change; the caller writes them) and record
    the timeline row and the events it causes."""
    connection = uow.session.connection()
    latest_release = None
    if event.kind is tracking.EventKind.HOLD:
        latest_release = connection.execute(_LATEST_RELEASE, {"order_number": car.order_number}).scalar()
    before = _state_of(car)
    change = tracking.apply_event(before, event, latest_release)
    item = change.item
    connection.exec_driver_sql(
        _RECORD_TIMELINE,
        {
            "order_number": car.order_number,
            "vin": car.vin,
            "kind": item.kind,
            "stage": item.stage,
            "hold_reason": item.hold_reason,
            "plant_code": item.plant_code,
            "line": item.line,
            "station": item.station,
            "occurred_at": item.occurred_at,
            "source_event_id": event.event_id,
        },
    )
    after = change.state
    if after == before:
        return change
    car.status = after.status
    car.stage = after.stage
    car.stage_reached_at = after.stage_reached_at
    car.hold_reason = after.hold_reason
    car.hold_since = after.hold_since
    car.updated_at = now
    _estimate_arrival(uow, car, event.plant_code, now, durations)
    if change.seen_by_dealer:
        uow.record_event(STAGE_REACHED, _stage_reached_data(car, event))
    if change.moved and after.stage == "shipped":
        uow.record_event(
            VEHICLE_SHIPPED,
            {
                "order_number": car.order_number,
                "dealer_code": car.dealer_code,
                "vin": car.vin,
                "model_code": car.model_code,
                "trim_code": car.trim_code,
                "colour_code": car.colour_code,
                "occurred_at": event.occurred_at.isoformat(),
            },
        )
    return change


def _stage_reached_data(order: Car, event: PlantEvent) -> dict[str, Any]:
    return {
        "order_number": order.order_number,
        "dealer_code": order.dealer_code,
        "vin": order.vin,
        "kind": event.kind.value,
        "stage": order.stage,
        "stage_label": tracking.STAGE_LABELS[order.stage] if order.stage else None,
        "status": order.status,
        "occurred_at": event.occurred_at.isoformat(),
        "hold_reason": order.hold_reason,
        "hold_label": tracking.HOLD_LABELS[order.hold_reason] if order.hold_reason else None,
        "planned_arrival": _iso(order.planned_arrival),
        "expected_arrival": _iso(order.expected_arrival),
        "behind_plan": tracking.is_behind_plan(order.expected_arrival, order.planned_arrival),
    }


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _estimate_arrival(
    uow: UnitOfWork, order: Car, plant_code: str | None, now: dt.datetime, durations: DurationsCache
) -> None:
    """Update the car's expected arrival; a car that newly falls behind its plan raises an
    alert and an event, once, until it is back on plan."""
    plant = order.plant_code or plant_code
    observed = durations.get(uow, order.model_code, plant) if plant else {}
    expected = tracking.expected_arrival(
        order.stage, order.stage_reached_at, plant, order.scheduled_week, observed, now
    )
    was_behind = tracking.is_behind_plan(order.expected_arrival, order.planned_arrival)
    order.expected_arrival = expected
    if was_behind or not tracking.is_behind_plan(expected, order.planned_arrival):
        return
    assert expected is not None and order.planned_arrival is not None
    late_by = (expected - order.planned_arrival).days
    uow.session.connection().execute(
        _ALERTS.insert(),
        {
            "kind": "vehicle_late",
            "order_number": order.order_number,
            "dealer_code": order.dealer_code,
            "detail": (
                f"{order.order_number} (VIN {order.vin}) is expected on {expected.isoformat()}, "
                f"{late_by} day{'s' if late_by != 1 else ''} after its planned arrival "
                f"{order.planned_arrival.isoformat()}; it is at {tracking.STAGE_LABELS.get(order.stage or '', '?')}"
            ),
            "raised_at": now,
        },
    )
    uow.record_event(
        VEHICLE_LATE,
        {
            "order_number": order.order_number,
            "dealer_code": order.dealer_code,
            "vin": order.vin,
            "planned_arrival": order.planned_arrival.isoformat(),
            "expected_arrival": expected.isoformat(),
        },
    )


def apply_parked_events(uow: UnitOfWork, vin: str, now: dt.datetime | None = None) -> int:
    """Apply the plant events parked for `vin`, now that an order holds it; returns how many.

    Called in the transaction that gives the order its VIN (or makes its car followed).
    Events stay parked while the order holding the VIN is not followed.
    """
    now = now or dt.datetime.now(dt.UTC)
    vin = vin.upper()
    order = uow.session.scalars(select(VehicleOrderRow).where(VehicleOrderRow.vin == vin).with_for_update()).first()
    if order is None:
        return 0
    parked = list(
        uow.session.scalars(
            select(ParkedPlantEventRow).where(ParkedPlantEventRow.vin == vin).with_for_update(skip_locked=True)
        )
    )
    events = []
    for row in parked:
        try:
            events.append((tracking.plant_event_from_json(row.body, row.received_at), row))
        except tracking.MalformedPlantMessage as exc:
            # Parked bodies were checked on arrival; one that fails now is kept for a person to see.
            log.error("parked plant event %s no longer reads: %s", row.event_id, exc)
    events.sort(key=lambda pair: pair[0].occurred_at)
    applied = 0
    for event, row in events:
        outcome = _apply_one(uow, event, order, now, _durations, already_processed=False)
        if outcome.result in (Result.APPLIED, Result.RECORDED):
            uow.session.delete(row)
            applied += 1
    uow.session.flush()
    return applied


def retry_parked_events(uow: UnitOfWork, now: dt.datetime, batch: int = 100) -> int:
    """Apply parked events whose VIN an order now holds, whoever gave the order its VIN and
    whether or not that transaction saw the parked events. Returns how many were applied."""
    vins = uow.session.scalars(
        select(ParkedPlantEventRow.vin)
        .join(VehicleOrderRow, VehicleOrderRow.vin == ParkedPlantEventRow.vin)
        .where(VehicleOrderRow.status.in_(tracking.TRACKED_STATUSES | tracking.STATUSES_PAST_THE_PLANT))
        .distinct()
        .limit(batch)
    ).all()
    return sum(apply_parked_events(uow, vin, now) for vin in vins)


def parked_count(uow: UnitOfWork) -> int:
    return uow.session.scalar(select(func.count()).select_from(ParkedPlantEventRow)) or 0


# --- Plan -----------------------------------------------------------------------------------


def plan_arrival(plant_code: str, scheduled_week: str) -> dt.date:
    """The planned arrival of a car scheduled into `plant_code` for ISO week `scheduled_week`."""
    planned: dt.date = tracking.plan_arrival(plant_code, scheduled_week)
    return planned


# --- The dealer's view ------------------------------------------------------------------------


_TRACKING_COLUMNS = (
    "order_number",
    "vin",
    "dealer_code",
    "status",
    "stage",
    "stage_reached_at",
    "hold_reason",
    "hold_since",
    "planned_arrival",
    "expected_arrival",
)
_TIMELINE_ROWS = (
    select(
        _TIMELINE.c.kind,
        _TIMELINE.c.stage,
        _TIMELINE.c.hold_reason,
        _TIMELINE.c.plant_code,
        _TIMELINE.c.line,
        _TIMELINE.c.station,
        _TIMELINE.c.occurred_at,
    )
    .where(_TIMELINE.c.order_number == bindparam("order_number"))
    .order_by(_TIMELINE.c.occurred_at, _TIMELINE.c.id)
)


def get_tracking(uow: UnitOfWork, principal: Principal, key: str) -> TrackingView:
    """A car's tracking by order number or VIN: a dealer sees its own cars, HQ and operations
    all, a station none; any other car is NotFound."""
    wanted = key.strip().upper()
    query = select(*(_ORDERS.c[name] for name in _TRACKING_COLUMNS)).where(
        or_(_ORDERS.c.order_number == wanted, _ORDERS.c.vin == wanted)
    )
    if principal.role is Role.DEALER:
        query = query.where(_ORDERS.c.dealer_code == principal.org_code)
    elif principal.role not in (Role.HQ, Role.OPS):
        query = query.where(literal(False))
    # Read as plain rows: dealers ask this often, and ORM objects would only be thrown away.
    uow.session.flush()
    connection = uow.session.connection()
    order = connection.execute(query).mappings().first()
    if order is None:
        raise NotFound(f"no ordered car {key.strip()}")
    timeline = [
        TimelineItem(
            kind=row.kind,
            stage=row.stage,
            label=tracking.timeline_label(row.kind, row.stage, row.hold_reason),
            hold_reason=row.hold_reason,
            plant_code=row.plant_code,
            line=row.line,
            station=row.station,
            occurred_at=row.occurred_at,
        )
        for row in connection.execute(_TIMELINE_ROWS, {"order_number": order["order_number"]})
    ]
    state = VehicleState(
        status=order["status"],
        stage=order["stage"],
        stage_reached_at=order["stage_reached_at"],
        hold_reason=order["hold_reason"],
        hold_since=order["hold_since"],
    )
    return tracking.tracking_view(
        order_number=order["order_number"],
        vin=order["vin"],
        dealer_code=order["dealer_code"],
        status=order["status"],
        state=state,
        planned_arrival=order["planned_arrival"],
        expected=order["expected_arrival"],
        timeline=timeline,
    )


# --- Stalled and late cars (run every minute) -------------------------------------------------


def _stall_key(order_number: str, stage: str) -> str:
    return f"{order_number}:{stage}"


def flag_stalled(uow: UnitOfWork, now: dt.datetime, limit: dt.timedelta, batch: int = CHECK_BATCH) -> int:
    """Flag the cars that have not moved past a production stage for longer than `limit`:
    an alert and an order.vehicle_stalled event, once per car and stage. Returns how many."""
    processed = tables.processed_messages
    already_flagged = exists().where(
        processed.c.handler == STALLED_HANDLER,
        processed.c.message_id == VehicleOrderRow.order_number + literal(":") + VehicleOrderRow.stage,
    )
    stalled = list(
        uow.session.scalars(
            select(VehicleOrderRow)
            .where(
                VehicleOrderRow.stage.in_(tracking.PRODUCTION_STAGES),
                VehicleOrderRow.status.in_(tracking.TRACKED_STATUSES),
                VehicleOrderRow.stage_reached_at < now - limit,
                ~already_flagged,
            )
            .order_by(VehicleOrderRow.stage_reached_at)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
    )
    flagged = 0
    for order in stalled:
        assert order.stage is not None and order.stage_reached_at is not None
        if not uow.claim_message(_stall_key(order.order_number, order.stage), STALLED_HANDLER):
            continue
        flagged += 1
        hours = (now - order.stage_reached_at).total_seconds() / 3600
        hold = f" ({tracking.HOLD_LABELS[order.hold_reason]})" if order.hold_reason else ""
        uow.session.add(
            AlertRow(
                kind="vehicle_stalled",
                order_number=order.order_number,
                dealer_code=order.dealer_code,
                detail=(
                    f"{order.order_number} (VIN {order.vin}) has been at {tracking.STAGE_LABELS[order.stage]}"
                    f"{hold} for {hours:.0f} hours, since {order.stage_reached_at.isoformat()}"
                ),
                raised_at=now,
            )
        )
        uow.record_event(
            VEHICLE_STALLED,
            {
                "order_number": order.order_number,
                "dealer_code": order.dealer_code,
                "vin": order.vin,
                "stage": order.stage,
                "since": order.stage_reached_at.isoformat(),
            },
        )
        _estimate_arrival(uow, order, None, now, _durations)
    uow.session.flush()
    return flagged


def flag_late(uow: UnitOfWork, now: dt.datetime, batch: int = CHECK_BATCH) -> int:
    """Re-estimate the arrival of cars that sit without news, so a car falls behind its plan
    while it waits, not only when the plant next reports it. Returns how many fell behind."""
    candidates = list(
        uow.session.scalars(
            select(VehicleOrderRow)
            .where(
                VehicleOrderRow.status.in_(tracking.TRACKED_STATUSES),
                VehicleOrderRow.vin.is_not(None),
                VehicleOrderRow.planned_arrival.is_not(None),
                VehicleOrderRow.planned_arrival <= (now + LATE_CHECK_HORIZON).date(),
                or_(
                    VehicleOrderRow.expected_arrival.is_(None),
                    VehicleOrderRow.expected_arrival <= VehicleOrderRow.planned_arrival,
                ),
                or_(
                    VehicleOrderRow.stage_reached_at.is_(None),
                    VehicleOrderRow.stage_reached_at < now - LATE_CHECK_AFTER_IDLE,
                ),
                or_(VehicleOrderRow.stage.is_(None), VehicleOrderRow.stage.in_(tracking.STAGES[:7])),
            )
            .order_by(VehicleOrderRow.planned_arrival)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
    )
    fell_behind = 0
    for order in candidates:
        _estimate_arrival(uow, order, None, now, _durations)
        if tracking.is_behind_plan(order.expected_arrival, order.planned_arrival):
            fell_behind += 1
    uow.session.flush()
    return fell_behind
