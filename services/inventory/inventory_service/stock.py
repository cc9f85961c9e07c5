"""Use cases of the inventory service, shared by its gRPC and Nameko shells."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.dialects.postgresql import insert

from inventory_service import domain
from inventory_service.models import ReservationRow, StockVehicleRow
from plumbing.db import UnitOfWork
from plumbing.errors import NotFound
from plumbing.principal import Principal, Role


def reserve_for_order(uow: UnitOfWork, order: domain.OrderedVehicle) -> ReservationRow:
    """Answer an ordered vehicle: reserve the longest-held matching pool car, or none."""
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
                StockVehicleRow.status == domain.VehicleStatus.AVAILABLE.value,
                StockVehicleRow.location_code == domain.MAKER_POOL,
            )
            .order_by(StockVehicleRow.arrived_at, StockVehicleRow.vin)
            .limit(1)
            # Two orders racing for the last matching car: one takes it, the other moves on.
            .with_for_update(skip_locked=True)
        ).first()
    decision = domain.decide_reservation(order, candidate.vin if candidate else None)
    if candidate is not None:
        candidate.status = domain.VehicleStatus.RESERVED.value
        candidate.reserved_for_order = order.order_number
        candidate.reserved_for_dealer = order.dealer_code
        candidate.updated_at = dt.datetime.now(dt.UTC)
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
    uow: UnitOfWork, principal: Principal, *, offset: int, limit: int, model_code: str = "", status: str = ""
) -> list[StockVehicleRow]:
    query = _visible_vehicles(principal)
    if model_code:
        query = query.where(StockVehicleRow.model_code == model_code)
    if status:
        query = query.where(StockVehicleRow.status == status)
    return list(uow.session.scalars(query.order_by(StockVehicleRow.vin).offset(offset).limit(limit)))


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


def _lock_or_create(uow: UnitOfWork, new_row: dict[str, Any]) -> tuple[StockVehicleRow, bool]:
    """The stock row of a VIN, locked for this transaction; created from `new_row` when absent.

    The insert comes first so that two messages about a car new to the stock (its arrival
    and its delivery, handled side by side) cannot both create it: one waits for the other.
    """
    created = uow.session.scalars(
        insert(StockVehicleRow).values(**new_row).on_conflict_do_nothing().returning(StockVehicleRow)
    ).one_or_none()
    if created is not None:
        return created, True
    row = uow.session.scalars(
        select(StockVehicleRow).where(StockVehicleRow.vin == new_row["vin"]).with_for_update()
    ).one()
    return row, False


def _place(row: StockVehicleRow) -> domain.StockPlace:
    return domain.StockPlace(location_code=row.location_code, status=domain.VehicleStatus(row.status))


def _move(row: StockVehicleRow, place: domain.StockPlace) -> None:
    row.location_code = place.location_code
    row.status = place.status.value
    # The car is no longer held in the pool for an order: it is at the dealer, or sold.
    row.reserved_for_order = None
    row.reserved_for_dealer = None
    row.updated_at = dt.datetime.now(dt.UTC)


def receive_at_dealer(uow: UnitOfWork, arrival: domain.ArrivedVehicle) -> StockVehicleRow:
    """Take an arrived car into its dealer's stock (a pool car held for the order moves there)."""
    row, created = _lock_or_create(
        uow,
        {
            "vin": arrival.vin,
            "model_code": arrival.model_code,
            "trim_code": arrival.trim_code,
            "colour_code": arrival.colour_code,
            "location_code": arrival.dealer_code,
            "status": domain.VehicleStatus.AVAILABLE.value,
            "arrived_at": arrival.arrived_at,
        },
    )
    receipt = domain.receive_at_dealer(None if created else _place(row), arrival)
    if not created:
        if row.location_code != arrival.dealer_code or row.status != receipt.place.status.value:
            # Stock age at the dealer counts from the car's arrival there.
            row.arrived_at = arrival.arrived_at
        _move(row, receipt.place)
        row.model_code, row.trim_code, row.colour_code = arrival.model_code, arrival.trim_code, arrival.colour_code
    if receipt.event_type is not None:
        uow.record_event(receipt.event_type, receipt.event_data)
    uow.session.flush()
    return row


def hand_over(uow: UnitOfWork, delivery: domain.DeliveredVehicle) -> StockVehicleRow:
    """Mark a car handed over to its buyer as sold.

    A car the stock has not seen yet (its arrival still to be handled) is recorded as sold at
    the dealer; its arrival then fills in what the car is, and leaves it sold.
    """
    place = domain.hand_over(delivery)
    row, created = _lock_or_create(
        uow,
        {
            "vin": delivery.vin,
            "model_code": "",
            "trim_code": "",
            "colour_code": "",
            "location_code": place.location_code,
            "status": place.status.value,
            "arrived_at": delivery.delivered_at,
        },
    )
    if not created:
        _move(row, place)
    uow.session.flush()
    return row


def release_for_withdrawn_order(uow: UnitOfWork, order: domain.WithdrawnOrder) -> list[StockVehicleRow]:
    """Put the cars held for a cancelled or rejected order back on sale where they are.

    Looked up by the order rather than by the VIN the order service knew, so a car reserved
    while the cancellation was on its way is released too.
    """
    held = uow.session.scalars(
        select(StockVehicleRow).where(StockVehicleRow.reserved_for_order == order.order_number).with_for_update()
    ).all()
    released = []
    for row in held:
        if domain.releases(order, domain.VehicleStatus(row.status), row.reserved_for_order):
            _move(row, domain.StockPlace(location_code=row.location_code, status=domain.VehicleStatus.AVAILABLE))
            released.append(row)
    uow.session.flush()
    return released
