"""Use cases of the inventory service, shared by its gRPC and Nameko shells."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Select, or_, select

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
