"""Use cases of the inventory service, shared by its gRPC and Nameko shells.

Every change to a car or a part goes through `_change_vehicle` or `_change_parts`: the
ledger's rules decide, the movements are appended, and the balances derived from them
are updated, all in the caller's transaction.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, func, literal, or_, select, text
from sqlalchemy import update as sa_update
from sqlalchemy.dialects.postgresql import insert

from inventory_service import domain, ledger
from inventory_service.ledger import Balance, LocationKind, MovementKind, Step, Vehicle, VehicleStatus
from inventory_service.models import (
    LocationRow,
    MovementRow,
    PartBalanceRow,
    PartRow,
    ReservationRow,
    StockSummaryRow,
    StockVehicleRow,
    TransferRow,
    transfer_numbers,
)
from plumbing import settings as settings_module
from plumbing.db import UnitOfWork
from plumbing.errors import NotFound, Refused, ValidationFailed
from plumbing.principal import AccountRole, Principal, Role
from plumbing.vin import vin_problem

SALES_WINDOW_DAYS = 30

VEHICLE_RESERVED_FOR_CUSTOMER = "inventory.vehicle_reserved_for_customer"
VEHICLE_RELEASED = "inventory.vehicle_released"
VEHICLE_SOLD = "inventory.vehicle_sold"
STOCK_ADJUSTED = "inventory.stock_adjusted"
STOCK_LOW = "inventory.stock_low"
STOCK_AGED = "inventory.stock_aged"
TRANSFER_EVENTS = {
    ledger.TransferStatus.REQUESTED: "inventory.transfer_requested",
    ledger.TransferStatus.AWAITING_HQ: "inventory.transfer_approved_by_sender",
    ledger.TransferStatus.APPROVED: "inventory.transfer_approved",
    ledger.TransferStatus.SHIPPED: "inventory.transfer_shipped",
    ledger.TransferStatus.RECEIVED: "inventory.transfer_received",
    ledger.TransferStatus.DECLINED: "inventory.transfer_declined",
    ledger.TransferStatus.CANCELLED: "inventory.transfer_cancelled",
}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# --- Cars: state, movements, balances -----------------------------------------------------------


def vehicle_state(row: StockVehicleRow) -> Vehicle:
    return Vehicle(
        vin=row.vin,
        model_code=row.model_code,
        trim_code=row.trim_code,
        colour_code=row.colour_code,
        location_code=row.location_code,
        status=VehicleStatus(row.status),
        reserved_for_order=row.reserved_for_order,
        reserved_for_dealer=row.reserved_for_dealer,
        reserved_for_customer=row.reserved_for_customer,
        transfer_number=row.transfer_number,
        sold_to_customer=row.sold_to_customer,
    )


def _row_values(vehicle: Vehicle) -> dict[str, Any]:
    values = dataclasses.asdict(vehicle)
    values["status"] = vehicle.status.value
    return values


# The movements this transaction wrote, newest last, for a caller that answers with one.
APPENDED_MOVEMENTS = "inventory.appended_movements"


def _lock_vehicle(uow: UnitOfWork, vin: str) -> StockVehicleRow | None:
    return uow.session.scalars(select(StockVehicleRow).where(StockVehicleRow.vin == vin).with_for_update()).first()


def _append(
    uow: UnitOfWork,
    entries: Sequence[ledger.Entry],
    actor: str,
    *,
    vin: str | None = None,
    part_number: str | None = None,
) -> None:
    appended = uow.session.info.setdefault(APPENDED_MOVEMENTS, [])
    for entry in entries:
        appended.append(
            MovementRow(
                kind=entry.kind.value,
                location_code=entry.location_code,
                vin=vin,
                part_number=part_number,
                on_hand_change=entry.change.on_hand,
                reserved_change=entry.change.reserved,
                in_transit_change=entry.change.in_transit,
                reference=entry.reference,
                reason=entry.reason,
                actor=actor,
            )
        )
        uow.session.add(appended[-1])


def _change_vehicle(
    uow: UnitOfWork,
    vin: str,
    decide: Callable[[Vehicle | None], list[Step]],
    actor: str,
    *,
    at: dt.datetime | None = None,
) -> tuple[StockVehicleRow | None, Vehicle | None, list[Step]]:
    """Lock the car, let `decide` take it through its steps, write the movements and the
    car's new balance. Returns the row, the state before, and the steps taken.

    A car new to the stock is inserted first so that two messages about it handled side by
    side cannot both create it: the second finds the row and decides again from it.
    """
    row = _lock_vehicle(uow, vin)
    before = vehicle_state(row) if row is not None else None
    steps = decide(before)
    if not steps:
        return row, before, steps
    after = steps[-1].vehicle
    moment = at or _now()
    if row is None:
        values = _row_values(after) | {"arrived_at": moment, "updated_at": _now()}
        if after.status is VehicleStatus.SOLD:
            values["sold_at"] = moment
        row = uow.session.scalars(
            insert(StockVehicleRow).values(**values).on_conflict_do_nothing().returning(StockVehicleRow)
        ).one_or_none()
        if row is None:
            return _change_vehicle(uow, vin, decide, actor, at=at)
    else:
        arrived_here = after.in_stock and (
            not before or not before.in_stock or before.location_code != after.location_code
        )
        for key, value in _row_values(after).items():
            setattr(row, key, value)
        if arrived_here:
            row.arrived_at = moment
            row.aged_alerted_at = None
        if after.status is VehicleStatus.SOLD and (before is None or before.status is not VehicleStatus.SOLD):
            row.sold_at = moment
        if after.reserved_for_customer is None:
            row.held_until = None
        row.updated_at = _now()
    _append(uow, ledger.movements(before, steps), actor, vin=vin)
    uow.session.flush()
    return row, before, steps


def _location(uow: UnitOfWork, code: str) -> LocationRow:
    row = uow.session.get(LocationRow, code)
    if row is None:
        raise NotFound(f"no location {code}")
    return row


def _ensure_location(uow: UnitOfWork, code: str, kind: LocationKind) -> None:
    """A location the order service names before anyone registered it is recorded, without a
    region, rather than the car being lost."""
    uow.session.execute(
        insert(LocationRow).values(code=code, kind=kind.value, name=code, region=None).on_conflict_do_nothing()
    )


def _available_of_model(uow: UnitOfWork, location_code: str, model_code: str) -> int:
    return (
        uow.session.scalar(
            select(func.count())
            .select_from(StockVehicleRow)
            .where(
                StockVehicleRow.location_code == location_code,
                StockVehicleRow.model_code == model_code,
                StockVehicleRow.status == VehicleStatus.AVAILABLE.value,
            )
        )
        or 0
    )


def _after_car_left_availability(uow: UnitOfWork, before: Vehicle | None) -> None:
    """One fewer car of its model on sale at a dealer: alert when that dealer runs low."""
    if before is None or before.status is not VehicleStatus.AVAILABLE:
        return
    location = uow.session.get(LocationRow, before.location_code)
    if location is None or location.kind != LocationKind.DEALER.value:
        return
    threshold = settings_module.load().low_vehicle_stock
    left = _available_of_model(uow, before.location_code, before.model_code)
    if ledger.low_stock_crossed(left + 1, left, threshold):
        uow.record_event(
            STOCK_LOW,
            {
                "item": "vehicle",
                "location_code": before.location_code,
                "region": location.region,
                "model_code": before.model_code,
                "available": left,
                "threshold": threshold,
            },
        )


def _vehicle_event(vehicle: Vehicle, **extra: Any) -> dict[str, Any]:
    return {
        "vin": vehicle.vin,
        "location_code": vehicle.location_code,
        "model_code": vehicle.model_code,
        "trim_code": vehicle.trim_code,
        "colour_code": vehicle.colour_code,
        "status": vehicle.status.value,
    } | extra


def _vin(raw: str) -> str:
    vin = domain.normalise_vin(raw)
    problem = vin_problem(vin)
    if problem is not None:
        raise ValidationFailed.one("vin", problem)
    return vin


def register_location(
    uow: UnitOfWork,
    code: str,
    kind: LocationKind,
    name: str,
    region: str | None,
    latitude: float | None = None,
    longitude: float | None = None,
) -> None:
    """Record a place that holds stock, or bring its name, region and position up to date."""
    values = {"kind": kind.value, "name": name, "region": region, "latitude": latitude, "longitude": longitude}
    uow.session.execute(
        insert(LocationRow).values(code=code, **values).on_conflict_do_update(index_elements=["code"], set_=values)
    )


def receive_vehicle(
    uow: UnitOfWork,
    actor: str,
    vin: str,
    location_code: str,
    description: tuple[str, str, str],
    *,
    at: dt.datetime | None = None,
) -> StockVehicleRow:
    """A car new to the channel's stock received at a location (a plant yard's output, a
    warehouse's intake, a dealer's opening stock), on sale there. A car a dealer receives
    is announced as joining that dealer's stock, as an ordered car arriving is."""
    car = _vin(vin)
    location = _location(uow, location_code)
    model, trim, colour = description

    def decide(current: Vehicle | None) -> list[Step]:
        if current is not None and current.in_stock:
            raise Refused(f"car {car} is already in stock at {current.location_code}")
        received = Vehicle(car, model, trim, colour, location_code, VehicleStatus.AVAILABLE)
        return [Step(MovementKind.RECEIPT, received)]

    row, _, _ = _change_vehicle(uow, car, decide, actor, at=at)
    assert row is not None
    if location.kind == LocationKind.DEALER.value:
        uow.record_event(
            domain.VEHICLE_RECEIVED,
            {
                "vin": car,
                "dealer_code": location_code,
                "order_number": None,
                "model_code": model,
                "trim_code": trim,
                "colour_code": colour,
                "received_at": (at or dt.datetime.now(dt.UTC)).isoformat(),
            },
        )
    return row


# --- Cars: answers to the order service's events ----------------------------------------------


def _answering(uow: UnitOfWork, order_number: str) -> None:
    """Take the order's turn: its placement and its withdrawal, handled side by side, are
    answered one after the other, so a withdrawal never misses the car a placement holds."""
    uow.session.execute(select(func.pg_advisory_xact_lock(func.hashtext(f"order {order_number}"))))


def reserve_for_order(uow: UnitOfWork, order: domain.OrderedVehicle) -> ReservationRow:
    """Answer an ordered vehicle: reserve the longest-held matching pool car, or none.

    An order withdrawn before it was answered (its cancellation handled first) gets nothing.
    """
    _answering(uow, order.order_number)
    existing = uow.session.get(ReservationRow, order.order_number)
    if existing is not None:
        return existing
    candidate = None
    if order.can_come_from_pool:
        candidate = uow.session.scalars(
            select(StockVehicleRow)
            .where(
                StockVehicleRow.model_code == order.model_code,
                StockVehicleRow.trim_code == order.trim_code,
                StockVehicleRow.colour_code == order.colour_code,
                StockVehicleRow.status == VehicleStatus.AVAILABLE.value,
                StockVehicleRow.location_code == domain.MAKER_POOL,
            )
            .order_by(StockVehicleRow.arrived_at, StockVehicleRow.vin)
            .limit(1)
            # Two orders racing for the last matching car: one takes it, the other moves on.
            .with_for_update(skip_locked=True)
        ).first()
    decision = domain.decide_reservation(order, candidate.vin if candidate else None)
    if candidate is not None:
        held = vehicle_state(candidate).freed(
            status=VehicleStatus.RESERVED,
            reserved_for_order=order.order_number,
            reserved_for_dealer=order.dealer_code,
        )
        _change_vehicle(
            uow,
            candidate.vin,
            lambda _: [Step(MovementKind.RESERVATION, held, reference=order.order_number)],
            "order-service",
        )
    reservation = ReservationRow(
        order_number=order.order_number,
        dealer_code=order.dealer_code,
        outcome=decision.outcome.value,
        vin=decision.vin,
    )
    uow.session.add(reservation)
    uow.record_event(decision.event_type, decision.event_data)
    uow.session.flush()
    return reservation


def ship_from_plant(uow: UnitOfWork, shipped: domain.ShippedVehicle) -> StockVehicleRow | None:
    _ensure_location(uow, domain.MAKER_POOL, LocationKind.PLANT_YARD)
    row, _, _ = _change_vehicle(uow, shipped.vin, lambda now: domain.ship_from_plant(now, shipped), "plant")
    return row


def receive_at_dealer(uow: UnitOfWork, arrival: domain.ArrivedVehicle) -> StockVehicleRow | None:
    """Take an arrived car into its dealer's stock (a pool car held for the order moves there)."""
    _ensure_location(uow, arrival.dealer_code, LocationKind.DEALER)
    received: list[dict[str, Any]] = []

    def decide(current: Vehicle | None) -> list[Step]:
        steps, event = domain.receive_at_dealer(current, arrival)
        received[:] = [event] if event else []
        return steps

    row, _, _ = _change_vehicle(uow, arrival.vin, decide, arrival.dealer_code, at=arrival.arrived_at)
    for event in received:
        uow.record_event(domain.VEHICLE_RECEIVED, event)
    return row


def hand_over(uow: UnitOfWork, delivery: domain.DeliveredVehicle) -> StockVehicleRow | None:
    """Mark a car handed over to its buyer as sold (received at the dealer first if need be)."""
    _ensure_location(uow, delivery.dealer_code, LocationKind.DEALER)
    row, _, _ = _change_vehicle(
        uow, delivery.vin, lambda now: domain.hand_over(now, delivery), delivery.dealer_code, at=delivery.delivered_at
    )
    return row


def release_for_withdrawn_order(uow: UnitOfWork, order: domain.WithdrawnOrder) -> list[StockVehicleRow]:
    """Put the cars held for a cancelled or rejected order back on sale where they are.

    Looked up by the order rather than by the VIN the order service knew, so a car reserved
    while the cancellation was on its way is released too. An order not answered yet is
    recorded as withdrawn, so its placement, handled later, holds nothing.
    """
    _answering(uow, order.order_number)
    if uow.session.get(ReservationRow, order.order_number) is None:
        uow.session.add(
            ReservationRow(
                order_number=order.order_number,
                dealer_code=order.dealer_code,
                outcome=domain.ReservationOutcome.WITHDRAWN.value,
                vin=None,
            )
        )
        uow.session.flush()
    vins = uow.session.scalars(
        select(StockVehicleRow.vin).where(StockVehicleRow.reserved_for_order == order.order_number)
    ).all()
    released = []
    for vin in vins:
        row, _, steps = _change_vehicle(
            uow, vin, lambda now: domain.release_for_withdrawn_order(now, order) if now else [], "order-service"
        )
        if steps and row is not None:
            released.append(row)
    return released


def repoint_customer(uow: UnitOfWork, merged_id: str, survivor_id: str) -> int:
    """Customers merged in the master: cars held for or sold to the merged record now name the
    survivor. No stock moves, so the ledger is untouched. Returns how many cars changed."""
    merged, survivor = ledger.customer_id(merged_id, "merged_id"), ledger.customer_id(survivor_id, "survivor_id")
    changed = 0
    for column in (StockVehicleRow.reserved_for_customer, StockVehicleRow.sold_to_customer):
        result = uow.session.execute(
            sa_update(StockVehicleRow).where(column == merged).values({column: survivor, "updated_at": _now()})
        )
        changed += result.rowcount  # type: ignore[attr-defined]
    return changed


# --- Cars: a dealer's steps -------------------------------------------------------------------


def _visible_vehicles(principal: Principal) -> Select[tuple[StockVehicleRow]]:
    query = select(StockVehicleRow)
    if principal.role in (Role.HQ, Role.OPS):
        return query
    if principal.role is Role.DEALER:
        return query.where(
            or_(
                StockVehicleRow.location_code == principal.org_code,
                StockVehicleRow.reserved_for_dealer == principal.org_code,
            )
        )
    return query.where(False)


def get_vehicle(uow: UnitOfWork, principal: Principal, vin: str) -> StockVehicleRow:
    row = uow.session.scalars(
        _visible_vehicles(principal).where(StockVehicleRow.vin == domain.normalise_vin(vin))
    ).first()
    if row is None:
        raise NotFound(f"no vehicle {vin}")
    return row


def list_vehicles(
    uow: UnitOfWork,
    principal: Principal,
    *,
    offset: int,
    limit: int,
    model_code: str = "",
    status: str = "",
    location_code: str = "",
) -> list[StockVehicleRow]:
    query = _visible_vehicles(principal)
    if model_code:
        query = query.where(StockVehicleRow.model_code == model_code)
    if status:
        query = query.where(StockVehicleRow.status == status)
    if location_code:
        query = query.where(StockVehicleRow.location_code == location_code)
    return list(uow.session.scalars(query.order_by(StockVehicleRow.vin).offset(offset).limit(limit)))


def _dealer_step(
    uow: UnitOfWork,
    principal: Principal,
    raw_vin: str,
    decide: Callable[[Vehicle, LocationKind], list[Step]],
) -> tuple[StockVehicleRow, Vehicle, list[Step]]:
    """A step a person takes on a car they can see or find in the network search."""
    vin = _vin(raw_vin)

    def checked(current: Vehicle | None) -> list[Step]:
        if current is None:
            raise NotFound(f"no vehicle {vin}")
        kind = LocationKind(_location(uow, current.location_code).kind)
        if not ledger.may_see_vehicle(principal, current):
            # A car of the network search: one that has just been taken is refused as taken,
            # without saying by whom; anything else of another dealer's is not found.
            if not current.in_stock or kind not in (*ledger.MAKERS_STOCK, LocationKind.DEALER):
                raise NotFound(f"no vehicle {vin}")
            if current.status is not VehicleStatus.AVAILABLE:
                raise ledger.unavailable_to_others(current)
        return decide(current, kind)

    row, before, steps = _change_vehicle(uow, vin, checked, principal.subject)
    if row is None or before is None:
        raise NotFound(f"no vehicle {vin}")
    return row, before, steps


def reserve_vehicle(uow: UnitOfWork, principal: Principal, vin: str, customer: str) -> StockVehicleRow:
    customer = ledger.customer_id(customer)
    row, before, steps = _dealer_step(
        uow, principal, vin, lambda car, kind: ledger.reserve_for_customer(car, kind, principal, customer)
    )
    if steps:
        row.held_until = _now() + dt.timedelta(days=settings_module.load().customer_hold_days)
        uow.record_event(
            VEHICLE_RESERVED_FOR_CUSTOMER,
            _vehicle_event(
                vehicle_state(row),
                dealer_code=principal.org_code,
                customer_id=customer,
                held_until=row.held_until.isoformat(),
            ),
        )
        _after_car_left_availability(uow, before)
    return row


# The inventory itself, ending holds that lapsed: it may lift any dealer's hold.
LAPSED_HOLDS = Principal(subject="inventory: hold lapsed", role=Role.HQ)


def release_lapsed_holds(uow: UnitOfWork, now: dt.datetime | None = None, *, batch: int = 500) -> int:
    """Put back on sale the cars whose customer hold ran out unsold; each announced."""
    now = now or _now()
    vins = uow.session.scalars(
        select(StockVehicleRow.vin)
        .where(StockVehicleRow.held_until <= now, StockVehicleRow.status == VehicleStatus.RESERVED.value)
        .order_by(StockVehicleRow.held_until)
        .limit(batch)
        .with_for_update(skip_locked=True)
    ).all()
    for vin in vins:
        row, before, steps = _change_vehicle(
            uow, vin, lambda car: ledger.release(car, LAPSED_HOLDS) if car else [], LAPSED_HOLDS.subject
        )
        if steps and row is not None and before is not None:
            uow.record_event(
                VEHICLE_RELEASED,
                _vehicle_event(vehicle_state(row), held_for_dealer=before.reserved_for_dealer, reason="hold lapsed"),
            )
    return len(vins)


def release_vehicle(uow: UnitOfWork, principal: Principal, vin: str) -> StockVehicleRow:
    row, before, steps = _dealer_step(uow, principal, vin, lambda car, _: ledger.release(car, principal))
    if steps:
        uow.record_event(
            VEHICLE_RELEASED,
            _vehicle_event(vehicle_state(row), held_for_dealer=before.reserved_for_dealer, reason="released"),
        )
    return row


def sell_vehicle(uow: UnitOfWork, principal: Principal, vin: str, customer: str) -> StockVehicleRow:
    customer = ledger.customer_id(customer)
    row, before, steps = _dealer_step(uow, principal, vin, lambda car, _: ledger.sell(car, principal, customer))
    if steps:
        uow.record_event(
            VEHICLE_SOLD,
            _vehicle_event(
                vehicle_state(row), dealer_code=principal.org_code, customer_id=customer, sold_at=_now().isoformat()
            ),
        )
        _after_car_left_availability(uow, before)
    return row


@dataclass(frozen=True)
class NetworkCar:
    vehicle: StockVehicleRow
    location: LocationRow


def search_network(
    uow: UnitOfWork,
    principal: Principal,
    *,
    model_code: str,
    trim_code: str,
    colour_code: str,
    region: str,
    offset: int,
    limit: int,
) -> list[NetworkCar]:
    """Cars on sale elsewhere in the network: at other dealers and in the maker's stock."""
    if principal.role not in (Role.DEALER, Role.HQ, Role.OPS):
        raise Refused("the network search is for dealers and headquarters")
    query = (
        select(StockVehicleRow, LocationRow)
        .join(LocationRow, LocationRow.code == StockVehicleRow.location_code)
        .where(
            StockVehicleRow.status == VehicleStatus.AVAILABLE.value,
            LocationRow.kind.in_([LocationKind.DEALER.value, *(kind.value for kind in ledger.MAKERS_STOCK)]),
        )
    )
    if principal.role is Role.DEALER:
        query = query.where(StockVehicleRow.location_code != principal.org_code)
    for column, value in (
        (StockVehicleRow.model_code, model_code),
        (StockVehicleRow.trim_code, trim_code),
        (StockVehicleRow.colour_code, colour_code),
        (LocationRow.region, region),
    ):
        if value:
            query = query.where(column == value)
    rows = uow.session.execute(
        query.order_by(StockVehicleRow.arrived_at, StockVehicleRow.vin).offset(offset).limit(limit)
    ).all()
    return [NetworkCar(vehicle, location) for vehicle, location in rows]


# Writing a car off or recounting parts (the gateway admits the same roles).
STOCK_CORRECTORS = (AccountRole.DEALER_ADMIN, AccountRole.STATION_USER, AccountRole.HQ_ADMIN)


def adjust_stock(
    uow: UnitOfWork,
    principal: Principal,
    *,
    location_code: str,
    vin: str,
    part_number: str,
    quantity: int,
    reason: str,
    description: tuple[str, str, str],
) -> MovementRow:
    """Correct the stock at a location, with the reason and who made it."""
    if principal.acting_role not in STOCK_CORRECTORS:
        raise Refused("only a dealer's admin, a station or an HQ admin corrects stock")
    reason = ledger.required_text(reason, "reason", max_length=2000)
    location_code = ledger.required_text(location_code, "location_code", max_length=20)
    if bool(vin.strip()) == bool(part_number.strip()):
        raise ValidationFailed.one("vin", "give either a car's vin or a part_number")
    if not ledger.may_act_at(principal, location_code):
        raise NotFound(f"no location {location_code}")
    _location(uow, location_code)
    if part_number.strip():
        _change_parts(
            uow,
            principal,
            location_code,
            part_number,
            lambda balance, part: ledger.adjust_parts(balance, quantity, part),
            MovementKind.ADJUSTMENT,
            reference=None,
            reason=reason,
        )
    else:
        car = _vin(vin)

        def decide(current: Vehicle | None) -> list[Step]:
            if current is not None and not ledger.may_see_vehicle(principal, current) and current.in_stock:
                raise NotFound(f"no vehicle {car}")
            return ledger.adjust_vehicle(current, car, location_code, quantity, reason, description)

        _, before, _ = _change_vehicle(uow, car, decide, principal.subject)
        if quantity < 0:
            _after_car_left_availability(uow, before)
    appended = uow.session.info.get(APPENDED_MOVEMENTS) or []
    if not appended:
        raise Refused("the adjustment changes nothing")
    movement: MovementRow = appended[-1]
    uow.record_event(
        STOCK_ADJUSTED,
        {
            "location_code": location_code,
            "vin": movement.vin,
            "part_number": movement.part_number,
            "quantity": quantity,
            "reason": reason,
            "actor": principal.subject,
        },
    )
    return movement


# --- Transfers ------------------------------------------------------------------------------


def transfer_state(row: TransferRow) -> ledger.Transfer:
    return ledger.Transfer(
        transfer_number=row.transfer_number,
        vin=row.vin,
        from_dealer=row.from_dealer,
        to_dealer=row.to_dealer,
        status=ledger.TransferStatus(row.status),
        needs_hq_approval=row.needs_hq_approval,
    )


def _transfer_event(row: TransferRow, **extra: Any) -> dict[str, Any]:
    return {
        "transfer_number": row.transfer_number,
        "vin": row.vin,
        "from_dealer": row.from_dealer,
        "to_dealer": row.to_dealer,
        "status": row.status,
        "needs_hq_approval": row.needs_hq_approval,
    } | extra


def request_transfer(uow: UnitOfWork, principal: Principal, vin: str, note: str) -> TransferRow:
    if len(note) > 2000:
        raise ValidationFailed.one("note", "must be at most 2000 characters")
    car = _vin(vin)
    row = uow.session.get(StockVehicleRow, car)
    if row is None:
        raise NotFound(f"no vehicle {car}")
    vehicle = vehicle_state(row)
    holder = _location(uow, vehicle.location_code)
    if vehicle.status is not VehicleStatus.AVAILABLE and not ledger.may_see_vehicle(principal, vehicle):
        raise NotFound(f"no vehicle {car}")
    ledger.request_transfer(vehicle, LocationKind(holder.kind), principal)
    assert principal.org_code is not None
    asking = uow.session.get(LocationRow, principal.org_code)
    number = f"TR-{uow.session.scalar(transfer_numbers.next_value()):08d}"
    transfer = TransferRow(
        transfer_number=number,
        vin=car,
        from_dealer=vehicle.location_code,
        to_dealer=principal.org_code,
        status=ledger.TransferStatus.REQUESTED.value,
        needs_hq_approval=ledger.needs_hq_approval(holder.region, asking.region if asking else None),
        note=note.strip() or None,
        requested_by=principal.subject,
    )
    uow.session.add(transfer)
    uow.session.flush()
    uow.record_event(TRANSFER_EVENTS[ledger.TransferStatus.REQUESTED], _transfer_event(transfer))
    return transfer


def get_transfer(uow: UnitOfWork, principal: Principal, number: str, *, lock: bool = False) -> TransferRow:
    query = select(TransferRow).where(TransferRow.transfer_number == number.strip().upper())
    row = uow.session.scalars(query.with_for_update() if lock else query).first()
    if row is None or not ledger.may_see_transfer(principal, transfer_state(row)):
        raise NotFound(f"no transfer {number}")
    return row


def list_transfers(uow: UnitOfWork, principal: Principal, *, status: str, offset: int, limit: int) -> list[TransferRow]:
    query = select(TransferRow)
    if principal.role is Role.DEALER:
        query = query.where(
            or_(TransferRow.from_dealer == principal.org_code, TransferRow.to_dealer == principal.org_code)
        )
    elif principal.role not in (Role.HQ, Role.OPS):
        return []
    if status:
        query = query.where(TransferRow.status == status)
    return list(
        uow.session.scalars(
            query.order_by(TransferRow.requested_at.desc(), TransferRow.transfer_number.desc())
            .offset(offset)
            .limit(limit)
        )
    )


TransferDecision = Callable[[ledger.Transfer, Vehicle], tuple[ledger.TransferStatus, list[Step]]]


def _transfer_step(
    uow: UnitOfWork, principal: Principal, number: str, decide: TransferDecision, **extra: Any
) -> TransferRow:
    transfer = get_transfer(uow, principal, number, lock=True)
    state = transfer_state(transfer)
    new_status: list[ledger.TransferStatus] = []

    def on_car(current: Vehicle | None) -> list[Step]:
        if current is None:
            raise NotFound(f"no vehicle {state.vin}")
        status, steps = decide(state, current)
        new_status.append(status)
        return steps

    _, before, _ = _change_vehicle(uow, state.vin, on_car, principal.subject)
    status = new_status[-1]
    moment = _now()
    transfer.status = status.value
    transfer.updated_at = moment
    if status is ledger.TransferStatus.AWAITING_HQ or (
        status is ledger.TransferStatus.APPROVED and state.status is ledger.TransferStatus.REQUESTED
    ):
        transfer.sender_approved_at, transfer.sender_approved_by = moment, principal.subject
    if status is ledger.TransferStatus.APPROVED and state.status is ledger.TransferStatus.AWAITING_HQ:
        transfer.hq_approved_at, transfer.hq_approved_by = moment, principal.subject
    if status is ledger.TransferStatus.SHIPPED:
        transfer.shipped_at = moment
    if status is ledger.TransferStatus.RECEIVED:
        transfer.received_at = moment
    if status is ledger.TransferStatus.DECLINED:
        transfer.decline_reason = extra.get("reason")
    uow.session.flush()
    uow.record_event(TRANSFER_EVENTS[status], _transfer_event(transfer, actor=principal.subject, **extra))
    if state.status is ledger.TransferStatus.REQUESTED and status in (
        ledger.TransferStatus.AWAITING_HQ,
        ledger.TransferStatus.APPROVED,
    ):
        _after_car_left_availability(uow, before)
    return transfer


def approve_transfer(uow: UnitOfWork, principal: Principal, number: str) -> TransferRow:
    return _transfer_step(uow, principal, number, lambda t, car: ledger.approve_transfer(t, car, principal))


def decline_transfer(uow: UnitOfWork, principal: Principal, number: str, reason: str) -> TransferRow:
    reason = ledger.required_text(reason, "reason", max_length=2000)
    return _transfer_step(
        uow,
        principal,
        number,
        lambda t, car: (ledger.TransferStatus.DECLINED, ledger.decline_transfer(t, car, principal)),
        reason=reason,
    )


def cancel_transfer(uow: UnitOfWork, principal: Principal, number: str) -> TransferRow:
    return _transfer_step(
        uow,
        principal,
        number,
        lambda t, car: (ledger.TransferStatus.CANCELLED, ledger.cancel_transfer(t, car, principal)),
    )


def ship_transfer(uow: UnitOfWork, principal: Principal, number: str) -> TransferRow:
    return _transfer_step(
        uow, principal, number, lambda t, car: (ledger.TransferStatus.SHIPPED, ledger.ship_transfer(t, car, principal))
    )


def receive_transfer(uow: UnitOfWork, principal: Principal, number: str) -> TransferRow:
    return _transfer_step(
        uow,
        principal,
        number,
        lambda t, car: (ledger.TransferStatus.RECEIVED, ledger.receive_transfer(t, car, principal)),
    )


# --- Parts --------------------------------------------------------------------------------------


def _part_number(raw: str) -> str:
    return ledger.required_text(raw, "part_number", max_length=40).upper()


def _change_parts(
    uow: UnitOfWork,
    principal: Principal,
    location_code: str,
    raw_part_number: str,
    decide: Callable[[Balance, str], Balance],
    kind: MovementKind,
    *,
    reference: str | None,
    reason: str | None = None,
    description: str = "",
) -> PartBalanceRow:
    part_number = _part_number(raw_part_number)
    if principal.role not in (Role.DEALER, Role.STATION, Role.HQ, Role.OPS) or not ledger.may_act_at(
        principal, location_code
    ):
        raise NotFound(f"no location {location_code}")
    location = _location(uow, location_code)
    part = uow.session.get(PartRow, part_number)
    if part is None:
        if kind is not MovementKind.RECEIPT:
            raise NotFound(f"no part {part_number}")
        uow.session.execute(
            insert(PartRow)
            .values(part_number=part_number, description=description.strip() or part_number)
            .on_conflict_do_nothing()
        )
        part = uow.session.get(PartRow, part_number)
        assert part is not None
    uow.session.execute(
        insert(PartBalanceRow).values(location_code=location_code, part_number=part_number).on_conflict_do_nothing()
    )
    balance_row = uow.session.scalars(
        select(PartBalanceRow)
        .where(PartBalanceRow.location_code == location_code, PartBalanceRow.part_number == part_number)
        .with_for_update()
    ).one()
    before = Balance(on_hand=balance_row.on_hand, reserved=balance_row.reserved)
    change = decide(before, part_number)
    after = before + change
    balance_row.on_hand, balance_row.reserved = after.on_hand, after.reserved
    balance_row.updated_at = _now()
    _append(
        uow,
        [ledger.Entry(kind, location_code, change, reference, reason)],
        principal.subject,
        part_number=part_number,
    )
    uow.session.flush()
    if ledger.low_stock_crossed(before.available, after.available, part.reorder_point):
        uow.record_event(
            STOCK_LOW,
            {
                "item": "part",
                "location_code": location_code,
                "region": location.region,
                "part_number": part_number,
                "available": after.available,
                "threshold": part.reorder_point,
            },
        )
    return balance_row


def receive_parts(
    uow: UnitOfWork,
    principal: Principal,
    location_code: str,
    part_number: str,
    quantity: int,
    reference: str,
    description: str,
) -> PartBalanceRow:
    quantity = ledger.part_quantity(quantity)
    return _change_parts(
        uow,
        principal,
        location_code,
        part_number,
        lambda b, _: ledger.receive_parts(b, quantity),
        MovementKind.RECEIPT,
        reference=reference.strip() or None,
        description=description,
    )


def reserve_parts(
    uow: UnitOfWork, principal: Principal, location_code: str, part_number: str, quantity: int, reference: str
) -> PartBalanceRow:
    quantity = ledger.part_quantity(quantity)
    return _change_parts(
        uow,
        principal,
        location_code,
        part_number,
        lambda b, p: ledger.reserve_parts(b, quantity, p),
        MovementKind.RESERVATION,
        reference=reference.strip() or None,
    )


def release_parts(
    uow: UnitOfWork, principal: Principal, location_code: str, part_number: str, quantity: int, reference: str
) -> PartBalanceRow:
    quantity = ledger.part_quantity(quantity)
    return _change_parts(
        uow,
        principal,
        location_code,
        part_number,
        lambda b, p: ledger.release_parts(b, quantity, p),
        MovementKind.RELEASE,
        reference=reference.strip() or None,
    )


def issue_parts(
    uow: UnitOfWork, principal: Principal, location_code: str, part_number: str, quantity: int, reference: str
) -> PartBalanceRow:
    quantity = ledger.part_quantity(quantity)
    return _change_parts(
        uow,
        principal,
        location_code,
        part_number,
        lambda b, p: ledger.issue_parts(b, quantity, p),
        MovementKind.ISSUE,
        reference=reference.strip() or None,
    )


def reorder_point(uow: UnitOfWork, part_number: str) -> int:
    part = uow.session.get(PartRow, part_number)
    return part.reorder_point if part else 0


@dataclass(frozen=True)
class PartsAt:
    location: LocationRow
    available: int
    distance_km: float | None


@dataclass(frozen=True)
class PartAvailability:
    part: PartRow
    own: PartsAt
    nearby: list[PartsAt]


NEARBY_LIMIT = 10


def _distance_km(a: LocationRow, b: LocationRow) -> float | None:
    if None in (a.latitude, a.longitude, b.latitude, b.longitude):
        return None
    assert a.latitude is not None and a.longitude is not None and b.latitude is not None and b.longitude is not None
    lat1, lon1, lat2, lon2 = map(math.radians, (a.latitude, a.longitude, b.latitude, b.longitude))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def part_availability(uow: UnitOfWork, principal: Principal, part_number: str, location_code: str) -> PartAvailability:
    """A part at the asker's location and at the nearest others in its region that have it."""
    part_number = _part_number(part_number)
    if principal.role in (Role.HQ, Role.OPS):
        if not location_code:
            raise ValidationFailed.one("location_code", "is required: whose neighbourhood to look in")
    elif principal.role in (Role.STATION, Role.DEALER):
        location_code = principal.org_code or ""
    else:
        raise NotFound(f"no part {part_number}")
    own_location = _location(uow, location_code)
    part = uow.session.get(PartRow, part_number)
    if part is None:
        raise NotFound(f"no part {part_number}")
    rows = uow.session.execute(
        select(LocationRow, PartBalanceRow.on_hand - PartBalanceRow.reserved)
        .join(PartBalanceRow, PartBalanceRow.location_code == LocationRow.code)
        .where(
            PartBalanceRow.part_number == part_number,
            or_(
                LocationRow.code == location_code,
                and_(
                    LocationRow.region == own_location.region,
                    PartBalanceRow.on_hand - PartBalanceRow.reserved > 0,
                ),
            ),
        )
    ).all()
    own = PartsAt(own_location, 0, 0.0)
    others = []
    for location, available in rows:
        if location.code == location_code:
            own = PartsAt(location, available, 0.0)
        else:
            others.append(PartsAt(location, available, _distance_km(own_location, location)))
    others.sort(key=lambda at: (at.distance_km is None, at.distance_km or 0.0, -at.available, at.location.code))
    return PartAvailability(part, own, others[:NEARBY_LIMIT])


# --- Headquarters' views ------------------------------------------------------------------------


class GroupBy:
    REGION = "region"
    LOCATION = "location"
    MODEL = "model"
    ALL = (REGION, LOCATION, MODEL)


@dataclass
class SummaryRow:
    key: str
    name: str = ""
    region: str = ""
    on_hand: int = 0
    available: int = 0
    reserved: int = 0
    in_transit: int = 0
    sold_last_30_days: int = 0
    total_age_days: float = 0.0
    oldest_age_days: int = 0
    aged: int = 0

    @property
    def average_age_days(self) -> float:
        return self.total_age_days / self.on_hand if self.on_hand else 0.0

    @property
    def days_of_supply(self) -> float:
        """Days the stock on hand lasts at the last 30 days' rate of sale; -1 when nothing sold."""
        if not self.sold_last_30_days:
            return -1.0
        return self.on_hand / (self.sold_last_30_days / SALES_WINDOW_DAYS)


@dataclass(frozen=True)
class StockSummary:
    group_by: str
    rows: list[SummaryRow]
    total: SummaryRow
    aged_after_days: int
    more: bool
    # When the counts were last recomputed; None before the first time.
    as_of: dt.datetime | None = None


IN_STOCK = (VehicleStatus.AVAILABLE.value, VehicleStatus.RESERVED.value, VehicleStatus.IN_TRANSIT.value)


_REFRESH_SUMMARY = text(
    """
    INSERT INTO stock_summary (location_code, model_code, on_hand, available, reserved, in_transit,
                               sold_last_30_days, arrival_epoch_sum, oldest_arrival, aged, computed_at)
    SELECT location_code, model_code,
           coalesce(s.on_hand, 0), coalesce(s.available, 0), coalesce(s.reserved, 0), coalesce(s.in_transit, 0),
           coalesce(q.sold, 0), coalesce(s.arrival_epoch_sum, 0), s.oldest_arrival, coalesce(s.aged, 0), :now
    FROM (
        SELECT location_code, model_code, count(*) AS on_hand,
               count(*) FILTER (WHERE status = 'available') AS available,
               count(*) FILTER (WHERE status = 'reserved') AS reserved,
               count(*) FILTER (WHERE status = 'in_transit') AS in_transit,
               sum(date_part('epoch', arrived_at)) AS arrival_epoch_sum,
               min(arrived_at) AS oldest_arrival,
               count(*) FILTER (WHERE arrived_at < :aged_before) AS aged
        FROM stock_vehicles WHERE status IN ('available', 'reserved', 'in_transit')
        GROUP BY location_code, model_code
    ) AS s
    FULL JOIN (
        SELECT location_code, model_code, count(*) AS sold
        FROM stock_vehicles WHERE sold_at >= :sales_since
        GROUP BY location_code, model_code
    ) AS q USING (location_code, model_code)
    """
)


def refresh_stock_summary(uow: UnitOfWork, now: dt.datetime | None = None) -> int:
    """Recompute headquarters' stock view from the balances; returns its rows.

    Readers keep the previous view until this commits; two replicas refreshing at once take
    turns rather than both writing.
    """
    now = now or _now()
    uow.session.execute(select(func.pg_advisory_xact_lock(func.hashtext("inventory stock_summary refresh"))))
    uow.session.execute(text("DELETE FROM stock_summary"))
    result = uow.session.execute(
        _REFRESH_SUMMARY,
        {
            "now": now,
            "aged_before": now - dt.timedelta(days=settings_module.load().aged_stock_days),
            "sales_since": now - dt.timedelta(days=SALES_WINDOW_DAYS),
        },
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def stock_summary(
    uow: UnitOfWork,
    principal: Principal,
    *,
    group_by: str,
    region: str,
    model_code: str,
    offset: int,
    limit: int,
) -> StockSummary:
    """Stock on hand grouped by region, location or model, with its age and the days it lasts.

    Read from the per-location-and-model summary (see `refresh_stock_summary`): counts and
    sales as of its last recomputation, ages as of now.
    """
    if principal.role not in (Role.HQ, Role.OPS):
        raise Refused("the stock summary is for headquarters")
    if group_by not in GroupBy.ALL:
        raise ValidationFailed.one("group_by", f"must be one of {', '.join(GroupBy.ALL)}")
    summary = StockSummaryRow
    key = {
        GroupBy.REGION: func.coalesce(LocationRow.region, ""),
        GroupBy.LOCATION: summary.location_code,
        GroupBy.MODEL: summary.model_code,
    }[group_by]
    described = (
        (func.min(LocationRow.name), func.min(LocationRow.region))
        if group_by == GroupBy.LOCATION
        else (literal(""), literal(""))
    )
    figures = (
        func.coalesce(func.sum(summary.on_hand), 0),
        func.coalesce(func.sum(summary.available), 0),
        func.coalesce(func.sum(summary.reserved), 0),
        func.coalesce(func.sum(summary.in_transit), 0),
        func.coalesce(func.sum(summary.sold_last_30_days), 0),
        func.coalesce(func.sum(summary.arrival_epoch_sum), 0.0),
        func.min(summary.oldest_arrival),
        func.coalesce(func.sum(summary.aged), 0),
    )
    filters = []
    if region:
        filters.append(LocationRow.region == region)
    if model_code:
        filters.append(summary.model_code == model_code)

    def scoped(query: Select[Any]) -> Select[Any]:
        return (
            query.select_from(summary)
            .join(LocationRow, LocationRow.code == summary.location_code, isouter=True)
            .where(*filters)
        )

    # Only the page is built here; the totals are one more aggregate, not a sum of every group.
    page = uow.session.execute(
        scoped(select(key, *described, *figures)).group_by(key).order_by(key).offset(offset).limit(limit)
    ).all()
    total_figures = uow.session.execute(scoped(select(*figures, func.min(summary.computed_at)))).one()
    now = _now()

    def summed(group: str, values: Sequence[Any]) -> SummaryRow:
        on_hand, available, reserved, in_transit, sold, epoch_sum, oldest, aged = values
        return SummaryRow(
            key=group,
            on_hand=int(on_hand),
            available=int(available),
            reserved=int(reserved),
            in_transit=int(in_transit),
            sold_last_30_days=int(sold),
            # Sum of ages = cars x now - sum of arrival times.
            total_age_days=max(0.0, (int(on_hand) * now.timestamp() - float(epoch_sum)) / 86400.0),
            oldest_age_days=ledger.age_days(oldest, now) if oldest else 0,
            aged=int(aged),
        )

    rows = []
    for group, name, location_region, *values in page:
        row = summed(group, values)
        row.name, row.region = name or "", location_region or ""
        rows.append(row)
    return StockSummary(
        group_by,
        rows,
        summed("total", total_figures[:-1]),
        settings_module.load().aged_stock_days,
        more=len(rows) == limit,
        as_of=total_figures[-1],
    )


AGED_ALERT_BATCH = 500


def alert_aged_stock(uow: UnitOfWork, *, now: dt.datetime | None = None, batch: int = AGED_ALERT_BATCH) -> int:
    """Announce each car that has sat at its location past the aged-stock threshold, once."""
    now = now or _now()
    aged_after = settings_module.load().aged_stock_days
    rows = uow.session.scalars(
        select(StockVehicleRow)
        .where(
            StockVehicleRow.status.in_(IN_STOCK),
            StockVehicleRow.aged_alerted_at.is_(None),
            StockVehicleRow.arrived_at < now - dt.timedelta(days=aged_after),
        )
        .order_by(StockVehicleRow.arrived_at)
        .limit(batch)
        .with_for_update(skip_locked=True)
    ).all()
    for row in rows:
        row.aged_alerted_at = now
        uow.record_event(
            STOCK_AGED,
            _vehicle_event(
                vehicle_state(row),
                in_stock_since=row.arrived_at.isoformat(),
                age_days=ledger.age_days(row.arrived_at, now),
                aged_after_days=aged_after,
            ),
        )
    uow.session.flush()
    return len(rows)


def list_movements(
    uow: UnitOfWork,
    principal: Principal,
    *,
    location_code: str,
    vin: str,
    part_number: str,
    offset: int,
    limit: int,
) -> list[MovementRow]:
    query = select(MovementRow)
    if principal.role in (Role.DEALER, Role.STATION):
        if location_code and location_code != principal.org_code:
            return []
        query = query.where(MovementRow.location_code == principal.org_code)
    elif principal.role not in (Role.HQ, Role.OPS):
        return []
    if location_code:
        query = query.where(MovementRow.location_code == location_code)
    if vin:
        query = query.where(MovementRow.vin == domain.normalise_vin(vin))
    if part_number:
        query = query.where(MovementRow.part_number == part_number.strip().upper())
    return list(uow.session.scalars(query.order_by(MovementRow.seq.desc()).offset(offset).limit(limit)))


def list_locations(uow: UnitOfWork, *, region: str, kind: str, offset: int, limit: int) -> list[LocationRow]:
    query = select(LocationRow)
    if region:
        query = query.where(LocationRow.region == region)
    if kind:
        query = query.where(LocationRow.kind == kind)
    return list(uow.session.scalars(query.order_by(LocationRow.code).offset(offset).limit(limit)))


def get_reservation(uow: UnitOfWork, principal: Principal, order_number: str) -> ReservationRow:
    row = uow.session.get(ReservationRow, order_number)
    visible = row is not None and (
        principal.role in (Role.HQ, Role.OPS)
        or (principal.role is Role.DEALER and principal.org_code == row.dealer_code)
    )
    if not visible:
        raise NotFound(f"no reservation for {order_number}")
    assert row is not None
    return row


# --- Reconciliation ---------------------------------------------------------------------------


def reconcile(uow: UnitOfWork) -> tuple[int, list[ledger.Difference]]:
    """Recompute every balance from the ledger and compare it with the balance recorded.

    Returns how many balances were checked and every one that differs.
    """
    vehicle_ledger = {
        (f"vin {vin}", location): Balance(on_hand, reserved, in_transit)
        for vin, location, on_hand, reserved, in_transit in uow.session.execute(
            text(
                "SELECT vin, location_code, sum(on_hand_change), sum(reserved_change), sum(in_transit_change) "
                "FROM stock_movements WHERE vin IS NOT NULL GROUP BY vin, location_code"
            )
        )
    }
    vehicle_recorded = {
        (f"vin {row.vin}", row.location_code): vehicle_state(row).balance
        for row in uow.session.scalars(select(StockVehicleRow))
    }
    part_ledger = {
        (f"part {part}", location): Balance(on_hand, reserved, in_transit)
        for part, location, on_hand, reserved, in_transit in uow.session.execute(
            text(
                "SELECT part_number, location_code, sum(on_hand_change), sum(reserved_change), "
                "sum(in_transit_change) FROM stock_movements WHERE part_number IS NOT NULL "
                "GROUP BY part_number, location_code"
            )
        )
    }
    part_recorded = {
        (f"part {row.part_number}", row.location_code): Balance(row.on_hand, row.reserved)
        for row in uow.session.scalars(select(PartBalanceRow))
    }
    differences = ledger.differences(vehicle_ledger, vehicle_recorded) + ledger.differences(part_ledger, part_recorded)
    return len(vehicle_ledger.keys() | vehicle_recorded.keys() | part_ledger.keys() | part_recorded.keys()), differences
