"""Use cases of the order service, shared by its gRPC and Nameko shells.

Each takes a unit of work and the caller's principal; scoping happens here, in the
queries, so a dealer cannot read or change another dealer's order through any door:
an order the caller may not see is NotFound, whatever the action. Only then is the
caller's role checked (Refused), and then the order's state (lifecycle, Refused).
Every change records its event in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, Select, bindparam, func, select
from sqlalchemy.dialects.postgresql import insert

from order_service import dealer_accounts, domain, lifecycle, timeline, tracking
from order_service.catalogue import load_catalogue
from order_service.models import (
    AlertRow,
    DealerQuotaRow,
    OrderRequestRow,
    TimelineEntryRow,
    VehicleOrderRow,
    order_number_seq,
)
from plumbing.db import UnitOfWork
from plumbing.errors import NotFound, Refused, ValidationFailed
from plumbing.principal import AccountRole, Principal, Role

ORDER_PLACED = "order.placed"
ORDER_LARGE_ORDER_PLACED = "order.large_order_placed"
ORDER_AMENDED = "order.amended"
ORDER_CANCELLED = "order.cancelled"
ORDER_APPROVED = "order.approved"
ORDER_REJECTED = "order.rejected"
ORDER_SCHEDULED = "order.scheduled"
ORDER_VEHICLE_ARRIVED = "order.vehicle_arrived"
ORDER_VEHICLE_DELIVERED = "order.vehicle_delivered"

ALERT_LARGE_ORDER = "large_order"

LARGE_ORDER_VEHICLES_ENV = "DEALERNET_LARGE_ORDER_VEHICLES"
LARGE_ORDER_VALUE_ENV = "DEALERNET_LARGE_ORDER_VALUE_MINOR"

# Orders counted against a dealer's quota: approved and everything that follows approval.
_ALLOCATED = tuple(
    status.value
    for status in domain.OrderStatus
    if status not in (domain.OrderStatus.SUBMITTED, domain.OrderStatus.REJECTED, domain.OrderStatus.CANCELLED)
)


# --- Placing ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlaceResult:
    orders: list[VehicleOrderRow]
    # True when a retry with the same idempotency key got the first request's orders.
    replayed: bool = False


def large_order_limits() -> domain.LargeOrderLimits:
    defaults = domain.LargeOrderLimits()
    return domain.LargeOrderLimits(
        vehicles=int(os.environ.get(LARGE_ORDER_VEHICLES_ENV, defaults.vehicles)),
        value_minor=int(os.environ.get(LARGE_ORDER_VALUE_ENV, defaults.value_minor)),
    )


# Built once: a statement object keeps its compiled form, so placing an order pays for
# neither building nor compiling these again.
_CLAIM_REQUEST = (
    insert(OrderRequestRow.__table__).on_conflict_do_nothing().returning(OrderRequestRow.__table__.c.idempotency_key)
)
_FIRST_REQUEST = select(OrderRequestRow.request_fingerprint, OrderRequestRow.order_numbers).where(
    OrderRequestRow.dealer_code == bindparam("dealer_code"), OrderRequestRow.idempotency_key == bindparam("key")
)
_NEXT_ORDER_NUMBERS = select(order_number_seq.next_value()).select_from(
    func.generate_series(1, bindparam("count", type_=Integer))
)


def _first_request(uow: UnitOfWork, dealer_code: str, key: str, fingerprint: str) -> list[str] | None:
    """The order numbers a request with this key already placed; None when the key is new."""
    first = uow.session.execute(_FIRST_REQUEST, {"dealer_code": dealer_code, "key": key}).first()
    if first is None:
        return None
    if first.request_fingerprint != fingerprint:
        raise Refused(f"idempotency_key '{key}' was already used for a different order; use a new key for a new order")
    return list(first.order_numbers)


def _claim_idempotency_key(
    uow: UnitOfWork, dealer_code: str, key: str, fingerprint: str, numbers: list[str]
) -> list[str] | None:
    """Claim the key for the orders about to be placed; the first request's order numbers
    when it was already used (the numbers drawn for this one are then left unused).

    A concurrent request with the same key waits on the primary key until the first one
    commits (then sees its orders) or rolls back (then takes the key itself).
    """
    claimed = uow.session.execute(
        _CLAIM_REQUEST,
        {
            "dealer_code": dealer_code,
            "idempotency_key": key,
            "request_fingerprint": fingerprint,
            "order_numbers": numbers,
        },
    ).first()
    if claimed is not None:
        return None
    return _first_request(uow, dealer_code, key, fingerprint)


def _replayed(uow: UnitOfWork, order_numbers: list[str]) -> PlaceResult:
    rows = uow.session.scalars(
        select(VehicleOrderRow)
        .where(VehicleOrderRow.order_number.in_(order_numbers))
        .order_by(VehicleOrderRow.order_number)
    ).all()
    return PlaceResult(list(rows), replayed=True)


def place_order(
    uow: UnitOfWork,
    principal: Principal,
    line: domain.OrderLine,
    today: dt.date,
    *,
    idempotency_key: str = "",
) -> PlaceResult:
    if principal.role is not Role.DEALER:
        raise ValidationFailed.one("principal", "only a dealer places vehicle orders")
    assert principal.org_code is not None
    key = domain.check_idempotency_key(idempotency_key)
    fingerprint = domain.request_fingerprint(line) if key else ""
    try:
        planned = domain.plan_order(load_catalogue(uow, line.model_code), line, today)
    except ValidationFailed:
        # A retry of an order accepted before the catalogue changed still gets that order.
        if key and (first_orders := _first_request(uow, principal.org_code, key, fingerprint)) is not None:
            return _replayed(uow, first_orders)
        raise
    sequences = sorted(uow.session.scalars(_NEXT_ORDER_NUMBERS, {"count": len(planned)}).all())
    numbers = [domain.order_number(today.year, sequence) for sequence in sequences]
    if key:
        first_orders = _claim_idempotency_key(uow, principal.org_code, key, fingerprint, numbers)
        if first_orders is not None:
            return _replayed(uow, first_orders)
    rows = []
    for vehicle, number in zip(planned, numbers, strict=True):
        row = VehicleOrderRow(
            order_number=number,
            dealer_code=principal.org_code,
            region=principal.region,
            model_code=vehicle.model_code,
            trim_code=vehicle.trim_code,
            colour_code=vehicle.colour_code,
            option_codes=list(vehicle.option_codes),
            wanted_week=vehicle.wanted_week,
            status=domain.OrderStatus.SUBMITTED.value,
            supply=domain.Supply.PENDING.value,
            list_price_minor=vehicle.list_price_minor,
            currency=vehicle.currency,
            placed_by=principal.subject,
        )
        uow.session.add(row)
        uow.record_event(
            ORDER_PLACED,
            {
                "order_number": row.order_number,
                "dealer_code": row.dealer_code,
                "region": row.region,
                "model_code": row.model_code,
                "trim_code": row.trim_code,
                "colour_code": row.colour_code,
                "option_codes": list(vehicle.option_codes),
                "wanted_week": row.wanted_week,
            },
        )
        rows.append(row)
    reason = domain.large_order_reason(planned, large_order_limits())
    if reason is not None:
        value = sum(car.list_price_minor for car in planned)
        uow.session.add(
            AlertRow(
                kind=ALERT_LARGE_ORDER,
                order_number=numbers[0],
                dealer_code=principal.org_code,
                detail=f"{principal.org_code} ordered {reason} ({numbers[0]} to {numbers[-1]})",
            )
        )
        uow.record_event(
            ORDER_LARGE_ORDER_PLACED,
            {
                "order_number": numbers[0],
                "order_numbers": numbers,
                "dealer_code": principal.org_code,
                "region": principal.region,
                "vehicles": len(planned),
                "value_minor": value,
                "currency": planned[0].currency,
                "reason": reason,
            },
        )
    uow.session.flush()
    return PlaceResult(rows)


# --- Reading ------------------------------------------------------------------------------


def _visible_orders(principal: Principal) -> Select[tuple[VehicleOrderRow]]:
    query = select(VehicleOrderRow)
    if principal.role in (Role.HQ, Role.OPS):
        return query
    if principal.role is Role.DEALER:
        return query.where(VehicleOrderRow.dealer_code == principal.org_code)
    return query.where(False)


def get_order(uow: UnitOfWork, principal: Principal, order_number: str, *, for_update: bool = False) -> VehicleOrderRow:
    query = _visible_orders(principal).where(VehicleOrderRow.order_number == order_number)
    if for_update:
        query = query.with_for_update()
    row = uow.session.scalars(query).first()
    if row is None:
        raise NotFound(f"no order {order_number}")
    return row


def list_orders(
    uow: UnitOfWork, principal: Principal, *, offset: int, limit: int, status: str = ""
) -> list[VehicleOrderRow]:
    query = _visible_orders(principal)
    if status:
        query = query.where(VehicleOrderRow.status == status)
    query = query.order_by(VehicleOrderRow.placed_at.desc(), VehicleOrderRow.order_number.desc())
    return list(uow.session.scalars(query.offset(offset).limit(limit)))


def list_alerts(uow: UnitOfWork, principal: Principal, *, offset: int, limit: int, kind: str = "") -> list[AlertRow]:
    # Operations watch the channel with headquarters, as the gateway admits them to.
    if principal.role not in (Role.HQ, Role.OPS):
        raise Refused("only headquarters and operations see the alerts")
    query = select(AlertRow)
    if kind:
        query = query.where(AlertRow.kind == kind)
    query = query.order_by(AlertRow.raised_at.desc(), AlertRow.id.desc())
    return list(uow.session.scalars(query.offset(offset).limit(limit)))


def get_tracking(uow: UnitOfWork, principal: Principal, key: str) -> tracking.TrackingView:
    """Where an ordered car is, by order number or VIN."""
    return timeline.get_tracking(uow, principal, key)


# --- The lifecycle ------------------------------------------------------------------------


def _state(row: VehicleOrderRow) -> lifecycle.OrderState:
    return lifecycle.OrderState(
        order_number=row.order_number,
        status=domain.OrderStatus(row.status),
        supply=domain.Supply(row.supply),
        vin=row.vin,
        plant_code=row.plant_code,
        scheduled_week=row.scheduled_week,
    )


def _apply(uow: UnitOfWork, row: VehicleOrderRow, transition: lifecycle.Transition, now: dt.datetime) -> None:
    row.status = transition.status.value
    if transition.releases_vin:
        row.vin = None
    if transition.releases_allocation:
        row.approved_at = None
        row.allocation_month = None
    if transition.stage is not None:
        row.stage = transition.stage.value
        row.stage_reached_at = now
        # The plant's feed writes the stages it sees; the ones decided here join the same timeline.
        uow.session.add(
            TimelineEntryRow(
                order_number=row.order_number,
                vin=row.vin,
                kind="stage",
                stage=transition.stage.value,
                plant_code=row.plant_code,
                occurred_at=now,
            )
        )
    row.updated_at = now


def _require_role(principal: Principal, role: Role, doing: str) -> None:
    if principal.role is not role:
        who = "the ordering dealer" if role is Role.DEALER else "headquarters"
        raise Refused(f"only {who} {doing}")
    # Reviewing orders is HQ admins' decision; the gateway checks it too, and a caller that
    # reaches this service directly meets the same rule here.
    if role is Role.HQ and principal.acting_role is not AccountRole.HQ_ADMIN:
        raise Refused(f"only an HQ admin {doing}")


def _order_event(row: VehicleOrderRow, **data: Any) -> dict[str, Any]:
    return {"order_number": row.order_number, "dealer_code": row.dealer_code, **data}


def amend_order(
    uow: UnitOfWork, principal: Principal, order_number: str, amendment: domain.Amendment, now: dt.datetime
) -> VehicleOrderRow:
    row = get_order(uow, principal, order_number, for_update=True)
    _require_role(principal, Role.DEALER, "amends its order")
    transition = lifecycle.amend(_state(row))
    current = domain.PlannedVehicle(
        model_code=row.model_code,
        trim_code=row.trim_code,
        colour_code=row.colour_code,
        wanted_week=row.wanted_week,
        list_price_minor=row.list_price_minor,
        currency=row.currency,
        option_codes=tuple(sorted(row.option_codes or ())),
    )
    amended = domain.plan_amendment(load_catalogue(uow, row.model_code), current, amendment, now.date())
    if (amended.colour_code, amended.option_codes, amended.wanted_week) == (
        current.colour_code,
        current.option_codes,
        current.wanted_week,
    ):
        # Nothing changes (a repeated request, say): the order keeps its place in review.
        return row
    previous_status = row.status
    row.colour_code = amended.colour_code
    row.option_codes = list(amended.option_codes)
    row.wanted_week = amended.wanted_week
    row.list_price_minor = amended.list_price_minor
    row.currency = amended.currency
    _apply(uow, row, transition, now)
    uow.record_event(
        ORDER_AMENDED,
        _order_event(
            row,
            model_code=row.model_code,
            trim_code=row.trim_code,
            colour_code=row.colour_code,
            option_codes=list(amended.option_codes),
            wanted_week=row.wanted_week,
            list_price_minor=row.list_price_minor,
            currency=row.currency,
            previous_status=previous_status,
            status=row.status,
        ),
    )
    uow.session.flush()
    return row


def cancel_order(
    uow: UnitOfWork, principal: Principal, order_number: str, reason: str, now: dt.datetime
) -> VehicleOrderRow:
    return _withdraw(
        uow, principal, order_number, reason, now, Role.DEALER, "cancels its order", lifecycle.cancel, ORDER_CANCELLED
    )


def reject_order(
    uow: UnitOfWork, principal: Principal, order_number: str, reason: str, now: dt.datetime
) -> VehicleOrderRow:
    return _withdraw(
        uow, principal, order_number, reason, now, Role.HQ, "rejects orders", lifecycle.reject, ORDER_REJECTED
    )


def _withdraw(
    uow: UnitOfWork,
    principal: Principal,
    order_number: str,
    reason: str,
    now: dt.datetime,
    role: Role,
    doing: str,
    decide: Callable[[lifecycle.OrderState], lifecycle.Transition],
    event_type: str,
) -> VehicleOrderRow:
    """Cancel (dealer) or reject (HQ): the order ends with its reason, any held car released."""
    row = get_order(uow, principal, order_number, for_update=True)
    _require_role(principal, role, doing)
    transition = decide(_state(row))
    reason = domain.check_reason(reason)
    released_vin = row.vin if transition.releases_vin else None
    row.status_reason = reason
    _apply(uow, row, transition, now)
    uow.record_event(event_type, _order_event(row, reason=reason, released_vin=released_vin))
    uow.session.flush()
    return row


def _check_quota(uow: UnitOfWork, dealer_code: str, month: str) -> None:
    # Locking the quota row makes approvals for one dealer and month take turns, so two
    # approvals at once cannot both take the last vehicle of the quota.
    quota = uow.session.scalars(
        select(DealerQuotaRow)
        .where(DealerQuotaRow.dealer_code == dealer_code, DealerQuotaRow.month == month)
        .with_for_update()
    ).first()
    if quota is None:
        raise Refused(f"{dealer_code} has no vehicle quota for {month}; headquarters sets one before approving")
    allocated = uow.session.scalar(
        select(func.count())
        .select_from(VehicleOrderRow)
        .where(
            VehicleOrderRow.dealer_code == dealer_code,
            VehicleOrderRow.allocation_month == month,
            VehicleOrderRow.status.in_(_ALLOCATED),
        )
    )
    if (allocated or 0) >= quota.vehicles:
        raise Refused(
            f"{dealer_code}'s quota for {month} is {quota.vehicles} vehicles and {allocated} are already allocated"
        )


def approve_order(
    uow: UnitOfWork,
    principal: Principal,
    order_number: str,
    now: dt.datetime,
    *,
    credit_override_reason: str = "",
    policy: dealer_accounts.OverduePolicy | None = None,
) -> VehicleOrderRow:
    """HQ approves against the dealer's quota for the month and against its credit: an order
    its credit holds is approved only with a reason, kept with the approval."""
    row = get_order(uow, principal, order_number, for_update=True)
    _require_role(principal, Role.HQ, "approves orders")
    transition = lifecycle.approve(_state(row))
    month = domain.allocation_month(now.date())
    _check_quota(uow, row.dealer_code, month)
    override = dealer_accounts.clear_for_approval(
        uow, principal, row, credit_override_reason, now.date(), policy or dealer_accounts.overdue_policy()
    )
    row.approved_at = now
    row.allocation_month = month
    _apply(uow, row, transition, now)
    uow.record_event(
        ORDER_APPROVED,
        _order_event(
            row, allocation_month=month, status=row.status, vin=row.vin, stage=row.stage, credit_override=override
        ),
    )
    uow.session.flush()
    if transition.stage is not None and row.vin:
        _follow_the_plant(uow, row.vin)
    return row


def _follow_the_plant(uow: UnitOfWork, vin: str) -> None:
    """The car now follows the plant feed: apply what the plant reported for its VIN before."""
    timeline.apply_parked_events(uow, vin)


def schedule_order(
    uow: UnitOfWork, principal: Principal, order_number: str, plant_code: str, week: str, now: dt.datetime
) -> VehicleOrderRow:
    row = get_order(uow, principal, order_number, for_update=True)
    _require_role(principal, Role.HQ, "schedules cars into the plants")
    transition = lifecycle.schedule(_state(row))
    plant = domain.check_schedule(plant_code, week, now.date())
    model_year = domain.parse_iso_week(week).isocalendar().year
    vin = domain.build_vin(plant, row.model_code, row.trim_code, model_year, domain.vin_serial(row.order_number))
    taken = uow.session.scalar(select(VehicleOrderRow.order_number).where(VehicleOrderRow.vin == vin))
    if taken is not None:
        raise Refused(f"the VIN {vin} derived for {order_number} is already {taken}'s")
    planned_arrival = timeline.plan_arrival(plant.code, week)
    row.vin = vin
    row.plant_code = plant.code
    row.scheduled_week = week
    row.scheduled_at = now
    row.planned_arrival = planned_arrival
    row.expected_arrival = planned_arrival
    _apply(uow, row, transition, now)
    uow.record_event(
        ORDER_SCHEDULED,
        _order_event(
            row,
            vin=vin,
            plant_code=plant.code,
            scheduled_week=week,
            planned_arrival=planned_arrival.isoformat(),
            model_code=row.model_code,
            trim_code=row.trim_code,
            colour_code=row.colour_code,
            option_codes=list(row.option_codes or ()),
        ),
    )
    uow.session.flush()
    # Plant events may have come for this VIN before it was known here.
    _follow_the_plant(uow, vin)
    return row


def confirm_arrival(uow: UnitOfWork, principal: Principal, order_number: str, now: dt.datetime) -> VehicleOrderRow:
    row = get_order(uow, principal, order_number, for_update=True)
    _require_role(principal, Role.DEALER, "confirms that its car has arrived")
    transition = lifecycle.confirm_arrival(_state(row))
    row.hold_reason = None
    row.hold_since = None
    _apply(uow, row, transition, now)
    uow.record_event(
        ORDER_VEHICLE_ARRIVED,
        _order_event(
            row,
            vin=row.vin,
            arrived_at=now.isoformat(),
            model_code=row.model_code,
            trim_code=row.trim_code,
            colour_code=row.colour_code,
            option_codes=list(row.option_codes or ()),
        ),
    )
    uow.session.flush()
    return row


def deliver_vehicle(
    uow: UnitOfWork, principal: Principal, order_number: str, customer_id: str, now: dt.datetime
) -> VehicleOrderRow:
    row = get_order(uow, principal, order_number, for_update=True)
    _require_role(principal, Role.DEALER, "delivers its car to a customer")
    transition = lifecycle.deliver(_state(row))
    customer_id = domain.check_customer_id(customer_id)
    row.delivered_to_customer = customer_id
    _apply(uow, row, transition, now)
    uow.record_event(
        ORDER_VEHICLE_DELIVERED,
        _order_event(
            row,
            vin=row.vin,
            customer_id=customer_id,
            delivered_at=now.isoformat(),
            list_price_minor=row.list_price_minor,
            currency=row.currency,
        ),
    )
    uow.session.flush()
    return row


def record_supply(uow: UnitOfWork, order_number: str, vin: str | None) -> None:
    """Apply the inventory's answer to a placed order (from its events).

    The answer may come after HQ approved the order (a stock car is then released at
    once) or after the dealer cancelled it (the car is not kept: the inventory releases
    it on order.cancelled).
    """
    row = uow.session.get(VehicleOrderRow, order_number, with_for_update=True)
    if row is None:
        raise NotFound(f"inventory answered for unknown order {order_number}")
    supply = domain.supply_after_reservation(domain.Supply(row.supply), vin)
    if supply.value == row.supply:
        return
    now = dt.datetime.now(dt.UTC)
    row.supply = supply.value
    if row.status in (domain.OrderStatus.SUBMITTED, domain.OrderStatus.APPROVED):
        row.vin = vin
    row.updated_at = now
    transition = lifecycle.after_reservation(_state(row))
    if transition is not None and row.vin:
        _apply(uow, row, transition, now)
        uow.session.flush()
        _follow_the_plant(uow, row.vin)
